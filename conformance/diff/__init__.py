"""``conformance diff``: differential runs of generated request sequences against two targets.

The candidate (``--target``, A) and the oracle (``--against``, B) get the same sequences, each in its
own namespace (a ``batch`` value that every write carries and every list read filters on), from the
same plan (``plan.py``, drawn once from the seed). Answers are normalised (``normalise.py``: ids,
timestamps, documentIds mapped to the step that created them), the oracle is run twice to learn
which JSON paths are noise (``compare.py``, the way Twitter's Diffy does), and what is left is grouped
by signature and judged against a manifest of known divergences (``manifest.py``).
"""

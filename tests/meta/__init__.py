"""Meta-tests: known-bad variants of the reference implementation that the suite must catch.

``catalogue`` lists the variants (one small fault each, injected by ``inject`` from outside
``reference_impl``), ``runner`` runs the suite against them (forked from the warm ``server``) and
judges each run, ``python -m tests.meta`` reports the mutation score, the variants not caught and
the scenarios no variant kills; ``test_meta`` is the CI test.
"""

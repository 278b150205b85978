"""Meta-tests: known-bad variants of the reference implementation that the suite must catch.

``catalogue`` lists the variants (one small fault each, injected by ``inject`` from outside
``reference_impl``), ``runner`` runs the suite against them and ``python -m tests.meta`` reports the
mutation score, the surviving variants and the scenarios no variant makes fail.
"""

"""Every scenario of every feature file becomes one test (pytest-bdd)."""

from pytest_bdd import scenarios

from conformance.scenarios import prime
from conformance.suite import features_dir

# The parses come from the disk cache where it can (an xdist worker has not parsed anything yet).
prime(features_dir())
scenarios(str(features_dir()))

"""Every scenario of every feature file becomes one test (pytest-bdd)."""

from pytest_bdd import scenarios

from conformance.suite import features_dir

scenarios(str(features_dir()))

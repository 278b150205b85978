"""Conformance suite and harness for Strapi v5-style back-end request flows."""

__version__ = "0.1.0"
SUITE_NAME = "strapi-conformance"

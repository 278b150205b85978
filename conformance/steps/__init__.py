"""pytest-bdd step definitions, one module per theme; they read like the Strapi documentation."""

MODULES = [
    "conformance.steps.data",
    "conformance.steps.model",
    "conformance.steps.media",
    "conformance.steps.control",
    "conformance.steps.auth",
    "conformance.steps.http",
    "conformance.steps.response",
    "conformance.steps.trace",
    "conformance.steps.webhooks",
]

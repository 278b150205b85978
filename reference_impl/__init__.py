"""A small, readable Python implementation of the Strapi v5 back-end request chain.

Read it in the order a request travels: ``app`` (ASGI → ctx) → ``middlewares`` (global) → ``router``
→ ``endpoint`` (route info, ``auth``, ``policies``, route middlewares, return-body) →
``controllers`` → ``services`` → ``documents`` (Document Service middlewares) → ``query``
(Query Engine, ``lifecycles``) → database; ``errors`` shapes every error answer.
"""

from .app import ReferenceApp, create_app

__all__ = ["ReferenceApp", "create_app"]
__version__ = "0.1.0"

"""The ``strapi`` object crosses into the built-in middleware factories and the upload plugin as the
``StrapiApp`` Protocol (reference_impl/layers.py), not as ``Any``: mypy then checks each use against
the boundary, and the ``_conforms`` check there proves the assembled ``Strapi`` satisfies it."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import pytest

from reference_impl.middlewares import BUILTINS
from reference_impl.upload import UploadPlugin


def _strapi_annotation(factory: Callable[..., Any]) -> Any:
    return inspect.signature(factory).parameters["strapi"].annotation


@pytest.mark.parametrize("name", sorted(BUILTINS))
def test_each_builtin_middleware_factory_takes_the_strapi_protocol(name: str) -> None:
    assert _strapi_annotation(BUILTINS[name]) == "StrapiApp"


def test_the_upload_plugin_takes_the_strapi_protocol() -> None:
    assert _strapi_annotation(UploadPlugin.__init__) == "StrapiApp"

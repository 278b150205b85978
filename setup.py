"""Package layout that pyproject.toml cannot express: the catalogue stays at the top level of the
repository (``features/``) and ships in the wheel as ``conformance/features/``, where
conformance.paths finds it when there is no checkout. Everything else is in pyproject.toml."""

from setuptools import find_namespace_packages, setup

setup(
    packages=[
        *find_namespace_packages(include=["conformance*", "reference_impl*"], exclude=["*.__pycache__"]),
        "conformance.features",
    ],
    package_dir={"conformance.features": "features"},
)

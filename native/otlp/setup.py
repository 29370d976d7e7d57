"""Builds the C extension; the rest of the package metadata is in pyproject.toml."""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "hearth_otlp_native._spans",
            sources=["src/hearth_otlp_native/spans.c"],
            extra_compile_args=["-O2", "-std=c11", "-Wall", "-Wextra", "-Wno-unused-parameter"],
        )
    ]
)

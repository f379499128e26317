"""Shared plumbing for the benchmark scripts: re-exported from :mod:`jaxgen.reproduce._common`."""

from jaxgen.reproduce._common import cli, setup_jax, versions, write_record  # noqa: F401

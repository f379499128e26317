"""The float32 run: these tests need JAX's default single precision (``jax_enable_x64`` off), so they run in a
pytest invocation of their own, ``JAXGEN_TEST_FLOAT32=1 python -m pytest tests/float32`` (tests/conftest.py then
leaves x64 off and collects only this folder; the normal run skips this folder)."""

import os

import jax
import pytest

if os.environ.get("JAXGEN_TEST_FLOAT32") != "1" or jax.config.read("jax_enable_x64"):
    raise pytest.UsageError(
        "tests/float32 runs with jax_enable_x64 off, in a separate invocation: "
        "JAXGEN_TEST_FLOAT32=1 python -m pytest tests/float32"
    )

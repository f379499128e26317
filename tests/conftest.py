"""Test configuration: every test runs in float64 (jaxgen itself never flips the global config), and the `jaxgen`
command's persistent compilation cache is off in tests that call ``jaxgen.cli.main`` in-process (it would change the
JAX configuration of the whole test worker); tests/jaxgen/test_cli.py turns it on in a subprocess of its own.

The exception is the float32 run, ``JAXGEN_TEST_FLOAT32=1 python -m pytest tests/float32``: x64 stays off (JAX's
default) and only tests/float32 is collected; the normal run skips that folder."""

import os
import pathlib

import jax
import pytest

os.environ["JAXGEN_COMPILE_CACHE"] = "0"
FLOAT32_RUN = os.environ.get("JAXGEN_TEST_FLOAT32") == "1"
if not FLOAT32_RUN:
    jax.config.update("jax_enable_x64", True)

_TESTS = pathlib.Path(__file__).resolve().parent
_FLOAT32 = _TESTS / "float32"


def pytest_ignore_collect(collection_path, config):
    """float32 run: only tests/float32; normal run: everything else."""
    path = pathlib.Path(collection_path).resolve()
    if path == _TESTS or _TESTS not in path.parents:
        return None
    in_float32 = path == _FLOAT32 or _FLOAT32 in path.parents
    if in_float32 != FLOAT32_RUN:
        return True
    return None


def pytest_collection_modifyitems(config, items):
    """A test file named on the command line is collected even when ignored above: refuse to mix the two runs."""
    if FLOAT32_RUN:
        other = sorted({str(item.path) for item in items if _FLOAT32 not in pathlib.Path(item.path).parents})
        if other:
            raise pytest.UsageError(f"JAXGEN_TEST_FLOAT32=1 runs only tests/float32 (x64 off), not {other}")

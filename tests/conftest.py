"""Test configuration: every test runs in float64 (jaxgen itself never flips the global config), and the `jaxgen`
command's persistent compilation cache is off in tests that call ``jaxgen.cli.main`` in-process (it would change the
JAX configuration of the whole test worker); tests/jaxgen/test_cli.py turns it on in a subprocess of its own."""

import os

import jax

os.environ["JAXGEN_COMPILE_CACHE"] = "0"
jax.config.update("jax_enable_x64", True)

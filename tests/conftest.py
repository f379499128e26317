"""Test configuration: every test runs in float64 (jaxgen itself never flips the global config)."""

import jax

jax.config.update("jax_enable_x64", True)

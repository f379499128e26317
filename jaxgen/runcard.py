"""TOML runcards for the ``jaxgen`` command (schema, validation, runners); see :mod:`jaxgen._runcard` and docs/cli.md.

Example::

    from jaxgen import runcard
    card = runcard.load_runcard("hall_predict.toml")   # ValueError naming the key, the expected form and the fix
    result = runcard.run_predict(card, out="out")       # {"text", "dataset", "written", "prediction"}
"""

from . import _runcard
from ._runcard import *  # noqa: F401,F403

__all__ = list(_runcard.__all__)

"""``python -m jaxgen``: the ``jaxgen`` command (see :mod:`jaxgen.cli`)."""

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())

"""Old import path of :mod:`jaxgen.scenarios.hall` (the chain moved into the package ``jaxgen.scenarios``).

``import jaxgen._scenario_hall`` gives the very module object ``jaxgen.scenarios.hall`` (kept for one release for
code that imports the old private path; import ``jaxgen.scenarios.hall`` instead).
"""

import sys

from .scenarios import hall as _module

sys.modules[__name__] = _module

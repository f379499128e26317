"""Old import path of :mod:`jaxgen.scenarios.ardu` (the chain moved into the package ``jaxgen.scenarios``).

``import jaxgen._scenario_ardu`` gives the very module object ``jaxgen.scenarios.ardu`` (kept for one release for
code that imports the old private path; import ``jaxgen.scenarios.ardu`` instead).
"""

import sys

from .scenarios import ardu as _module

sys.modules[__name__] = _module

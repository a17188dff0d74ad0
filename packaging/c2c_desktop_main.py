"""The bundle's entry point (PyInstaller): the same front door as the `c2c-desktop` console script, with its
instant hand-off of a tel: link to a running window."""

import os
import sys

# A bare environment (an autostart entry, `env -i`, a desktop that passes no locale) has the C locale, for which Qt
# prints a warning at every start and then switches to C.UTF-8 anyway: do that first, quietly.
if not any(os.environ.get(name) for name in ("LC_ALL", "LC_CTYPE", "LANG")):
    os.environ["LC_CTYPE"] = "C.UTF-8"

from c2c_desktop.launch import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())

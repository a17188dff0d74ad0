"""The bundle's entry point (PyInstaller): the same front door as the `c2c-desktop` console script, with its
instant hand-off of a tel: link to a running window."""

import sys

from c2c_desktop.launch import main

if __name__ == "__main__":
    sys.exit(main())

"""The bundle's entry point (PyInstaller): the same front door as the `c2c-desktop` console script."""

import sys

from c2c_desktop.cli import main

if __name__ == "__main__":
    sys.exit(main())

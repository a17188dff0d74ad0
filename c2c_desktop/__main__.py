import sys

from c2c_desktop.cli import main

sys.exit(main())

import sys

from c2c_desktop.launch import main

sys.exit(main())

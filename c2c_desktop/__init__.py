"""c2c-desktop: a desktop click-to-call dialer for sales agents."""

__version__ = "0.1.0"
APP_NAME = "c2c-desktop"

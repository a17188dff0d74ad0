"""The region a number without a country code is read in when the settings name none.

Its own module so that the window can name it before its first paint without loading core.phone (gui/app.py).
"""

DEFAULT_REGION = "US"

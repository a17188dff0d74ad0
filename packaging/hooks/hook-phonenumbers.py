# Replaces pyinstaller-hooks-contrib's hook, which takes every submodule: the app uses libphonenumber's metadata,
# short-number and time-zone data, not its geocoder or carrier data (40 MB of source).
from PyInstaller.utils.hooks import collect_submodules

hiddenimports = [
    name
    for name in collect_submodules("phonenumbers")
    if not name.startswith(
        ("phonenumbers.geodata", "phonenumbers.carrierdata", "phonenumbers.geocoder", "phonenumbers.carrier")
    )
]

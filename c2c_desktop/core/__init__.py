"""The Qt-free core: never imports PySide6 or c2c_desktop.gui (tests/core/test_layering.py guards this).

requests looks for a character-set detector (charset_normalizer or chardet) only for `Response.text` and
`apparent_encoding`, which this app never uses: the client reads at most a few KiB of body and decodes them itself.
The detector would cost ~3.5 MiB in every window once the dialer is loaded, so it is kept out: a None entry in
sys.modules makes its import fail, and requests then falls back to UTF-8 (after a warning, silenced here).
"""

import sys
import warnings

for _detector in ("charset_normalizer", "chardet"):
    sys.modules.setdefault(_detector, None)  # type: ignore[arg-type]
warnings.filterwarnings("ignore", message="Unable to find acceptable character detection dependency")
del _detector

"""The Qt-free core: never imports PySide6 or c2c_desktop.gui (tests/core/test_layering.py guards this)."""

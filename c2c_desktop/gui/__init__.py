"""The thin Qt layer over c2c_desktop.core."""

"""OAuth login flows, token lifecycle and background refresh for byokey."""

__version__ = "0.1.0"

__all__ = ["__version__"]

"""PID file, control socket and OS service management for byokey."""

__version__ = "0.1.0"

__all__ = ["__version__"]

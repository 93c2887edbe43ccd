"""The ``byokey`` command: assembles every byokey package into one tool."""

__version__ = "0.1.0"

__all__ = ["__version__"]

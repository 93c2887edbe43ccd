"""Durable SQL persistence (accounts, usage, history) with migrations for byokey."""

__version__ = "0.1.0"

__all__ = ["__version__"]

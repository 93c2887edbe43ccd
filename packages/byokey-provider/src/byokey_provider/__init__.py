"""Provider executors, model registry and routing for byokey."""

__version__ = "0.1.0"

__all__ = ["__version__"]

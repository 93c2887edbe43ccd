"""Settings schema, loading (YAML/JSON/env) and hot reload for byokey."""

__version__ = "0.1.0"

__all__ = ["__version__"]

"""Durable SQL persistence (accounts, usage, history) with migrations for byokey.

``InMemoryTokenStore`` is a drop-in ``TokenStore`` for tests and embedding.
"""

from byokey_store._memory_token_store import InMemoryTokenStore

__version__ = "0.1.0"

__all__ = ["InMemoryTokenStore", "__version__"]

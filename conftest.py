"""Root pytest configuration: makes ``tests.fakes`` importable from every package's tests."""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# Shared fixtures for the fake upstreams (fake_server, fake_server_factory, family fakes).
pytest_plugins = ["tests.fakes.fixtures"]

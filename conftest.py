"""Root pytest configuration: makes ``tests.fakes`` importable from every package's tests."""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

# Shared fixtures for the fake upstreams (fake_server, fake_server_factory, family fakes).
pytest_plugins = ["tests.fakes.fixtures"]

# CI runs on a cold, shared two-core machine: the first examples of a property test can be
# slow while imports warm up, which is not a property failure. No deadlines, no speed checks.
from hypothesis import HealthCheck, settings  # noqa: E402

settings.register_profile(
    "byokey",
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.load_profile("byokey")

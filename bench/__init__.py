"""byokey's benchmark suite: a fast fake upstream, a load generator and the scenarios.

Run ``make bench`` (everything, writes ``docs/performance.md`` and
``bench/results.json``) or ``uv run --frozen python -m bench.run --help``.
Every figure is measured on loopback against :mod:`bench.fake_upstream`; nothing
here talks to the internet.
"""

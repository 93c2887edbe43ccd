"""hypercorn's per-reply headers: built once a second, the Date always current."""

from __future__ import annotations

from email.utils import parsedate_to_datetime

import hypercorn.config
import pytest

from byokey_proxy import _serve


def test_reply_headers_are_reused_within_a_second_and_rebuilt_after(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    now = [1_800_000_000.2]
    monkeypatch.setattr(_serve.time, "time", lambda: now[0])
    monkeypatch.setattr(hypercorn.config, "time", lambda: now[0])  # what formats Date
    config = _serve._config(5.0)
    first = config.response_headers("h11")
    assert dict(first).keys() == {b"date"}, "no Server header, only Date"
    now[0] += 0.5
    assert config.response_headers("h11") is first
    assert config.response_headers("h2") is not first
    now[0] += 1.0
    later = config.response_headers("h11")
    assert later is not first
    seconds = [parsedate_to_datetime(dict(h)[b"date"].decode()).timestamp() for h in (first, later)]
    assert seconds == [1_800_000_000, 1_800_000_001]

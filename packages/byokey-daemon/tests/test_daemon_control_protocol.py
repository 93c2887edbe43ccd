from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from byokey_daemon import ServerStatus
from byokey_daemon._control_protocol import decode_status, encode_status

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=6),
    max_leaves=12,
)


@given(
    st.builds(
        ServerStatus,
        pid=st.integers(min_value=1, max_value=2**31),
        version=st.text(),
        host=st.text(),
        port=st.integers(min_value=0, max_value=65535),
        uptime_secs=st.integers(min_value=0),
    )
)
def test_status_round_trips(status: ServerStatus) -> None:
    assert decode_status(encode_status(status)) == status


@given(json_values)
def test_decode_accepts_only_well_formed_status(value: object) -> None:
    try:
        status = decode_status(json.dumps(value))
    except ValueError:
        return
    assert set(status) == {"pid", "version", "host", "port", "uptime_secs"}
    assert all(isinstance(status[k], int) for k in ("pid", "port", "uptime_secs"))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{", "status reply is not JSON"),
        ("[]", "status reply is not an object"),
        ('{"pid": true}', "status reply field 'pid' is not an integer"),
        (
            '{"pid": 1, "port": 2, "uptime_secs": 3, "version": 4, "host": "h"}',
            "status reply field 'version' is not a string",
        ),
    ],
)
def test_decode_names_the_bad_field(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=f"^{message}$"):
        decode_status(text)


def test_extra_fields_are_dropped() -> None:
    text = '{"pid": 1, "port": 2, "uptime_secs": 3, "version": "v", "host": "h", "x": 1}'
    assert decode_status(text) == {
        "pid": 1,
        "port": 2,
        "uptime_secs": 3,
        "version": "v",
        "host": "h",
    }

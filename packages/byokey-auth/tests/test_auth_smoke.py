import byokey_auth


def test_version() -> None:
    assert byokey_auth.__version__ == "0.1.0"

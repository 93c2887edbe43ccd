import byokey_daemon


def test_version() -> None:
    assert byokey_daemon.__version__ == "0.1.0"

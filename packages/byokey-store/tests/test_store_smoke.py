import byokey_store


def test_version() -> None:
    assert byokey_store.__version__ == "0.1.0"

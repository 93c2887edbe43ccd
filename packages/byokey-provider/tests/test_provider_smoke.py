import byokey_provider


def test_version() -> None:
    assert byokey_provider.__version__ == "0.1.0"

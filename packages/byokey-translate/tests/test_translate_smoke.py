import byokey_translate


def test_version() -> None:
    assert byokey_translate.__version__ == "0.1.0"

import byokey_types


def test_version() -> None:
    assert byokey_types.__version__ == "0.1.0"

import byokey_proxy


def test_version() -> None:
    assert byokey_proxy.__version__ == "0.1.0"

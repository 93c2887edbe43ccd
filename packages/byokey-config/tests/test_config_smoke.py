import byokey_config


def test_version() -> None:
    assert byokey_config.__version__ == "0.1.0"

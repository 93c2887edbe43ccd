import subprocess
import sys

from click.testing import CliRunner

from byokey_cli import __version__
from byokey_cli.main import cli


def test_version_option() -> None:
    result = CliRunner().invoke(cli, ["--version"])
    assert result.exit_code == 0
    assert result.output.strip() == f"byokey, version {__version__}"


def test_help_lists_usage() -> None:
    result = CliRunner().invoke(cli, ["--help"])
    assert result.exit_code == 0
    assert "Usage:" in result.output
    assert "OpenAI" in result.output


def test_console_script_runs() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "byokey_cli", "--version"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert __version__ in out.stdout

"""``byokey login`` in-process (click's runner): options reach the flow, output is plain."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from click.testing import Result

from tests.fakes.oauth import OAuthFake

from .conftest import oauth_config, write_config

Invoke = Callable[..., Result]


def test_kiro_identity_center_options(
    invoke: Invoke, tmp_home: Path, oauth_fake: OAuthFake
) -> None:
    oauth_fake.device_overrides["kiro"]["interval"] = 1
    write_config(tmp_home, oauth_config(oauth_fake))
    result = invoke(
        "login",
        "kiro",
        "--no-browser",
        "--start-url",
        "https://acme.awsapps.com/start",
        "--region",
        "eu-west-1",
        "--label",
        "Acme",
    )
    assert result.exit_code == 0, result.output
    assert "WXYZ-6789" in result.stdout  # the code, shown without a terminal too
    assert result.stdout.splitlines()[-1].startswith(
        "✓ kiro: signed in; saved as account 'default' (token expires in"
    )
    (device,) = oauth_fake.server.requests_to("/kiro/device_authorization")
    assert device.json()["startUrl"] == "https://acme.awsapps.com/start"
    assert oauth_fake.problems == []
    accounts = json.loads(invoke("accounts", "kiro", "--json").stdout)["accounts"]
    assert [(a["account_id"], a["label"], a["state"]) for a in accounts] == [
        ("default", "Acme", "valid")
    ]


def test_bad_region_is_one_error_line(
    invoke: Invoke, tmp_home: Path, oauth_fake: OAuthFake
) -> None:
    write_config(tmp_home, oauth_config(oauth_fake))
    result = invoke("login", "kiro", "--no-browser", "--region", "eu west")
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: login failed: authentication error: kiro: ")
    assert "region" in result.stderr and result.stderr.count("\n") == 1


def test_empty_account_name_is_refused(
    invoke: Invoke, tmp_home: Path, oauth_fake: OAuthFake
) -> None:
    write_config(tmp_home, oauth_config(oauth_fake))
    result = invoke("login", "copilot", "--no-browser", "--account", " ")
    assert result.exit_code == 1
    assert "account name must not be empty" in result.stderr

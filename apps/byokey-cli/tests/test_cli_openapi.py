"""``byokey openapi``: one line of compact JSON, the document the server serves."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from click.testing import Result

from byokey_proxy import __version__ as proxy_version
from byokey_proxy import build_openapi, main_route_table

Invoke = Callable[..., Result]

SPEC_PATHS = {
    "/v0/management/status",
    "/v0/management/accounts",
    "/v0/management/accounts/{provider}/{account_id}",
    "/v0/management/accounts/{provider}/{account_id}/activate",
    "/v0/management/ratelimits",
    "/v0/management/usage",
    "/v0/management/usage/history",
    "/v1/models",
    "/v0/management/amp/threads",
    "/v0/management/amp/threads/{id}",
}


def test_openapi_is_one_compact_line(invoke: Invoke, tmp_home: Path) -> None:
    result = invoke("openapi")
    assert result.exit_code == 0, result.output
    assert result.stdout.endswith("\n") and result.stdout.count("\n") == 1
    assert ": " not in result.stdout.split('"description"')[0]  # compact separators
    document = json.loads(result.stdout)
    assert document["openapi"] == "3.1.0"
    assert document["info"]["title"] == "byokey-proxy"
    assert document["info"]["version"] == proxy_version
    assert set(document["paths"]) >= SPEC_PATHS
    assert document == json.loads(
        json.dumps(build_openapi(main_route_table(), version=proxy_version))
    )


def test_openapi_opens_no_database(invoke: Invoke, tmp_home: Path) -> None:
    assert invoke("openapi").exit_code == 0
    assert not (tmp_home / ".byokey").exists()

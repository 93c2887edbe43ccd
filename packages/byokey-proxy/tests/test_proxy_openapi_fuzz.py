"""Hypothesis against ``/openapi.json``: requests generated from each operation's schema.

For every documented operation, path and query parameters are drawn from their
schemas (and sometimes replaced by arbitrary text); the server must never answer
500, a success must use a documented status, and every documented JSON answer
must match its schema. The validator below covers exactly the JSON Schema
subset the generator emits (no jsonschema dependency in the workspace).
"""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import quote

import httpx
import orjson
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from byokey_types import OAuthToken, ProviderId, UsageRecord
from conftest import Threaded


def resolve(doc: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref")
    if ref is None:
        return schema
    node: Any = doc
    for part in ref.removeprefix("#/").split("/"):
        node = node[part]
    return resolve(doc, node)


def conforms(doc: dict[str, Any], schema: dict[str, Any], value: Any, where: str = "$") -> None:
    """Raise AssertionError naming the first place ``value`` breaks ``schema``."""
    schema = resolve(doc, schema)
    if "anyOf" in schema:
        for option in schema["anyOf"]:
            try:
                conforms(doc, option, value, where)
                return
            except AssertionError:
                continue
        raise AssertionError(f"{where}: matches no anyOf branch: {value!r}")
    if "enum" in schema:
        assert value in schema["enum"], f"{where}: {value!r} not in {schema['enum']}"
    kind = schema.get("type")
    checks = {
        "object": lambda v: isinstance(v, dict),
        "array": lambda v: isinstance(v, list),
        "string": lambda v: isinstance(v, str),
        "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
        "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
        "boolean": lambda v: isinstance(v, bool),
        "null": lambda v: v is None,
    }
    if kind is not None:
        assert checks[kind](value), f"{where}: expected {kind}, got {value!r}"
    if "minimum" in schema:
        assert value >= schema["minimum"], f"{where}: {value} < minimum"
    if "maximum" in schema:
        assert value <= schema["maximum"], f"{where}: {value} > maximum"
    if kind == "object":
        for name in schema.get("required", []):
            assert name in value, f"{where}: missing required {name!r}"
        props = schema.get("properties", {})
        extra = schema.get("additionalProperties")
        for name, item in value.items():
            if name in props:
                conforms(doc, props[name], item, f"{where}.{name}")
            elif isinstance(extra, dict):
                conforms(doc, extra, item, f"{where}.{name}")
            else:
                assert not props, f"{where}: undocumented member {name!r}"
    if kind == "array":
        for i, item in enumerate(value):
            conforms(doc, schema["items"], item, f"{where}[{i}]")


def value_for(doc: dict[str, Any], schema: dict[str, Any]) -> st.SearchStrategy[Any]:
    schema = resolve(doc, schema)
    if "enum" in schema:
        return st.sampled_from(schema["enum"])
    kind = schema.get("type")
    if kind == "integer":
        low = schema.get("minimum")
        high = schema.get("maximum")
        return st.integers(min_value=low, max_value=high) | st.integers()
    if kind == "boolean":
        return st.booleans().map(lambda b: "true" if b else "false")
    known = st.sampled_from(
        ["claude", "codex", "openai", "gemini", "amp", "default", "T-0", "model"]
    )
    return known | st.text(max_size=20)


def requests_for(doc: dict[str, Any]) -> st.SearchStrategy[tuple[str, str, str, dict[str, str]]]:
    options = []
    for path, item in doc["paths"].items():
        for method, op in item.items():
            options.append((method.upper(), path, op))

    @st.composite
    def build(draw: st.DrawFn) -> tuple[str, str, str, dict[str, str]]:
        method, template, op = draw(st.sampled_from(options))
        url = template
        query: dict[str, str] = {}
        for param in op.get("parameters", []):
            raw = draw(value_for(doc, param["schema"]) | st.text(max_size=12))
            text = str(raw)
            if param["in"] == "path":
                url = url.replace("{" + param["name"] + "}", quote(text, safe=""))
            elif draw(st.booleans()):
                query[param["name"]] = text
        return method, template, url, query

    return build()


ACTIVATE = "/v0/management/accounts/{provider}/{account_id}/activate"
THREAD = "/v0/management/amp/threads/{id}"


def seed(threaded: Threaded) -> None:
    state = threaded.live.state
    assert state.tokens is not None
    now = int(time.time())

    async def fill() -> None:
        assert state.tokens is not None
        await state.tokens.save_account(
            ProviderId.CLAUDE, "default", "Main", OAuthToken("a", "r", expires_at=now + 9999)
        )
        await state.tokens.save_account(ProviderId.CODEX, "team", None, OAuthToken("b"))
        for ok in (True, False):
            state.usage.record(UsageRecord(model="m", provider="codex", success=ok))
        await state.usage.flush()

    threaded.call(fill())
    assert state.threads_dir is not None
    state.threads_dir.mkdir(parents=True, exist_ok=True)
    thread = {"v": 5, "id": "T-0", "created": 1, "messages": [{"role": "user", "messageId": 0}]}
    (state.threads_dir / "T-0.json").write_bytes(orjson.dumps(thread))


@pytest.mark.parametrize("gateway", ["scripted", "real"])
def test_no_500s_and_answers_match_the_document(
    gateway: str, request: pytest.FixtureRequest
) -> None:
    """Against the scripted gateway and against ``ProviderGateway`` with real executors."""
    fixture = "threaded_server" if gateway == "scripted" else "threaded_real_server"
    threaded: Threaded = request.getfixturevalue(fixture)
    seed(threaded)
    live = threaded.live
    with httpx.Client(base_url=live.url, timeout=30) as client:
        doc = client.get("/openapi.json").json()
        seen: set[tuple[str, str]] = set()

        @settings(
            max_examples=300,
            deadline=None,
            database=None,
            suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        )
        @given(requests_for(doc))
        @example(("POST", ACTIVATE, "/v0/management/accounts/claude/default/activate", {}))
        @example(("GET", THREAD, "/v0/management/amp/threads/T-0", {}))
        def check(request: tuple[str, str, str, dict[str, str]]) -> None:
            method, template, url, query = request
            reply = client.request(method, url, params=query)
            expected_unavailable = template.endswith("/reload")  # started without a file
            assert reply.status_code < 500 or (reply.status_code == 503 and expected_unavailable), (
                method,
                url,
                query,
                reply.status_code,
                reply.text,
            )
            responses = doc["paths"][template][method.lower()]["responses"]
            documented = responses.get(str(reply.status_code))
            if 200 <= reply.status_code < 300:
                assert documented is not None, (method, url, reply.status_code)
                seen.add((method, template))
            if documented is None or "content" not in documented:
                if reply.status_code == 204:
                    assert reply.content == b""
                return
            schema = documented["content"]["application/json"]["schema"]
            conforms(doc, schema, reply.json())

        check()
    operations = {(m.upper(), p) for p, item in doc["paths"].items() for m in item}
    # every operation answered successfully at least once, except reload (no settings file)
    assert operations - seen <= {("POST", "/v0/management/reload")}, operations - seen

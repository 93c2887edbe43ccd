"""``/v0/management/*``, ``/openapi.json`` and ``/healthz`` on a real server."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import openai
import orjson
import pytest
from proxy_fakes import LegacyUsageStore, RecordingUsageStore

from byokey_config import ConfigWatcher
from byokey_proxy import build_openapi, main_route_table
from byokey_store import open_store
from byokey_types import OAuthToken, ProviderId, RateLimitSnapshot
from conftest import Running, ServerFactory

M = "/v0/management"


def oa(live: Running) -> openai.AsyncOpenAI:
    return openai.AsyncOpenAI(base_url=f"{live.url}/v1", api_key="unused", max_retries=0)


async def get(live: Running, path: str, **params: object) -> httpx.Response:
    async with httpx.AsyncClient() as client:
        return await client.get(live.url + path, params=params)  # type: ignore[arg-type]


async def test_healthz(server: Running) -> None:
    reply = await get(server, "/healthz")
    assert (reply.status_code, reply.json()) == (200, {"status": "ok"})


async def test_status_auth_states(server: Running) -> None:
    server.box.set(**{"providers.claude.api_key": "sk-ant-x", "providers.kiro.enabled": False})
    now = int(time.time())
    await server.tokens.save_account(ProviderId.CODEX, "a", None, OAuthToken("t", None, None))
    await server.tokens.save_account(
        ProviderId.GEMINI, "g", None, OAuthToken("t", None, expires_at=now - 10)
    )
    reply = await get(server, f"{M}/status")
    body = reply.json()
    assert body["server"] == {"host": "127.0.0.1", "port": 8018}
    by_id = {p["id"]: p for p in body["providers"]}
    assert [p["id"] for p in body["providers"]] == [p.value for p in ProviderId.all()]
    assert by_id["claude"]["auth_status"] == "valid"
    assert by_id["codex"]["auth_status"] == "valid"
    assert by_id["gemini"]["auth_status"] == "expired"
    assert by_id["qwen"]["auth_status"] == "not_configured"
    assert by_id["kiro"]["enabled"] is False
    assert by_id["claude"]["models_count"] == 2
    assert by_id["amp"]["models_count"] == 0


async def test_accounts_activate_remove(server: Running) -> None:
    now = int(time.time())
    await server.tokens.save_account(
        ProviderId.CLAUDE, "work", "Work", OAuthToken("a", "r", expires_at=now + 3600)
    )
    await server.tokens.save_account(
        ProviderId.CLAUDE, "home", None, OAuthToken("b", "r", expires_at=now + 30)
    )
    body = (await get(server, f"{M}/accounts")).json()
    claude = next(p for p in body["providers"] if p["id"] == "claude")
    assert claude["display_name"] == ProviderId.CLAUDE.display_name
    assert claude["accounts"] == [
        {
            "account_id": "work",
            "label": "Work",
            "is_active": True,
            "token_state": "valid",
            "expires_at": now + 3600,
        },
        {
            "account_id": "home",
            "is_active": False,
            "token_state": "expired",
            "expires_at": now + 30,
        },
    ]
    async with httpx.AsyncClient(base_url=server.url) as client:
        assert (await client.post(f"{M}/accounts/anthropic/home/activate")).status_code == 204
        missing = await client.post(f"{M}/accounts/claude/nobody/activate")
        unknown = await client.delete(f"{M}/accounts/nonsense/home")
        assert (await client.delete(f"{M}/accounts/claude/work")).status_code == 204
        assert (await client.delete(f"{M}/accounts/claude/ghost")).status_code == 204
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "not_found"
    assert unknown.status_code == 400
    assert unknown.json()["error"]["code"] == "provider_not_found"
    listed = await server.tokens.list_accounts(ProviderId.CLAUDE)
    assert [(a.account_id, a.is_active) for a in listed] == [("home", True)]


async def test_usage_counters_and_totals_with_successes_and_failures(server: Running) -> None:
    async with oa(server) as client:
        await client.chat.completions.create(
            model="gpt-5.1", messages=[{"role": "user", "content": "hi"}]
        )
        with pytest.raises(openai.NotFoundError):
            await client.chat.completions.create(
                model="no-such", messages=[{"role": "user", "content": "hi"}]
            )
    usage = (await get(server, f"{M}/usage")).json()
    assert usage["total_requests"] == 2
    assert (usage["success_requests"], usage["failure_requests"]) == (1, 1)
    assert usage["models"]["gpt-5.1"] == {
        "requests": 1,
        "success": 1,
        "failure": 0,
        "input_tokens": 8,  # 11 prompt tokens, 3 read from the cache
        "output_tokens": 7,
    }
    totals = (await get(server, f"{M}/usage/totals", group_by="provider,account_id")).json()
    assert totals["group_by"] == ["provider", "account_id"]
    rows = {(t["provider"], t.get("account_id")): t for t in totals["totals"]}
    assert rows[("codex", "acct-1")]["successes"] == 1
    assert rows[("codex", "acct-1")]["cache_read_tokens"] == 3
    assert rows[("unknown", None)]["failures"] == 1
    bad = await get(server, f"{M}/usage/totals", group_by="colour")
    assert bad.status_code == 400


async def test_usage_history_from_a_sql_store(server_with: ServerFactory, tmp_path: Path) -> None:
    store = await open_store(tmp_path / "usage.db")
    try:
        async with server_with(store=store.usage) as live:
            async with oa(live) as client:
                for _ in range(3):
                    await client.chat.completions.create(
                        model="gpt-5.1", messages=[{"role": "user", "content": "hi"}]
                    )
                with pytest.raises(openai.NotFoundError):
                    await client.chat.completions.create(model="zzz", messages=[])
            history = (await get(live, f"{M}/usage/history")).json()
            assert history["bucket_seconds"] == 3600
            assert history["to"] - history["from"] == 86_400
            gpt = [b for b in history["buckets"] if b["model"] == "gpt-5.1"]
            assert sum(b["request_count"] for b in gpt) == 3
            assert sum(b["input_tokens"] for b in gpt) == 24  # 3 x (11 - 3 cached)
            assert sum(b["success_count"] for b in history["buckets"]) == 3
            assert sum(b["failure_count"] for b in history["buckets"]) == 1
            only = (await get(live, f"{M}/usage/history", model="zzz")).json()
            assert [b["model"] for b in only["buckets"]] == ["zzz"]
            week = (await get(live, f"{M}/usage/history", **{"from": 0, "to": 7 * 86_400})).json()
            assert week["bucket_seconds"] == 21_600
            assert (await get(live, f"{M}/usage/history", to="abc")).status_code == 400
            assert (await get(live, f"{M}/usage/history", to=2**60)).status_code == 400
            assert (
                await get(live, f"{M}/usage/history", **{"from": 9, "to": 1})
            ).status_code == 400
        # a restart preloads the store's totals, failures included
        async with server_with(store=store.usage) as again:
            usage = (await get(again, f"{M}/usage")).json()
            assert (usage["success_requests"], usage["failure_requests"]) == (3, 1)
    finally:
        await store.aclose()


async def test_usage_history_without_a_store_is_503(server_with: ServerFactory) -> None:
    async with server_with(store=None) as live:
        for path in (f"{M}/usage/history", f"{M}/usage/totals"):
            reply = await get(live, path)
            assert reply.status_code == 503
            assert "no persistent usage store" in reply.json()["error"]["message"]


async def test_legacy_store_history_and_preload(server_with: ServerFactory) -> None:
    rows = [
        {
            "period_start": 0,
            "model": "m",
            "request_count": 2,
            "input_tokens": 5,
            "output_tokens": 6,
        }
    ]
    async with server_with(store=LegacyUsageStore(rows)) as live:  # type: ignore[arg-type]
        usage = (await get(live, f"{M}/usage")).json()
        assert usage["models"]["m"]["requests"] == 2
        history = (await get(live, f"{M}/usage/history")).json()
        assert history["buckets"][0]["request_count"] == 2
        assert (await get(live, f"{M}/usage/totals")).status_code == 503


async def test_usage_writes_are_batched_and_a_bad_record_costs_only_itself() -> None:
    from byokey_proxy import UsageRecorder
    from byokey_types import UsageRecord

    store = RecordingUsageStore()
    recorder = UsageRecorder(store)
    for i in range(5):
        recorder.record(UsageRecord(model=f"m{i}", provider="codex", input_tokens=i))
    await recorder.flush()
    assert store.batches == [5]
    recorder.record(UsageRecord(model="ok", provider="codex"))
    recorder.record(UsageRecord(model="", provider="codex"))  # the store rejects it
    await recorder.flush()
    assert [r.model for r in store.records][-1] == "ok"
    assert recorder.totals.total_requests == 7


async def test_usage_disabled_and_not_persisted(server: Running) -> None:
    server.box.set(**{"usage.persist": False})
    async with oa(server) as client:
        await client.chat.completions.create(model="gpt-5.1", messages=[])
        server.box.set(**{"usage.enabled": False})
        await client.chat.completions.create(model="gpt-5.1", messages=[])
    assert (await get(server, f"{M}/usage")).json()["total_requests"] == 1
    assert await server.settled_records() == []


async def test_ratelimits_and_cooldown_reset(server: Running) -> None:
    server.gateway.snapshots = {
        ProviderId.CODEX: {
            "active": RateLimitSnapshot({"x-ratelimit-remaining-requests": "9"}, 1700000000)
        },
        ProviderId.CLAUDE: {
            "active": RateLimitSnapshot({"anthropic-ratelimit-requests-remaining": "950"}, 5)
        },
    }
    body = (await get(server, f"{M}/ratelimits")).json()
    assert [p["id"] for p in body["providers"]] == ["claude", "codex"]
    assert body["providers"][1]["accounts"] == [
        {
            "account_id": "active",
            "snapshot": {
                "headers": {"x-ratelimit-remaining-requests": "9"},
                "captured_at": 1700000000,
            },
        }
    ]
    async with httpx.AsyncClient(base_url=server.url) as client:
        everything = await client.post(f"{M}/cooldowns/reset")
        one = await client.post(f"{M}/cooldowns/reset", params={"provider": "openai"})
        bad = await client.post(f"{M}/cooldowns/reset", params={"provider": "nope"})
    assert everything.json() == {"reset": 2}
    assert one.status_code == 200
    assert server.gateway.resets == [None, ProviderId.CODEX]
    assert bad.status_code == 400


async def test_reload_applies_good_and_rejects_bad(
    server_with: ServerFactory, tmp_path: Path
) -> None:
    config = tmp_path / "settings.yaml"
    config.write_text("port: 8018\n")
    watcher = ConfigWatcher(config, env={})
    from byokey_proxy import ProxyState

    async with server_with() as live:
        state: ProxyState = live.state
        state.settings = lambda: watcher.current
        state.reload = watcher.reload
        config.write_text("port: 9999\n")
        async with httpx.AsyncClient(base_url=live.url) as client:
            good = await client.post(f"{M}/reload")
            config.write_text("port: [not, a, port]\n")
            bad = await client.post(f"{M}/reload")
            status = (await client.get(f"{M}/status")).json()
    assert good.json() == {"reloaded": True}
    assert bad.status_code == 422
    assert bad.json()["error"]["code"] == "invalid_settings"
    assert status["server"]["port"] == 9999


async def test_reload_without_settings_file_is_503(server: Running) -> None:
    async with httpx.AsyncClient() as client:
        reply = await client.post(f"{server.url}{M}/reload")
    assert reply.status_code == 503


THREAD = {
    "v": 5,
    "id": "T-019d38dd-45f9-7617-8e7f-03b730ba197a",
    "created": 1711728000000,
    "title": "Test thread",
    "agentMode": "smart",
    "messages": [
        {"role": "user", "messageId": 0, "content": [{"type": "text", "text": "hello"}]},
        {
            "role": "assistant",
            "messageId": 1,
            "content": [
                {"type": "thinking", "thinking": "hmm"},
                {"type": "tool_use", "id": "toolu_01", "name": "Bash", "input": {"cmd": "ls"}},
                {"type": "mystery"},
            ],
            "usage": {
                "model": "claude-opus-4-6",
                "inputTokens": 100,
                "outputTokens": 50,
                "cacheCreationInputTokens": 10,
                "cacheReadInputTokens": 5,
                "totalInputTokens": 115,
            },
            "state": {"type": "complete", "stopReason": "tool_use"},
        },
        {
            "role": "user",
            "messageId": 2,
            "content": [
                {
                    "type": "tool_result",
                    "toolUseID": "toolu_01",
                    "run": {"status": "done", "result": {"output": "file.txt"}},
                }
            ],
        },
    ],
    "relationships": [{"threadID": "T-abc", "type": "handoff", "role": "parent"}],
    "env": {"initial": {"platform": {"os": "darwin"}}},
}


def write_threads(folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{THREAD['id']}.json").write_bytes(orjson.dumps(THREAD))
    empty = {"v": 5, "id": "T-0000-empty", "created": 1711000000000, "messages": []}
    (folder / "T-0000-empty.JSON").write_bytes(orjson.dumps(empty))
    odd = {"v": 5, "id": "T-0001", "created": 1712000000000, "messages": [7, "x"]}
    (folder / "T-0001.json").write_bytes(orjson.dumps(odd))
    (folder / "T-broken.json").write_text("{nope")
    (folder / "notes.json").write_text("{}")


async def test_amp_thread_list_and_detail(server: Running) -> None:
    assert server.state.threads_dir is not None
    write_threads(server.state.threads_dir)
    listed = (await get(server, f"{M}/amp/threads")).json()
    assert listed["total"] == 2
    first = listed["threads"][0]
    assert first["id"] == "T-0001" and first["message_count"] == 2
    summary = listed["threads"][1]
    assert summary["last_model"] == "claude-opus-4-6"
    assert (summary["total_input_tokens"], summary["total_output_tokens"]) == (100, 50)
    assert summary["agent_mode"] == "smart"
    empty = (await get(server, f"{M}/amp/threads", has_messages="false")).json()
    assert [t["id"] for t in empty["threads"]] == ["T-0000-empty"]
    paged = (await get(server, f"{M}/amp/threads", limit=1, offset=1)).json()
    assert [t["id"] for t in paged["threads"]] == [THREAD["id"]]
    assert (await get(server, f"{M}/amp/threads", limit="x")).status_code == 400
    assert (await get(server, f"{M}/amp/threads", has_messages="maybe")).status_code == 400

    detail = (await get(server, f"{M}/amp/threads/{THREAD['id']}")).json()
    assert detail["agent_mode"] == "smart"
    assistant = detail["messages"][1]
    assert assistant["content"][2] == {"type": "unknown", "original_type": "mystery"}
    assert assistant["usage"]["total_input_tokens"] == 115
    assert assistant["state"] == {"state_type": "complete", "stop_reason": "tool_use"}
    assert detail["messages"][2]["content"][0]["run"]["status"] == "done"
    assert detail["relationships"] == [
        {"thread_id": "T-abc", "rel_type": "handoff", "role": "parent"}
    ]
    bad = await get(server, f"{M}/amp/threads/X-1")
    missing = await get(server, f"{M}/amp/threads/T-dead")
    broken = await get(server, f"{M}/amp/threads/T-0001")
    assert (bad.status_code, missing.status_code, broken.status_code) == (400, 404, 500)
    assert missing.json()["error"]["type"] == "not_found"


async def test_openapi_document(server: Running) -> None:
    doc = (await get(server, "/openapi.json")).json()
    assert doc["openapi"] == "3.1.0"
    assert doc["info"]["title"] == "byokey-proxy"
    assert doc["info"]["license"]["name"] == "MIT OR Apache-2.0"
    operations = {
        op["operationId"]: (method.upper(), path)
        for path, item in doc["paths"].items()
        for method, op in item.items()
    }
    assert operations["status_handler"] == ("GET", f"{M}/status")
    assert operations["remove_account_handler"] == (
        "DELETE",
        f"{M}/accounts/{{provider}}/{{account_id}}",
    )
    assert operations["activate_account_handler"][0] == "POST"
    assert operations["list_models"] == ("GET", "/v1/models")
    assert operations["get_thread"] == ("GET", f"{M}/amp/threads/{{id}}")
    for name in (
        "status_handler",
        "accounts_handler",
        "ratelimits_handler",
        "usage_handler",
        "usage_history_handler",
        "list_threads",
        "reset_cooldowns_handler",
        "reload_handler",
        "usage_totals_handler",
    ):
        assert name in operations
    schemas = doc["components"]["schemas"]
    for name in (
        "StatusResponse",
        "ServerInfo",
        "ProviderStatus",
        "AuthStatus",
        "AccountsResponse",
        "ProviderAccounts",
        "AccountDetail",
        "TokenStateDto",
        "RateLimitsResponse",
        "ProviderRateLimits",
        "AccountRateLimit",
        "RateLimitSnapshot",
        "UsageSnapshot",
        "ModelStats",
        "UsageHistoryQuery",
        "UsageHistoryResponse",
        "UsageBucket",
        "ModelsResponse",
        "ModelEntry",
        "AmpThreadListResponse",
        "AmpThreadListQuery",
        "AmpThreadSummary",
        "AmpThreadDetail",
        "AmpMessage",
        "AmpContentBlock",
        "AmpToolRun",
        "AmpUsage",
        "AmpMessageState",
        "AmpRelationship",
    ):
        assert name in schemas, name
    assert schemas["AuthStatus"]["enum"] == ["valid", "expired", "not_configured"]
    assert schemas["ServerInfo"]["properties"]["port"]["minimum"] == 0
    assert "label" not in schemas["AccountDetail"]["required"]
    history_params = {p["name"] for p in doc["paths"][f"{M}/usage/history"]["get"]["parameters"]}
    assert history_params == {"from", "to", "model"}
    # generated from the route table, not kept by hand
    generated = build_openapi(main_route_table(), version=doc["info"]["version"])
    assert doc == orjson.loads(orjson.dumps(generated))

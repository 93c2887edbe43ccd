"""The Copilot fake (GitHub token exchange, quota, chat), driven by raw httpx and the openai SDK."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import openai
import pytest

from tests.fakes.copilot import CopilotFake
from tests.fakes.server import FakeServer

GITHUB = "gho_fake_github_token"
IDE = {"editor-version": "vscode/1.107.0", "copilot-integration-id": "vscode-chat"}


class Clock:
    now = 1_700_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def fake(clock: Clock) -> Iterator[CopilotFake]:
    with FakeServer("copilot") as server:
        copilot = CopilotFake(server, clock=clock)
        copilot.add_account(GITHUB, percent_remaining=42.5)
        yield copilot


def exchange(fake: CopilotFake, github: str = GITHUB) -> httpx.Response:
    return httpx.get(fake.exchange_url, headers={"authorization": f"token {github}"})


def test_exchange_answers_githubs_shape(fake: CopilotFake, clock: Clock) -> None:
    body = exchange(fake).json()
    assert body["token"].startswith("tid=") and body["token"] in fake.issued_tokens()
    assert body["expires_at"] == int(clock.now + 1800)
    assert body["refresh_in"] == 1500
    assert body["endpoints"]["api"] == fake.url
    assert exchange(fake, "gho_unknown").status_code == 401
    bearer = httpx.get(fake.exchange_url, headers={"authorization": f"Bearer {GITHUB}"})
    assert bearer.status_code == 401, "GitHub wants the literal word 'token'"
    fake.fail_exchange_next(503)
    assert exchange(fake).status_code == 503
    assert len(fake.exchanges) == 4


def test_quota_snapshot(fake: CopilotFake) -> None:
    answer = httpx.get(fake.user_url, headers={"authorization": f"token {GITHUB}"})
    premium = answer.json()["quota_snapshots"]["premium_interactions"]
    assert premium == {
        "entitlement": 300,
        "percent_remaining": 42.5,
        "remaining": 127,
        "unlimited": False,
    }
    fake.accounts[GITHUB].quota_status = 500
    assert httpx.get(fake.user_url, headers={"authorization": f"token {GITHUB}"}).is_error


def test_chat_wants_a_live_issued_token_and_ide_headers(fake: CopilotFake, clock: Clock) -> None:
    token = exchange(fake).json()["token"]
    body = {"model": "gpt-4.1", "messages": [{"role": "user", "content": "hi"}]}
    url = f"{fake.url}/chat/completions"
    auth = {"authorization": f"Bearer {token}"}
    assert httpx.post(url, json=body, headers=auth).status_code == 400
    assert httpx.post(url, json=body, headers={**auth, **IDE}).status_code == 200
    assert (
        httpx.post(url, json=body, headers={"authorization": "Bearer x", **IDE}).status_code == 401
    )
    clock.now += 1801
    assert httpx.post(url, json=body, headers={**auth, **IDE}).status_code == 401
    clock.now -= 1801
    fake.revoke_issued()
    assert httpx.post(url, json=body, headers={**auth, **IDE}).status_code == 401


def test_openai_sdk_streams_from_the_chat_side(fake: CopilotFake) -> None:
    token = exchange(fake).json()["token"]
    fake.chat.reply_with("streamed hello")
    fake.chat.shape_streams(split="random", seed=3)
    client = openai.OpenAI(base_url=fake.url, api_key=token, default_headers=IDE, max_retries=0)
    with client:
        stream = client.chat.completions.create(
            model="gpt-4.1", messages=[{"role": "user", "content": "hi"}], stream=True
        )
        text = "".join(c.choices[0].delta.content or "" for c in stream if c.choices)
    assert text == "streamed hello"
    assert fake.chats[-1].bearer() == token

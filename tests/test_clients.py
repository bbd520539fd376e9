"""Auth headers, settings resolution, request bodies and the client options.

Header injection, base-URL rules, hostile path ids and secret redaction are
tested once, in ``tests/reliability/``.
"""

from __future__ import annotations

import attrs
import pytest
from aioresponses import aioresponses
from yarl import URL

from contactflow_automizy import (
    AuthenticationError,
    AutomizyClient,
    ConfigurationError,
    ContactflowClient,
    Session,
    Timeout,
)
from contactflow_automizy._options import ClientOptionArgs, ClientOptions
from tests.conftest import API_KEY, AZ_BASE, CF_BASE, NODE, TOKEN

NODE_URL = f"{CF_BASE}/nodes/{NODE}"
OTHER_NODE = "11111111-2222-4333-8444-555555555555"
CONTACT_URL = f"{AZ_BASE}/contact-manager-service-http/public/api/contact-manager/contact/7"


def _sent_headers(mocked: aioresponses, method: str, url: str, index: int = 0) -> dict[str, str]:
    return dict(mocked.requests[(method, URL(url))][index].kwargs["headers"])


async def test_contactflow_sends_bearer_token(cf: ContactflowClient, mocked: aioresponses) -> None:
    mocked.get(NODE_URL, payload={"uuid": NODE})
    await cf.get_node(NODE)
    headers = _sent_headers(mocked, "GET", NODE_URL)
    assert headers["Authorization"] == f"Bearer {TOKEN}"
    assert headers["Accept"] == "application/json"
    assert "Node" not in headers  # /nodes is not node-scoped


async def test_node_header_default_and_override(
    cf: ContactflowClient, mocked: aioresponses
) -> None:
    automation = "6a1c3f52-5d2e-4a6c-9d1c-2f0e8b7a9c11"
    url = f"{CF_BASE}/automations/{automation}/customers/batch?sourceUuid={NODE}"
    mocked.delete(url)
    mocked.delete(url)
    await cf.delete_customer_batch(automation, NODE)
    await cf.delete_customer_batch(automation, NODE, node=OTHER_NODE)
    assert _sent_headers(mocked, "DELETE", url, 0)["Node"] == NODE
    assert _sent_headers(mocked, "DELETE", url, 1)["Node"] == OTHER_NODE


async def test_node_scoped_call_without_node_fails_before_sending(
    session: Session, mocked: aioresponses
) -> None:
    async with ContactflowClient(TOKEN, base_url=CF_BASE, session=session) as cf:
        automation = "6a1c3f52-5d2e-4a6c-9d1c-2f0e8b7a9c11"
        with pytest.raises(ConfigurationError, match="CONTACTFLOW_NODE"):
            await cf.delete_customer_batch(automation, NODE)
        with pytest.raises(ConfigurationError, match="node must be a UUID"):
            await cf.delete_customer_batch(automation, NODE, node="not-a-uuid")
    assert not mocked.requests


async def test_token_provider_is_called_again_once_after_401(
    session: Session, mocked: aioresponses
) -> None:
    issued: list[str] = []

    async def provider() -> str:
        issued.append(f"tok-{len(issued)}")
        return issued[-1]

    async with ContactflowClient(provider, NODE, CF_BASE, session=session) as cf:
        mocked.get(NODE_URL, status=401, payload={"message": "expired"})
        mocked.get(NODE_URL, payload={"uuid": NODE})
        await cf.get_node(NODE)
        assert issued == ["tok-0", "tok-1"]
        assert _sent_headers(mocked, "GET", NODE_URL, 1)["Authorization"] == "Bearer tok-1"
        mocked.get(NODE_URL, status=401, repeat=True)
        with pytest.raises(AuthenticationError):
            await cf.get_node(NODE)
        assert len(issued) == 3  # one refresh per call, not a loop


async def test_static_token_is_not_retried_on_401(
    cf: ContactflowClient, mocked: aioresponses
) -> None:
    mocked.get(NODE_URL, status=401, repeat=True)
    with pytest.raises(AuthenticationError):
        await cf.get_node(NODE)
    assert len(mocked.requests[("GET", URL(NODE_URL))]) == 1


async def test_automizy_sends_api_key(az: AutomizyClient, mocked: aioresponses) -> None:
    mocked.get(CONTACT_URL, payload={"id": 7, "emailAddress": "a@b.co", "status": "ACTIVE"})
    contact = await az.get_contact(7)
    assert contact.email_address == "a@b.co"
    headers = _sent_headers(mocked, "GET", CONTACT_URL)
    assert headers["Api-key"] == API_KEY
    assert "Authorization" not in headers


def test_env_fallbacks(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CONTACTFLOW_BASE_URL", "https://env.example.test/v2/")
    monkeypatch.setenv("CONTACTFLOW_TOKEN", "env-token")
    monkeypatch.setenv("CONTACTFLOW_NODE", NODE)
    cf = ContactflowClient()
    assert str(cf.base_url) == "https://env.example.test/v2"
    assert cf.node == NODE
    monkeypatch.setenv("AUTOMIZY_API_KEY", "env-key")
    assert str(AutomizyClient().base_url) == "https://api.automizy-gateway-1.com"
    monkeypatch.setenv("AUTOMIZY_BASE_URL", "https://az.env.test")
    assert str(AutomizyClient().base_url) == "https://az.env.test"


@pytest.mark.parametrize(
    ("kwargs", "needle"),
    [
        ({"token": "t"}, "base_url"),
        ({"base_url": "https://h"}, "token"),
        ({"token": "", "base_url": "https://h"}, "CONTACTFLOW_TOKEN"),
    ],
)
def test_missing_settings_name_what_is_missing(
    monkeypatch: pytest.MonkeyPatch, kwargs: dict[str, str], needle: str
) -> None:
    for var in ("CONTACTFLOW_BASE_URL", "CONTACTFLOW_TOKEN", "CONTACTFLOW_NODE"):
        monkeypatch.delenv(var, raising=False)
    with pytest.raises(ConfigurationError, match=needle):
        ContactflowClient(**kwargs)  # type: ignore[arg-type]


def test_missing_api_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AUTOMIZY_API_KEY", raising=False)
    with pytest.raises(ConfigurationError, match="AUTOMIZY_API_KEY"):
        AutomizyClient()


async def test_bodies_accept_models_mappings_or_keywords(
    cf: ContactflowClient, mocked: aioresponses
) -> None:
    from contactflow_automizy.contactflow.models import Node

    url = f"{CF_BASE}/nodes"
    for _ in range(3):
        mocked.post(url, payload={"uuid": NODE, "name": "x"})
    await cf.create_node(Node(name="x", sms_active=True))
    await cf.create_node({"name": "x", "smsActive": True})
    await cf.create_node(name="x", sms_active=True)
    bodies = [c.kwargs["data"] for c in mocked.requests[("POST", URL(url))]]
    assert bodies == [b'{"name":"x","smsActive":true}'] * 3
    with pytest.raises(ConfigurationError):
        await cf.create_node(Node(name="x"), name="y")
    with pytest.raises(ConfigurationError):
        await cf.create_node(not_a_field=1)


def test_both_clients_take_every_client_option() -> None:
    assert set(ClientOptionArgs.__annotations__) == set(attrs.fields_dict(ClientOptions))
    session = Session()
    for client in (
        ContactflowClient(
            TOKEN,
            NODE,
            "http://api.example.com",
            session=session,
            timeout=5,
            max_retries=1,
            allow_insecure_http=True,
            max_response_bytes=10,
        ),
        AutomizyClient(
            API_KEY,
            "http://api.example.com",
            session=session,
            timeout=5,
            max_retries=1,
            allow_insecure_http=True,
            max_response_bytes=10,
        ),
    ):
        assert client.session is session
        assert client._options.timeout == Timeout(total=5.0, read=5.0)
        assert client._options.max_response_bytes == 10
    with pytest.raises(ConfigurationError, match="max_response_bytes"):
        ContactflowClient(TOKEN, NODE, CF_BASE, max_response_bytes=0)

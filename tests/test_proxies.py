"""Proxies against a real tinyproxy: http and https (CONNECT) targets, environment rules.

Test targets are loopback servers, and environment proxies are never applied
to loopback targets (SPEC.md section 11).  So:

* an explicit ``proxy=`` carries requests to the loopback servers, over plain
  http (tinyproxy forwards and adds ``Via``) and https (a CONNECT tunnel, TLS
  verified against the test CA end to end);
* environment proxies are shown to be used for a non-loopback host with
  ``api.invalid``, a name that never resolves (RFC 6761): the request reaches
  tinyproxy (its log has the request line, and its own error page or refused
  CONNECT comes back), and with ``NO_PROXY`` it does not (the SDK's own DNS
  lookup fails instead);
* the finer rules (precedence, NO_PROXY forms, loopback forms) are unit-tested
  on the pure resolver in tests/test_proxy.py.
"""

from __future__ import annotations

import logging
import pickle
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiohttp import web

from contactflow_automizy import (
    APIConnectionError,
    APIStatusError,
    ConfigurationError,
    ContactflowClient,
    Session,
)
from tests.conftest import NODE, TOKEN
from tests.services.http_server import Certificates, serve
from tests.services.redis_server import free_port
from tests.services.tinyproxy import Tinyproxy, start_tinyproxy

PROXY_PASSWORD = "pr0xy-Pa55word-7Qz"
NODE_PATH = f"/nodes/{NODE}"


class Origin:
    """A loopback API server that records the headers of what reached it."""

    def __init__(self) -> None:
        self.seen: list[dict[str, str]] = []
        self.app = web.Application()
        self.app.router.add_get("/nodes/{uuid}", self.get_node)

    async def get_node(self, request: web.Request) -> web.Response:
        self.seen.append(dict(request.headers))
        return web.json_response({"uuid": request.match_info["uuid"], "name": "via"})

    def vias(self) -> list[str | None]:
        return [headers.get("Via") for headers in self.seen]


@pytest.fixture
async def origin() -> AsyncIterator[tuple[Origin, str]]:
    server = Origin()
    async with serve(server.app) as base:
        yield server, base


@pytest.fixture
async def tls_origin(certs: Certificates) -> AsyncIterator[tuple[Origin, str]]:
    server = Origin()
    async with serve(server.app, ssl_context=certs.server_context()) as base:
        yield server, base


async def get_node(session: Session, base: str, **options: Any) -> str:
    client = ContactflowClient(TOKEN, NODE, base, session=session, **options)
    return (await client.get_node(NODE)).name


async def test_explicit_proxy_forwards_plain_http(
    tinyproxy: Tinyproxy, origin: tuple[Origin, str], backend: str
) -> None:
    server, base = origin
    async with Session(transport=backend, proxy=tinyproxy.url) as session:
        assert await get_node(session, base) == "via"
    assert tinyproxy.requests() == [f"GET {base}{NODE_PATH} HTTP/1.1"]
    (via,) = server.vias()
    assert via is not None and "tinyproxy" in via


async def test_explicit_proxy_tunnels_https_with_connect(
    tinyproxy: Tinyproxy, tls_origin: tuple[Origin, str], certs: Certificates, backend: str
) -> None:
    server, base = tls_origin
    async with Session(
        transport=backend, proxy=tinyproxy.url, verify=str(certs.ca_file)
    ) as session:
        assert await get_node(session, base) == "via"
        assert await get_node(session, base) == "via"  # the tunnel is pooled
    host_port = base.removeprefix("https://")
    assert tinyproxy.requests() == [f"CONNECT {host_port} HTTP/1.1"]
    assert server.vias() == [None, None]  # end-to-end TLS: the proxy saw no request


async def test_environment_proxies_skip_loopback_targets(
    tinyproxy: Tinyproxy,
    origin: tuple[Origin, str],
    tls_origin: tuple[Origin, str],
    certs: Certificates,
    monkeypatch: pytest.MonkeyPatch,
    backend: str,
) -> None:
    monkeypatch.setenv("HTTP_PROXY", tinyproxy.url)
    monkeypatch.setenv("HTTPS_PROXY", tinyproxy.url)
    async with Session(transport=backend, verify=str(certs.ca_file)) as session:
        assert await get_node(session, origin[1]) == "via"
        assert await get_node(session, tls_origin[1]) == "via"
    assert tinyproxy.requests() == []
    assert origin[0].vias() == [None]


async def test_environment_http_proxy_carries_a_remote_plain_http_target(
    tinyproxy: Tinyproxy, monkeypatch: pytest.MonkeyPatch, backend: str
) -> None:
    monkeypatch.setenv("http_proxy", tinyproxy.url)
    async with Session(transport=backend, max_retries=0) as session:
        with pytest.raises(APIStatusError) as info:
            await get_node(session, "http://api.invalid", allow_insecure_http=True)
    assert info.value.status == 500  # tinyproxy's own "Unable to connect" page
    assert tinyproxy.requests() == [f"GET http://api.invalid{NODE_PATH} HTTP/1.1"]


async def test_environment_https_proxy_carries_a_remote_https_target(
    tinyproxy: Tinyproxy, monkeypatch: pytest.MonkeyPatch, backend: str
) -> None:
    monkeypatch.setenv("HTTPS_PROXY", tinyproxy.url)
    async with Session(transport=backend, max_retries=0) as session:
        with pytest.raises(APIConnectionError, match="proxy") as info:
            await get_node(session, "https://api.invalid")
    # The proxy refused the tunnel: the API server never saw the request.
    assert info.value.request_sent is False
    assert tinyproxy.requests() == ["CONNECT api.invalid:443 HTTP/1.1"]


async def test_no_proxy_sends_directly(
    tinyproxy: Tinyproxy, monkeypatch: pytest.MonkeyPatch, backend: str
) -> None:
    monkeypatch.setenv("HTTPS_PROXY", tinyproxy.url)
    monkeypatch.setenv("NO_PROXY", "localhost,.invalid")
    async with Session(transport=backend, max_retries=0) as session:
        with pytest.raises(APIConnectionError, match="could not connect") as info:
            await get_node(session, "https://api.invalid")  # our own DNS lookup fails
    assert info.value.request_sent is False
    assert tinyproxy.requests() == []


async def test_trust_env_false_ignores_environment_proxies(
    tinyproxy: Tinyproxy, monkeypatch: pytest.MonkeyPatch, backend: str
) -> None:
    monkeypatch.setenv("HTTPS_PROXY", tinyproxy.url)
    async with Session(transport=backend, max_retries=0, trust_env=False) as session:
        with pytest.raises(APIConnectionError, match="could not connect"):
            await get_node(session, "https://api.invalid")
    assert tinyproxy.requests() == []


async def test_explicit_proxy_beats_the_environment_and_no_proxy(
    tinyproxy: Tinyproxy, origin: tuple[Origin, str], monkeypatch: pytest.MonkeyPatch, backend: str
) -> None:
    dead = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    monkeypatch.setenv("HTTP_PROXY", dead)
    monkeypatch.setenv("HTTPS_PROXY", dead)
    monkeypatch.setenv("NO_PROXY", "*")
    server, base = origin
    async with Session(transport=backend, proxy=tinyproxy.url) as session:
        assert await get_node(session, base) == "via"
    assert tinyproxy.requests() == [f"GET {base}{NODE_PATH} HTTP/1.1"]
    assert server.vias()[0] is not None


def _leaks(text: str) -> bool:
    return PROXY_PASSWORD in text


async def test_proxy_credentials_work_and_never_show(
    origin: tuple[Origin, str],
    tls_origin: tuple[Origin, str],
    certs: Certificates,
    caplog: pytest.LogCaptureFixture,
    backend: str,
) -> None:
    caplog.set_level(logging.DEBUG)
    events: list[object] = []
    hooks = {"request": [events.append], "response": [events.append], "retry": [events.append]}
    with start_tinyproxy(credentials=("sdk", PROXY_PASSWORD)) as proxy:
        port = proxy.port
        good = f"http://sdk:{PROXY_PASSWORD}@127.0.0.1:{port}"
        bad = f"http://sdk:{PROXY_PASSWORD}-wrong@127.0.0.1:{port}"
        async with Session(
            transport=backend, proxy=good, verify=str(certs.ca_file), event_hooks=hooks
        ) as session:
            assert await get_node(session, origin[1]) == "via"
            assert await get_node(session, tls_origin[1]) == "via"
            texts = [repr(session), str(session), repr(vars(session))]
        errors: list[BaseException] = []
        async with Session(
            transport=backend, proxy=bad, verify=str(certs.ca_file), max_retries=1
        ) as session:
            for base in (origin[1], tls_origin[1]):
                with pytest.raises((APIConnectionError, APIStatusError)) as info:
                    await get_node(session, base)
                errors.append(info.value)
        # Two good calls; with bad credentials the http one gets the proxy's refusal as its
        # answer (not retried), the refused CONNECT is retried once (the API never saw it).
        assert len(proxy.requests()) == 2 + 1 + 2
    http_error, https_error = errors
    # tinyproxy refuses wrong credentials on a forwarded request with 401, missing ones with 407.
    assert isinstance(http_error, APIStatusError) and http_error.status in (401, 407)
    assert isinstance(https_error, APIConnectionError) and not https_error.request_sent
    for error in errors:
        texts += [
            str(error),
            repr(error),
            repr(vars(error)),
            repr(pickle.loads(pickle.dumps(error))),
        ]
    texts += [caplog.text, repr(events)]
    assert not any(_leaks(text) for text in texts)
    # The origin never sees the proxy's credentials.
    for server, _ in (origin, tls_origin):
        assert all("Proxy-Authorization" not in headers for headers in server.seen)


def test_a_bad_proxy_setting_is_refused_without_repeating_it(backend: str) -> None:
    with pytest.raises(ConfigurationError) as info:
        Session(transport=backend, proxy=f"socks5://u:{PROXY_PASSWORD}@127.0.0.1:1080")
    assert not _leaks(str(info.value))

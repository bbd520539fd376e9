"""Transport security: no plain http to remote hosts, TLS verified, buffered bodies bounded.

The HTTPS tests run a local aiohttp server with certificates issued for the
test by a throw-away CA (trustme), on each transport.
"""

from __future__ import annotations

import contextlib
import gzip
import ssl
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import orjson
import pytest
from aiohttp import web

from contactflow_automizy import (
    APIConnectionError,
    AutomizyClient,
    ConfigurationError,
    ContactflowClient,
    InternalServerError,
    Session,
)
from contactflow_automizy._pyreqwest import PyreqwestTransport
from contactflow_automizy._session import MAX_ERROR_BODY
from contactflow_automizy._transport import AiohttpTransport, Transport
from tests.reliability.conftest import count
from tests.services.http_server import Certificates
from tests.services.http_server import serve as serve_app

# -- plain http ------------------------------------------------------------------

REFUSED = [
    "http://example.com",
    "HTTP://EXAMPLE.COM/api",
    "http://10.0.0.1",
    "http://192.168.1.10:8080",
    "http://0.0.0.0",
    "http://localhost.evil.example",
    "http://127.0.0.1.nip.io",
    "http://[2001:db8::1]",
    "http://169.254.169.254",
]
LOOPBACK = ["http://localhost:8080", "http://127.0.0.1", "http://127.9.9.9:1", "http://[::1]:80"]
NOT_URLS = [
    "ftp://example.com",
    "file:///etc/passwd",
    "//example.com",
    "example.com",
    "",
    "https://",
    "/relative",
    "https://h.example/x?q=1",
    "https://h.example/x#fragment",
]


@pytest.mark.parametrize("url", REFUSED)
def test_plain_http_to_remote_hosts_is_refused(url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ConfigurationError, match="allow_insecure_http"):
        ContactflowClient("t", None, url)
    with pytest.raises(ConfigurationError, match="allow_insecure_http"):
        AutomizyClient("k", url)
    monkeypatch.setenv("CONTACTFLOW_BASE_URL", url)
    with pytest.raises(ConfigurationError):
        ContactflowClient("t")
    assert ContactflowClient("t", None, url, allow_insecure_http=True).base_url.scheme == "http"
    assert AutomizyClient("k", url, allow_insecure_http=True).base_url.scheme == "http"
    count("abuse", "insecure_urls", 1)


@pytest.mark.parametrize("url", LOOPBACK)
def test_plain_http_to_loopback_is_allowed(url: str) -> None:
    assert ContactflowClient("t", None, url).base_url.scheme == "http"


@pytest.mark.parametrize("url", NOT_URLS)
def test_non_http_urls_are_refused(url: str) -> None:
    with pytest.raises(ConfigurationError):
        ContactflowClient("t", None, url or "x")
    with pytest.raises(ConfigurationError):
        AutomizyClient("k", url or "x", allow_insecure_http=True)


# -- TLS -------------------------------------------------------------------------


def _user_app() -> web.Application:
    async def user(request: web.Request) -> web.Response:
        return web.json_response({"base": {"user": "me"}})

    app = web.Application()
    app.router.add_get("/user", user)
    return app


@pytest.fixture
async def https(certs: Certificates) -> AsyncIterator[tuple[str, str, Path]]:
    """``(url of a cert for 127.0.0.1, url of a cert for another name, CA file)``.

    Both certificates are issued by one test CA (trustme): rustls, under the
    pyreqwest transport, rightly refuses a self-signed CA certificate used as
    the server's own.
    """
    other = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    certs.ca.issue_cert("other.example").configure_cert(other)
    async with (
        serve_app(_user_app(), ssl_context=certs.server_context()) as url,
        serve_app(_user_app(), ssl_context=other) as other_url,
    ):
        yield url, other_url, certs.ca_file


async def test_tls_is_verified_by_default(https: tuple[str, str, Path], backend: str) -> None:
    url, _, _ = https
    async with Session(transport=backend, max_retries=0) as session:
        with pytest.raises(APIConnectionError, match="certificate") as info:
            await ContactflowClient("t", None, url, session=session).get_current_user()
        assert not info.value.request_sent  # refused before anything was sent
    async with ContactflowClient("t", None, url) as client:  # a client's own session too
        with pytest.raises(APIConnectionError, match="certificate"):
            await client.with_options(max_retries=0).get_current_user()
    count("abuse", "tls_cases", 2)


async def test_verify_ssl_false_accepts_and_a_ca_bundle_verifies(
    https: tuple[str, str, Path],
    backend: str,
) -> None:
    url, other, bundle = https
    async with Session(transport=backend, verify_ssl=False) as session:
        assert (await ContactflowClient("t", None, url, session=session).get_current_user()).base
    trusting_bundle: Transport = (
        AiohttpTransport(ssl_context=ssl.create_default_context(cafile=str(bundle)))
        if backend == "aiohttp"
        else PyreqwestTransport(verify=bundle)
    )
    async with Session(transport=trusting_bundle) as session:
        assert (await ContactflowClient("t", None, url, session=session).get_current_user()).base
        # Trusted issuer, wrong name: still refused.
        with pytest.raises(APIConnectionError):
            await (
                ContactflowClient("t", None, other, session=session)
                .with_options(max_retries=0)
                .get_current_user()
            )
    count("abuse", "tls_cases", 3)


# -- bounded bodies ----------------------------------------------------------------

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@pytest.fixture
async def serve() -> AsyncIterator[Callable[[Handler], Awaitable[str]]]:
    """Serves one handler on every path per call, until the test ends: its URL."""
    async with contextlib.AsyncExitStack() as stack:

        async def start(handler: Handler) -> str:
            app = web.Application()
            app.router.add_route("*", "/{tail:.*}", handler)
            return await stack.enter_async_context(serve_app(app))

        yield start


BIG = 5 << 20


async def _chunked(request: web.Request, status: int, size: int) -> web.StreamResponse:
    response = web.StreamResponse(status=status, headers={"Content-Type": "application/json"})
    response.enable_chunked_encoding()
    await response.prepare(request)
    piece = b" " * 65536
    try:
        for _ in range(size // len(piece)):
            await response.write(piece)
        await response.write(b"{}")
    except ConnectionResetError:
        pass
    return response


@pytest.mark.parametrize("framing", ["length", "chunked"])
async def test_json_answers_past_max_response_bytes_are_refused(
    framing: str, serve: Any, backend: str
) -> None:
    async def handler(request: web.Request) -> web.StreamResponse:
        if framing == "length":
            return web.Response(body=b" " * BIG + b"{}", content_type="application/json")
        return await _chunked(request, 200, BIG)

    url = await serve(handler)
    async with Session(transport=backend, max_retries=0) as session:
        client = ContactflowClient("t", None, url, session=session, max_response_bytes=1 << 20)
        with pytest.raises(APIConnectionError, match="larger than"):
            await client.get_current_user()
        roomy = ContactflowClient("t", None, url, session=session, max_response_bytes=BIG + 10)
        assert await roomy.get_current_user() is not None
    count("abuse", "oversized_bodies", 1)


@pytest.mark.parametrize("framing", ["length", "chunked"])
async def test_error_bodies_are_capped_at_1_mib(framing: str, serve: Any, backend: str) -> None:
    async def handler(request: web.Request) -> web.StreamResponse:
        if framing == "length":
            return web.Response(status=500, body=b"e" * (8 << 20))
        return await _chunked(request, 500, 8 << 20)

    url = await serve(handler)
    async with Session(transport=backend, max_retries=0) as session:
        with pytest.raises(InternalServerError) as info:
            await ContactflowClient("t", None, url, session=session).get_current_user()
    assert len(info.value.body) <= MAX_ERROR_BODY
    assert len(str(info.value)) < 2000
    count("abuse", "oversized_bodies", 1)


@pytest.mark.parametrize("status", [200, 500])
async def test_a_gzip_bomb_is_bounded_like_any_body(status: int, serve: Any, backend: str) -> None:
    bomb = gzip.compress(b" " * (64 << 20) + b"{}", compresslevel=9)
    assert len(bomb) < 100_000

    async def handler(request: web.Request) -> web.StreamResponse:
        return web.Response(
            status=status,
            body=bomb,
            headers={"Content-Encoding": "gzip", "Content-Type": "application/json"},
        )

    url = await serve(handler)
    async with Session(transport=backend, max_retries=0) as session:
        client = ContactflowClient("t", None, url, session=session, max_response_bytes=1 << 20)
        if status == 200:
            with pytest.raises(APIConnectionError, match="larger than"):
                await client.get_current_user()
        else:
            with pytest.raises(InternalServerError) as info:
                await client.get_current_user()
            assert len(info.value.body) <= MAX_ERROR_BODY


async def test_a_small_gzip_answer_still_works(serve: Any, backend: str) -> None:
    async def handler(request: web.Request) -> web.StreamResponse:
        body = gzip.compress(orjson.dumps({"base": {"a": 1}}))
        return web.Response(
            body=body, headers={"Content-Encoding": "gzip", "Content-Type": "application/json"}
        )

    url = await serve(handler)
    async with Session(transport=backend, max_retries=0) as session:
        user = await ContactflowClient("t", None, url, session=session).get_current_user()
    assert user.base == {"a": 1}

"""TLS settings: verify / verify_ssl / cert checked once, made into one context."""

from __future__ import annotations

import ssl
from pathlib import Path

import pytest
from aiohttp import web
from cryptography.hazmat.primitives import serialization

from contactflow_automizy import APIConnectionError, ConfigurationError, ContactflowClient, Session
from contactflow_automizy._tls import TlsConfig
from tests.backends import require
from tests.services.http_server import Certificates, serve


@pytest.fixture
def ca_file(certs: Certificates) -> Path:
    return certs.ca_file


@pytest.fixture
def client_pem(certs: Certificates) -> tuple[Path, Path]:
    return certs.client_cert


def test_defaults_leave_aiohttp_its_own_contexts() -> None:
    assert TlsConfig.from_options().ssl_context() is True
    assert TlsConfig.from_options(verify=False).ssl_context() is False


def test_verify_ssl_is_an_alias_and_a_conflict_is_refused(ca_file: Path) -> None:
    assert TlsConfig.from_options(verify_ssl=False).ssl_context() is False
    assert TlsConfig.from_options(verify=False, verify_ssl=False).verify is False
    for verify in (True, ca_file):
        with pytest.raises(ConfigurationError, match="verify_ssl"):
            TlsConfig.from_options(verify=verify, verify_ssl=False)


def test_a_ca_path_trusts_only_that_bundle(ca_file: Path) -> None:
    context = TlsConfig.from_options(verify=str(ca_file)).ssl_context()
    assert isinstance(context, ssl.SSLContext)
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname
    (only,) = context.get_ca_certs()  # not the system roots as well
    assert "trustme" in str(only["subject"])


def test_an_ssl_context_is_used_as_it_is() -> None:
    context = ssl.create_default_context()
    assert TlsConfig.from_options(verify=context).ssl_context() is context


def test_a_client_certificate_makes_a_context(client_pem: tuple[Path, Path]) -> None:
    for verify in (True, False):
        context = TlsConfig.from_options(verify=verify, cert=client_pem).ssl_context()
        assert isinstance(context, ssl.SSLContext)
        assert context.check_hostname is verify


def test_one_file_holding_certificate_and_key(
    client_pem: tuple[Path, Path], tmp_path: Path
) -> None:
    both = tmp_path / "both.pem"
    both.write_bytes(client_pem[0].read_bytes() + client_pem[1].read_bytes())
    assert isinstance(TlsConfig.from_options(cert=str(both)).ssl_context(), ssl.SSLContext)


@pytest.mark.parametrize(
    "options",
    [
        {"verify": "/nonexistent/ca.pem"},
        {"cert": "/nonexistent/client.pem"},
        {"cert": ("/nonexistent/client.pem", "/nonexistent/client.key")},
        {"cert": ("a", "b", "c")},
        {"verify": 1},
        {"verify_ssl": "yes"},
    ],
)
def test_bad_settings_are_refused_before_any_request(options: dict[str, object]) -> None:
    with pytest.raises(ConfigurationError):
        TlsConfig.from_options(**options)  # type: ignore[arg-type]


def test_cert_with_an_ssl_context_is_refused(client_pem: tuple[Path, Path]) -> None:
    with pytest.raises(ConfigurationError, match="load_cert_chain"):
        TlsConfig.from_options(verify=ssl.create_default_context(), cert=client_pem)


def test_a_file_that_is_no_ca_bundle_is_a_configuration_error(tmp_path: Path) -> None:
    junk = tmp_path / "junk.pem"
    junk.write_text("not a certificate")
    with pytest.raises(ConfigurationError, match="CA bundle"):
        TlsConfig.from_options(verify=junk).ssl_context()


def test_an_encrypted_key_is_refused_not_prompted_for(
    client_pem: tuple[Path, Path], tmp_path: Path
) -> None:
    key = serialization.load_pem_private_key(client_pem[1].read_bytes(), password=None)
    encrypted = tmp_path / "encrypted.key"
    encrypted.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(b"passphrase"),
        )
    )
    config = TlsConfig.from_options(cert=(client_pem[0], encrypted))
    with pytest.raises(ConfigurationError, match="encrypted"):
        config.ssl_context()


# -- real handshakes against a loopback server (certificates from trustme) ----------


def _user_app() -> web.Application:
    async def user(request: web.Request) -> web.Response:
        return web.json_response({"base": {"user": "me"}})

    app = web.Application()
    app.router.add_get("/user", user)
    return app


async def _current_user(session: Session, base: str) -> object:
    client = ContactflowClient("t", None, base, session=session, max_retries=0)
    return (await client.get_current_user()).base


async def test_a_server_signed_by_an_unknown_ca_is_refused(
    certs: Certificates, backend: str
) -> None:
    async with (
        serve(_user_app(), ssl_context=certs.server_context()) as base,
        Session(transport=backend) as session,
    ):
        with pytest.raises(APIConnectionError, match="certificate") as info:
            await _current_user(session, base)
    assert info.value.request_sent is False


async def test_a_ca_path_makes_it_trusted(certs: Certificates, backend: str) -> None:
    async with serve(_user_app(), ssl_context=certs.server_context()) as base:
        for verify in (str(certs.ca_file), certs.ca_file):
            async with Session(transport=backend, verify=verify) as session:
                assert await _current_user(session, base) == {"user": "me"}
        async with Session(transport=backend, verify=False) as session:  # no verification
            assert await _current_user(session, base) == {"user": "me"}


async def test_an_ssl_context_makes_it_trusted(certs: Certificates, backend: str) -> None:
    require(backend, "ssl_context")
    context = ssl.create_default_context(cafile=str(certs.ca_file))
    async with (
        serve(_user_app(), ssl_context=certs.server_context()) as base,
        Session(transport=backend, verify=context) as session,
    ):
        assert await _current_user(session, base) == {"user": "me"}


async def test_mutual_tls_needs_the_client_certificate(certs: Certificates, backend: str) -> None:
    server_context = certs.server_context(require_client_cert=True)
    async with serve(_user_app(), ssl_context=server_context) as base:
        async with Session(transport=backend, verify=certs.ca_file) as session:
            with pytest.raises(APIConnectionError):
                await _current_user(session, base)
        async with Session(
            transport=backend, verify=certs.ca_file, cert=certs.client_cert
        ) as session:
            assert await _current_user(session, base) == {"user": "me"}

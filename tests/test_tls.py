"""TLS settings: verify / verify_ssl / cert checked once, made into one context."""

from __future__ import annotations

import ssl
from pathlib import Path

import pytest
import trustme
from cryptography.hazmat.primitives import serialization

from contactflow_automizy import ConfigurationError
from contactflow_automizy._tls import TlsConfig


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def ca_file(ca: trustme.CA, tmp_path: Path) -> Path:
    path = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(path))
    return path


@pytest.fixture
def client_pem(ca: trustme.CA, tmp_path: Path) -> tuple[Path, Path]:
    leaf = ca.issue_cert("client@example.test")
    cert, key = tmp_path / "client.pem", tmp_path / "client.key"
    leaf.cert_chain_pems[0].write_to_path(str(cert))
    leaf.private_key_pem.write_to_path(str(key))
    return cert, key


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
    ca: trustme.CA, client_pem: tuple[Path, Path], tmp_path: Path
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

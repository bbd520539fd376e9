"""TLS settings: ``verify=`` and ``cert=`` checked once and made into what a backend needs.

``verify`` is ``True`` (the system roots), ``False`` (no verification: tests
only), a path to a CA bundle file or directory, or a ready ``ssl.SSLContext``;
``verify_ssl`` is the older boolean spelling, kept as an alias.  ``cert`` is a
client certificate for mutual TLS: one PEM file holding certificate and key, or
``(certificate, key)``.

Decisions: a CA path means "trust only this bundle" (not "add it to the system
roots"), as curl and httpx do.  Files are read when the session is built, so a
wrong path is a :class:`ConfigurationError` before any request, and the context
is built once, not per connection.  A ``cert`` together with an ``SSLContext``
is refused: loading it would change the caller's context behind their back.  An
encrypted private key is refused instead of letting OpenSSL prompt on the
terminal.
"""

from __future__ import annotations

import os
import ssl
from pathlib import Path

import attrs

from contactflow_automizy.errors import ConfigurationError

__all__ = ["CertTypes", "TlsConfig", "VerifyTypes"]

VerifyTypes = bool | str | os.PathLike[str] | ssl.SSLContext
CertTypes = str | os.PathLike[str] | tuple[str | os.PathLike[str], str | os.PathLike[str]]


def _existing(path: str | os.PathLike[str], what: str) -> Path:
    resolved = Path(path).expanduser()
    if not resolved.exists():
        raise ConfigurationError(f"{what}: no such file or directory: {resolved}")
    return resolved


def _refuse_password() -> str:
    raise ConfigurationError(
        "the client key passed as cert= is encrypted: pass an unencrypted key, "
        "or an ssl.SSLContext as verify= with the certificate loaded"
    )


@attrs.frozen
class TlsConfig:
    """Checked TLS settings; :meth:`ssl_context` makes the context (call it once)."""

    verify: bool | Path | ssl.SSLContext = True
    cert: tuple[Path, Path | None] | None = None

    @classmethod
    def from_options(
        cls,
        verify: VerifyTypes | None = None,
        verify_ssl: bool | None = None,
        cert: CertTypes | None = None,
    ) -> TlsConfig:
        """Check ``verify`` / ``verify_ssl`` / ``cert`` as ``Session`` takes them."""
        if verify_ssl is not None:
            if not isinstance(verify_ssl, bool):
                raise ConfigurationError("verify_ssl must be True or False")
            if verify is not None and verify is not verify_ssl:
                raise ConfigurationError("pass verify= or its alias verify_ssl=, not both")
            verify = verify_ssl
        checked: bool | Path | ssl.SSLContext
        if verify is None:
            checked = True
        elif isinstance(verify, bool | ssl.SSLContext):
            checked = verify
        elif isinstance(verify, str | os.PathLike):
            checked = _existing(verify, "verify=")
        else:
            raise ConfigurationError(
                "verify must be True, False, a CA bundle path or an ssl.SSLContext, "
                f"not {type(verify).__name__}"
            )
        return cls(checked, cls._check_cert(cert, checked))

    @staticmethod
    def _check_cert(
        cert: CertTypes | None, verify: bool | Path | ssl.SSLContext
    ) -> tuple[Path, Path | None] | None:
        if cert is None:
            return None
        if isinstance(verify, ssl.SSLContext):
            raise ConfigurationError(
                "cert= cannot be combined with an SSLContext: load the client certificate "
                "into the context (context.load_cert_chain)"
            )
        if isinstance(cert, str | os.PathLike):
            return _existing(cert, "cert="), None
        if isinstance(cert, tuple) and len(cert) == 2:
            return _existing(cert[0], "cert="), _existing(cert[1], "cert= key")
        raise ConfigurationError("cert must be a PEM path or a (certificate, key) pair of paths")

    def ssl_context(self) -> ssl.SSLContext | bool:
        """What aiohttp's ``ssl=`` takes.

        ``True``/``False`` without a client certificate, so aiohttp keeps using
        its own cached default contexts; otherwise a context built here.
        """
        verify = self.verify
        if isinstance(verify, ssl.SSLContext):
            return verify
        if self.cert is None and isinstance(verify, bool):
            return verify
        try:
            if isinstance(verify, Path):
                context = ssl.create_default_context(
                    cafile=str(verify) if verify.is_file() else None,
                    capath=str(verify) if verify.is_dir() else None,
                )
            else:
                context = ssl.create_default_context()
                if not verify:
                    context.check_hostname = False
                    context.verify_mode = ssl.CERT_NONE
        except (OSError, ssl.SSLError) as exc:
            raise ConfigurationError(f"verify=: cannot load the CA bundle: {exc}") from None
        if self.cert is not None:
            certfile, keyfile = self.cert
            try:
                context.load_cert_chain(certfile, keyfile, password=_refuse_password)
            except (OSError, ssl.SSLError) as exc:
                raise ConfigurationError(
                    f"cert=: cannot load the client certificate: {exc}"
                ) from None
        return context

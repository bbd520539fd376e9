"""Helpers for the Automizy tests: URLs, recorded calls, and an independent multipart parser."""

from __future__ import annotations

from email import policy
from email.parser import BytesParser
from typing import Any

import attrs
import orjson
from aioresponses import aioresponses
from yarl import URL

from tests.conftest import API_KEY, AZ_BASE

CONTACT_MANAGER_URL = AZ_BASE + "/contact-manager-service-http/public/api/contact-manager"
IMPORT_SERVICE_URL = AZ_BASE + "/import-service-http/public/api/import-service"


@attrs.frozen
class Call:
    method: str
    url: URL
    kwargs: dict[str, Any]

    @property
    def headers(self) -> dict[str, str]:
        return dict(self.kwargs.get("headers") or {})

    @property
    def json(self) -> Any:
        data = self.kwargs.get("data")
        return None if data is None else orjson.loads(data)


def calls(mocked: aioresponses) -> list[Call]:
    """Every recorded request, grouped by (method, URL) in first-seen order.

    aioresponses joins a streamed body into bytes before recording it.
    """
    return [
        Call(method, url, dict(call.kwargs))
        for (method, url), recorded in mocked.requests.items()
        for call in recorded
    ]


def only_call(mocked: aioresponses) -> Call:
    recorded = calls(mocked)
    assert len(recorded) == 1, recorded
    call = recorded[0]
    assert call.headers["Api-key"] == API_KEY
    return call


@attrs.frozen
class FormPart:
    name: str | None
    filename: str | None
    content_type: str
    content: bytes


def parse_form(content_type: str, body: bytes) -> list[FormPart]:
    """Parse multipart/form-data with the stdlib e-mail parser (not the code under test)."""
    message = BytesParser(policy=policy.HTTP).parsebytes(
        b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + body
    )
    assert message.is_multipart()
    return [
        FormPart(
            part.get_param("name", header="content-disposition"),
            part.get_filename(),
            part.get_content_type(),
            part.get_payload(decode=True),
        )
        for part in message.iter_parts()
    ]

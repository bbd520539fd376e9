"""Injection: header values, path ids and upload filenames cannot smuggle anything.

* CR/LF and every other control character (C0, DEL, C1 including NEL, and
  U+2028/U+2029) are refused in the token, a token provider's answer, the API
  key and the ``Node`` value, before any request is sent.
* Path ids are validated by kind and percent-encoded as one segment; at the
  emulator, no such id ever reaches another route (checked on the SDK's side,
  with raw requests, and by fuzzing the router with any text).
* An upload filename cannot add or split multipart headers.

Fixed here (now ``_validate.py``): C1 controls and U+2028/U+2029 were accepted in
header values.
"""

from __future__ import annotations

import asyncio
import re
from email import policy
from email.parser import BytesParser
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from contactflow_automizy import (
    AutomizyClient,
    ConfigurationError,
    ContactflowClient,
    Session,
)
from contactflow_automizy._multipart import file_upload
from contactflow_automizy._routes import Route, path_segment
from contactflow_automizy._validate import header_value
from contactflow_automizy.emulator import Emulator
from contactflow_automizy.emulator.router import Router
from tests.reliability.conftest import FUZZ, count

CONTROL = [chr(c) for c in [*range(0x20), 0x7F, *range(0x80, 0xA0), 0x2028, 0x2029]]


@FUZZ
@given(
    head=st.text(max_size=10),
    bad=st.sampled_from(CONTROL),
    tail=st.text(max_size=10),
    where=st.sampled_from(["token", "api_key", "node", "check"]),
)
def test_control_characters_are_refused_in_header_values(
    head: str, bad: str, tail: str, where: str
) -> None:
    value = head + bad + tail
    with pytest.raises(ConfigurationError) as info:
        if where == "token":
            ContactflowClient(value, None, "https://h.example")
        elif where == "api_key":
            AutomizyClient(value, "https://h.example")
        elif where == "node":
            ContactflowClient("t", value, "https://h.example")
        else:
            header_value("X", value)
    assert value not in str(info.value) or where == "node"
    count("abuse", "header_injection_values", 1)


@FUZZ
@given(value=st.text(alphabet=st.characters(blacklist_characters=CONTROL), max_size=30))
def test_other_text_is_accepted(value: str) -> None:
    assert header_value("X", value) == value


async def test_every_header_value_is_checked_before_sending(backend: str) -> None:
    async with Emulator() as emu, Session(transport=backend, max_retries=0) as session:
        evil = "\r\nX-Injected: 1"

        async def provider() -> str:
            return emu.token + evil

        cf = ContactflowClient(provider, emu.node_uuid, emu.contactflow_url, session=session)
        with pytest.raises(ConfigurationError):
            await cf.get_current_user()
        good = ContactflowClient(emu.token, emu.node_uuid, emu.contactflow_url, session=session)
        for node in [emu.node_uuid + evil, "\n" + emu.node_uuid, emu.node_uuid + "\x00"]:
            with pytest.raises(ConfigurationError):
                await good.get_actions(node=node)
            with pytest.raises(ConfigurationError):
                await good.push_customers(emu.node_uuid, [{"userPk": "x"}], node=node)
        assert not emu.state.requests, "a request went out"


# -- path ids ----------------------------------------------------------------------

EVIL_IDS: list[Any] = [
    "../nodes",
    "..",
    ".",
    "%2e%2e",
    "%2E%2E%2Fuser",
    "a/b",
    "x?page=1",
    "x#frag",
    "",
    " ",
    "\r\n",
    "0b7b1e7e-9a11-4b6a-9a3e-6e1f3c1d2a10/../../user",
    "0b7b1e7e-9a11-4b6a-9a3e-6e1f3c1d2a10?x=1",
    "0b7b1e7e-9a11-4b6a-9a3e-6e1f3c1d2a10%2F..",
    " 0b7b1e7e-9a11-4b6a-9a3e-6e1f3c1d2a10",
    "\uff10b7b1e7e-9a11-4b6a-9a3e-6e1f3c1d2a10",  # a fullwidth digit zero
    -1,
    0,
    True,
    1.5,
    None,
    "1",
    "1/../2",
    "\uff11",  # a fullwidth digit one
]


@pytest.mark.parametrize("bad", EVIL_IDS, ids=repr)
async def test_hostile_ids_are_refused_before_sending(
    bad: Any, emu: Emulator, backend: str
) -> None:
    async with Session(transport=backend, max_retries=0) as session:
        cf = ContactflowClient(emu.token, emu.node_uuid, emu.contactflow_url, session=session)
        az = AutomizyClient(emu.api_key, emu.automizy_url, session=session)
        calls = [
            lambda: cf.get_node(bad),
            lambda: cf.get_automation(bad),
            lambda: cf.delete_customer(emu.node_uuid, bad),
            lambda: cf.get_token(bad),
            lambda: az.get_contact(bad),
            lambda: az.delete_list(bad),
            lambda: az.update_contact_tags(bad, ["t"]),
            lambda: az.process_import(bad, [1], []),
        ]
        for call in calls:
            with pytest.raises(ConfigurationError):
                await call()
    assert not emu.state.requests
    count("abuse", "hostile_ids", len(calls))


@FUZZ
@given(value=st.text(min_size=1, max_size=30))
def test_any_text_is_one_segment_at_the_router(value: str) -> None:
    """The ``str`` kind: whatever the text, it reaches its own route, whole."""
    table = {
        Route("GET", "/things/{name}"): "one",
        Route("GET", "/things/{name}/secret"): "secret",
        Route("GET", "/things/admin"): "admin",
        Route("GET", "/other"): "other",
    }
    router = Router(table)
    route = Route("GET", "/things/{name}")
    try:
        path = route.path(name=value)
    except ConfigurationError:
        assert not value.strip() or value in (".", "..") or any(c in CONTROL for c in value)
        return
    assert not re.search(r"[/?#]", path[len("/things/") :])
    match = router.match("GET", path)
    assert match is not None and match.handler == "one"
    assert match.params() == {"name": value}
    count("fuzz", "path_segments", 1)


@FUZZ
@given(value=st.one_of(st.text(max_size=40), st.integers(), st.uuids(), st.booleans()))
def test_typed_segments_accept_only_their_kind(value: Any) -> None:
    for kind in ("uuid", "id", "int"):
        try:
            segment = path_segment("p", kind, value)
        except ConfigurationError:
            continue
        assert re.fullmatch(r"[0-9a-f-]+", segment), (kind, value, segment)


RAW_PATHS = [
    "/contactflow/nodes/..%2Fuser",
    "/contactflow/nodes/%2e%2e",
    "/contactflow/nodes/%2E%2E/user",
    "/contactflow/automations/x%2Fcustomers%2Fbatch",
    "/contactflow/automations/%2e%2e%2f%2e%2e%2fuser",
    "/contactflow/nodes/../user",
    "/contactflow/nodes/./../user",
    "/contactflow/nodes/%252e%252e",
    "/contact-manager-service-http/public/api/contact-manager/contact/1%2F..%2F..%2Flist",
    "/contact-manager-service-http/public/api/contact-manager/contact/..%2Flist",
    "/contact-manager-service-http/public/api/contact-manager/contact/1%3Fx",
    "/contact-manager-service-http/public/api/contact-manager/contact/%31",
]


@pytest.mark.parametrize("raw", RAW_PATHS)
async def test_raw_paths_never_reach_another_route(raw: str, emu: Emulator) -> None:
    """Sent byte for byte on a socket: no dot-segment or encoded slash reaches a handler
    other than the one whose literal segments match."""
    headers = (
        f"Authorization: Bearer {emu.token}\r\nNode: {emu.node_uuid}\r\nApi-key: {emu.api_key}\r\n"
    )
    reader, writer = await asyncio.open_connection("127.0.0.1", emu.port)
    writer.write(f"GET {raw} HTTP/1.1\r\nHost: x\r\n{headers}Connection: close\r\n\r\n".encode())
    await writer.drain()
    async with asyncio.timeout(5):
        answer = await reader.read()
    writer.close()
    await writer.wait_closed()
    status = int(answer.split(b" ", 2)[1])
    reached = {route.template for route in emu.state.requests}
    if "/../" in raw or "/./" in raw:
        # The server may normalise literal dot-segments (as any HTTP server does); that is
        # not the SDK's doing, and it never sends them.  Only the resolved route may run.
        assert reached <= {"/user"}
    else:
        assert status in (400, 404, 405, 422), (raw, answer[:200])
        assert reached <= {"/nodes/{nodeUuid:uuid}", "/automations/{automationUuid:uuid}"} | {
            r for r in reached if r.endswith("/contact/{id:id}")
        }
    count("abuse", "raw_paths", 1)


# -- multipart filenames -------------------------------------------------------------


@FUZZ
@given(filename=st.text(max_size=40))
def test_an_upload_filename_cannot_add_headers(
    filename: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    path: Path = tmp_path_factory.mktemp("up") / "f.csv"
    path.write_bytes(b"email\na@b.co\n")
    upload = file_upload(path, filename=filename or "x.csv")

    async def body() -> bytes:
        return b"".join([chunk async for chunk in upload.factory()])

    data = asyncio.run(body())
    message = BytesParser(policy=policy.HTTP).parsebytes(
        b"Content-Type: " + upload.content_type.encode() + b"\r\n\r\n" + data
    )
    (part,) = list(message.iter_parts())
    assert sorted(k.lower() for k in part) == ["content-disposition", "content-type"]
    assert part.get_param("name", header="content-disposition") == "file"
    assert part.get_payload(decode=True) == b"email\na@b.co\n"
    head = data.split(b"\r\n\r\n", 1)[0]
    assert head.count(b"\r\n") == 2 and b"\n" not in head.replace(b"\r\n", b"")
    count("fuzz", "multipart_filenames", 1)

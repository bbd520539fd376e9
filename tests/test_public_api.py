"""The public surface: names in __all__ exist, and a custom Transport plugs in."""

from __future__ import annotations

import orjson

import contactflow_automizy
from contactflow_automizy import (
    AutomizyClient,
    ContactflowClient,
    Request,
    Response,
    Session,
    Timeout,
    Transport,
)
from contactflow_automizy import errors as errors_module
from tests.conftest import API_KEY, NODE, TOKEN


def test_all_names_exist_and_errors_are_reexported() -> None:
    for name in contactflow_automizy.__all__:
        assert hasattr(contactflow_automizy, name), name
    for name in errors_module.__all__:
        if name[0].isupper():
            assert getattr(contactflow_automizy, name) is getattr(errors_module, name)


class RecordingTransport:
    """A dozen lines make a backend: proof the protocol is small."""

    def __init__(self) -> None:
        self.sent: list[Request] = []
        self.closed = False

    async def send(self, request: Request, timeout: Timeout) -> Response:
        self.sent.append(request)
        body = orjson.dumps({"uuid": NODE, "name": "from-transport"})
        return Response(200, {"Content-Type": "application/json"}, body)

    async def aclose(self) -> None:
        self.closed = True


async def test_a_custom_transport_plugs_into_the_session() -> None:
    transport = RecordingTransport()
    assert isinstance(transport, Transport)
    async with Session(transport=transport) as session:
        cf = ContactflowClient(TOKEN, NODE, "https://cf.test", session=session)
        az = AutomizyClient(API_KEY, "https://az.test", session=session)
        assert (await cf.get_node(NODE)).name == "from-transport"
        await az.get_contact(5)
    assert transport.closed
    first, second = transport.sent
    assert (first.method, str(first.url)) == ("GET", f"https://cf.test/nodes/{NODE}")
    assert first.headers["Authorization"] == f"Bearer {TOKEN}"
    assert second.headers["Api-key"] == API_KEY
    assert str(second.url).endswith("/contact-manager/contact/5")

"""Small aiohttp.web servers on 127.0.0.1 for tests, over plain TCP or TLS.

:func:`serve` runs an app on a free loopback port in the test's own event
loop; :class:`Certificates` are made by ``trustme`` for the test (a CA, a
server certificate for ``127.0.0.1`` and ``localhost``, a client certificate
for mutual TLS), so no test depends on the ``openssl`` command.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path

import attrs
import trustme
from aiohttp import web


@asynccontextmanager
async def serve(
    app: web.Application, *, ssl_context: ssl.SSLContext | None = None
) -> AsyncIterator[str]:
    """The app on 127.0.0.1; yields its base URL (``http://`` or ``https://``)."""
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=ssl_context)
    await site.start()
    port = runner.addresses[0][1]
    scheme = "http" if ssl_context is None else "https"
    try:
        yield f"{scheme}://127.0.0.1:{port}"
    finally:
        await runner.cleanup()
        # A TLS connection the server aborted (one a proxy kept open) closes its
        # socket a few loop iterations later: let that happen before the test's
        # loop is closed, or the socket is reported unclosed.
        await asyncio.sleep(0.01)


@attrs.frozen
class Certificates:
    """A test CA, the files a client needs, and server contexts."""

    ca: trustme.CA
    server: trustme.LeafCert
    ca_file: Path
    client_cert: tuple[Path, Path]

    @classmethod
    def make(cls, directory: Path) -> Certificates:
        ca = trustme.CA()
        server = ca.issue_cert("127.0.0.1", "localhost")
        client = ca.issue_cert("client@contactflow-automizy.test")
        ca_file = directory / "ca.pem"
        ca.cert_pem.write_to_path(str(ca_file))
        cert, key = directory / "client.pem", directory / "client.key"
        client.cert_chain_pems[0].write_to_path(str(cert))
        client.private_key_pem.write_to_path(str(key))
        return cls(ca, server, ca_file, (cert, key))

    def server_context(self, *, require_client_cert: bool = False) -> ssl.SSLContext:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self.server.configure_cert(context)
        if require_client_cert:
            context.verify_mode = ssl.CERT_REQUIRED
            self.ca.configure_trust(context)
        return context


@contextmanager
def full_accept_queue() -> Iterator[socket.socket]:
    """A loopback listening socket (backlog 0) whose accept queue is full.

    Connections are made until one does not complete: the kernel then drops
    every new SYN, so a client's connect hangs, as it does against a server
    too busy to accept.  Serving the socket (``web.SockSite``) drains the
    queue and lets new connections in.
    """
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    address = listener.getsockname()
    fillers: list[socket.socket] = []
    try:
        while True:
            probe = socket.socket()
            probe.settimeout(0.2)
            try:
                probe.connect(address)
            except TimeoutError:
                probe.close()
                break
            fillers.append(probe)
            if len(fillers) > 64:
                raise RuntimeError("the accept queue of a backlog-0 socket never filled")
        yield listener
    finally:
        for filler in fillers:
            filler.close()
        listener.close()

"""``push_customers``: a stream of customers uploaded as one transactional batch.

The seed defines packets (``FIRST``, ``MIDDLE``, ``LAST``) under one
``sourceUuid`` and a ``DELETE`` of an incomplete source; it is silent on the
rest, decided here:

* packets are cut from the stream as it is read: at most one look-ahead
  packet plus the ``concurrency`` packets in flight are held, each already
  serialised to JSON (customers are encoded once, the envelope is spliced on
  when the packet's position is known);
* ``FIRST`` is sent alone and awaited (it opens the source), ``MIDDLE``
  packets with at most ``concurrency`` in flight, ``LAST`` (the final packet
  of the stream, which closes the source) once every ``MIDDLE`` succeeded;
* a stream that fits one packet is sent as ``FIRST`` with its customers and
  an empty ``LAST``: the source is always opened and closed, and the seed
  sets no minimum size on ``customers``;
* an empty stream sends nothing and returns a result with zero counts;
* dicts are taken as wire-named (camelCase) customers and sent as given;
  models are unstructured by the shared converter; orjson itself rejects
  what cannot be sent, and only then is the offending item looked for;
* retries are the session's: packets are POSTs and not idempotent (the
  server does not dedupe), so they are retried only when it certainly did
  not act;
* a failure after the first request deletes the source (rollback; a 404
  there means nothing was left) and raises :class:`BatchUploadError`
  chained to the cause; cancellation rolls back too, then re-raises;
* a ``LAST`` packet whose answer is lost (500, connection cut) may still
  have been stored: the rollback then meets a closed source (409), which
  proves it, and the upload is reported as complete.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable, Mapping
from contextlib import aclosing
from typing import TYPE_CHECKING, Any

import attrs
import orjson

from contactflow_automizy._converter import converter, unstructure
from contactflow_automizy._progress import Progress, ProgressCallback
from contactflow_automizy._validate import positive_int, uuid_text
from contactflow_automizy.bulk._streams import Items, chunked, known_length
from contactflow_automizy.contactflow.models import (
    BatchNotification,
    BatchPacket,
    Customer,
    CustomerOfBatch,
)
from contactflow_automizy.errors import (
    BatchUploadError,
    ConfigurationError,
    ConflictError,
    NotFoundError,
)

if TYPE_CHECKING:
    from contactflow_automizy.contactflow.customers import CustomersMixin

__all__ = ["PushResult", "push_customers"]

CustomerInput = CustomerOfBatch | Customer | Mapping[str, Any]

#: Seconds a rollback may take (its retries included) before it is reported failed.
ROLLBACK_TIMEOUT = 60.0

_UNSTRUCTURE: dict[type, Callable[[Any], object]] = {
    cls: converter.get_unstructure_hook(cls) for cls in (CustomerOfBatch, Customer)
}


@attrs.frozen
class PushResult:
    """What one ``push_customers`` call did.

    ``packets`` counts packet requests that succeeded (the empty ``LAST`` of a
    one-packet stream included).  ``requests`` and ``retries`` are the
    session's counters over the call: they include retried packets, and any
    other traffic on a shared session.
    """

    source_uuid: str
    customers: int
    packets: int
    requests: int
    retries: int
    elapsed: float

    @property
    def customers_per_second(self) -> float:
        return self.customers / self.elapsed if self.elapsed > 0 else 0.0


@attrs.frozen
class _Packet:
    """Customers already encoded as a JSON array; the envelope is added when sent."""

    number: int
    start: int
    count: int
    customers: bytes


def _wire(item: object, index: int) -> object:
    if type(item) is dict:
        return item
    hook = _UNSTRUCTURE.get(type(item))
    if hook is not None:
        return hook(item)
    if isinstance(item, CustomerOfBatch | Customer):
        return unstructure(item)
    if isinstance(item, Mapping):
        return dict(item)
    raise ConfigurationError(
        f"customer #{index}: expected a CustomerOfBatch, Customer or mapping, "
        f"got {type(item).__name__}"
    )


def _encode(items: list[Any], start: int) -> bytes:
    """The JSON array of a packet; a value orjson refuses is traced to its item."""
    wire = [_wire(item, start + offset) for offset, item in enumerate(items)]
    try:
        return orjson.dumps(wire)
    except orjson.JSONEncodeError:
        for offset, customer in enumerate(wire):
            try:
                orjson.dumps(customer)
            except orjson.JSONEncodeError as exc:
                raise ConfigurationError(
                    f"customer #{start + offset} cannot be sent as JSON: {exc}"
                ) from None
        raise


class _Upload:
    """The state of one upload: what was sent, and whether it must be rolled back."""

    def __init__(
        self,
        client: CustomersMixin,
        automation_uuid: str,
        *,
        envelope: Mapping[str, Any],
        concurrency: int,
        total: int | None,
        node: str | None,
        on_progress: ProgressCallback | None,
    ) -> None:
        self._client = client
        self._automation_uuid = automation_uuid
        self._node = node
        self._post: Callable[[bytes], Awaitable[object]] = client._batch_poster(
            automation_uuid, node
        )
        self._prefixes = {
            kind: orjson.dumps({**envelope, "packet": kind.value})[:-1] + b',"customers":'
            for kind in BatchPacket
        }
        self._slots = asyncio.Semaphore(concurrency)
        self._total = total
        self._on_progress = on_progress
        self._stats = client.session.stats
        self._baseline = (self._stats.requests, self._stats.retries)
        self._started = time.perf_counter()
        self.source_uuid: str = envelope["sourceUuid"]
        self.attempted = False
        self.customers_sent = 0
        self.packets_sent = 0
        self.failed_packet: int | None = None
        self._failed_last: _Packet | None = None

    async def run(self, packets: AsyncIterator[_Packet]) -> None:
        """FIRST alone, MIDDLE packets concurrently, then LAST (see the module docs)."""
        first = await anext(packets, None)
        if first is None:
            return
        await self._send(BatchPacket.FIRST, first)
        held = await anext(packets, None)
        if held is None:
            held = _Packet(number=2, start=first.count, count=0, customers=b"[]")
        else:
            async with asyncio.TaskGroup() as group:
                while True:
                    await self._slots.acquire()
                    following = await anext(packets, None)
                    if following is None:
                        self._slots.release()
                        break
                    group.create_task(self._send_middle(held))
                    held = following
        await self._send(BatchPacket.LAST, held)

    async def _send_middle(self, packet: _Packet) -> None:
        try:
            await self._send(BatchPacket.MIDDLE, packet)
        finally:
            self._slots.release()

    async def _send(self, kind: BatchPacket, packet: _Packet) -> None:
        self.attempted = True
        try:
            await self._post(self._prefixes[kind] + packet.customers + b"}")
        except Exception:
            if self.failed_packet is None:
                self.failed_packet = packet.number
                if kind is BatchPacket.LAST:
                    self._failed_last = packet
            raise
        self._count(packet)

    def _count(self, packet: _Packet) -> None:
        self.packets_sent += 1
        self.customers_sent += packet.count
        if self._on_progress is not None:
            elapsed = time.perf_counter() - self._started
            self._on_progress(Progress(self.customers_sent, self._total, 0, elapsed))

    async def rollback(self) -> BaseException | None:
        """Delete the source; None if done.  Further cancellations wait for it, then re-raise."""
        task = asyncio.create_task(
            asyncio.wait_for(
                self._client.delete_customer_batch(
                    self._automation_uuid, self.source_uuid, node=self._node
                ),
                ROLLBACK_TIMEOUT,
            )
        )
        cancelled = False
        while not task.done():
            try:
                await asyncio.wait({task})
            except asyncio.CancelledError:
                cancelled = True
        if cancelled:
            raise asyncio.CancelledError
        error = task.exception()
        return None if error is None or isinstance(error, NotFoundError) else error

    def closed_by_server(self, rollback_error: BaseException | None) -> bool:
        """Did the LAST packet arrive although its answer was lost?

        Only LAST closes a source, and a closed source refuses the rollback with
        409: then the server holds the whole batch, and that is the outcome.
        """
        if self._failed_last is None or not isinstance(rollback_error, ConflictError):
            return False
        self._count(self._failed_last)
        self.failed_packet = None
        return True

    def result(self) -> PushResult:
        return PushResult(
            source_uuid=self.source_uuid,
            customers=self.customers_sent,
            packets=self.packets_sent,
            requests=self._stats.requests - self._baseline[0],
            retries=self._stats.retries - self._baseline[1],
            elapsed=time.perf_counter() - self._started,
        )

    def failure(
        self, cause: BaseException, rollback_error: BaseException | None
    ) -> BatchUploadError:
        where = f" at packet {self.failed_packet}" if self.failed_packet else ""
        outcome = "rolled back" if rollback_error is None else f"rollback failed: {rollback_error}"
        return BatchUploadError(
            f"customer batch {self.source_uuid} failed{where} after {self.customers_sent} "
            f"customers in {self.packets_sent} packets ({outcome}): {cause}",
            source_uuid=self.source_uuid,
            customers_sent=self.customers_sent,
            packets_sent=self.packets_sent,
            failed_packet=self.failed_packet,
            rolled_back=rollback_error is None,
            rollback_error=rollback_error,
        )


async def _packets(customers: Items[CustomerInput], size: int) -> AsyncGenerator[_Packet, None]:
    start = 0
    number = 1
    # aclosing: the caller's stream is closed when the upload ends, not when GC finds it.
    async with aclosing(chunked(customers, size)) as chunks:
        async for chunk in chunks:
            yield _Packet(
                number=number, start=start, count=len(chunk), customers=_encode(chunk, start)
            )
            start += len(chunk)
            number += 1


def _cause(error: BaseException) -> BaseException:
    """The first real error inside a TaskGroup's exception group."""
    while isinstance(error, BaseExceptionGroup):
        error = error.exceptions[0]
    return error


async def push_customers(
    client: CustomersMixin,
    automation_uuid: str,
    customers: Items[CustomerInput],
    *,
    packet_size: int = 1000,
    concurrency: int = 4,
    source_label: str | None = None,
    source_uuid: str | None = None,
    notification: BatchNotification | Mapping[str, Any] | None = None,
    node: str | None = None,
    on_progress: ProgressCallback | None = None,
) -> PushResult:
    """Upload ``customers`` (sync or async iterable) as one batch; see the module docs."""
    size = positive_int("packet_size", packet_size)
    envelope: dict[str, Any] = {
        "sourceUuid": uuid_text(
            "source_uuid", str(uuid.uuid4()) if source_uuid is None else source_uuid
        )
    }
    if source_label is not None:
        envelope["sourceLabel"] = source_label
    if notification is not None:
        envelope["notification"] = unstructure(
            client._as_model(BatchNotification, notification, {})
        )
    upload = _Upload(
        client,
        automation_uuid,
        envelope=envelope,
        concurrency=positive_int("concurrency", concurrency),
        total=known_length(customers),
        node=node,
        on_progress=on_progress,
    )
    packets = _packets(customers, size)
    try:
        await upload.run(packets)
    except (Exception, asyncio.CancelledError) as exc:
        if not upload.attempted:
            raise
        rollback_error = await upload.rollback()
        if isinstance(exc, asyncio.CancelledError):
            raise
        if upload.closed_by_server(rollback_error):
            return upload.result()
        cause = _cause(exc)
        raise upload.failure(cause, rollback_error) from cause
    finally:
        await packets.aclose()
    return upload.result()

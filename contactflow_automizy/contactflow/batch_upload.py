"""One attempt of ``push_customers``: a stream of customers uploaded as one transactional batch.

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
* a failure once ``FIRST`` was sent deletes the source, but only one this
  call may have opened (rollback), and raises :class:`BatchUploadError`
  chained to the cause; cancellation rolls back too, then re-raises.  What
  the answers prove is decided in :mod:`.batch_sources` (SPEC section 11):
  - ``FIRST`` refused with 409: the uuid is another batch's source, never
    deleted (``rolled_back=False``); refused otherwise (4xx, or never sent):
    nothing was stored, nothing is deleted (``rolled_back=True``);
  - a DELETE answered 404 means nothing was left (``rolled_back=True``),
    unless ``FIRST`` itself got no answer: it may still arrive, and the
    outcome is unknown (``rolled_back=None``);
  - a ``LAST`` packet whose answer is lost (500, connection cut) may still
    have been stored: the rollback then meets a closed source (409), which
    proves it, and the upload is reported as complete.

One attempt is a :class:`BatchAttempt`, given its source uuid and reporting
what became of that source (``state``), so a job (:mod:`.batch_jobs`) can
write the uuid down before the attempt and record its fate after it;
:mod:`.push` is the public call that runs one attempt, or a job.  It sits beside the raw
endpoints it is built on (``customers.py``) and talks to the server through
the client's protected request path, so it counts its own requests
(``PushResult.requests``) on a shared session.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Mapping
from contextlib import aclosing
from typing import Any

import attrs
import orjson

from contactflow_automizy._converter import converter, unstructure
from contactflow_automizy._progress import Progress, ProgressCallback
from contactflow_automizy._session import SessionStats
from contactflow_automizy._validate import positive_int, uuid_text
from contactflow_automizy.bulk._streams import Items, chunked, known_length
from contactflow_automizy.contactflow import routes
from contactflow_automizy.contactflow.batch_sources import (
    FirstFate,
    SourceState,
    after_delete,
    first_fate,
)
from contactflow_automizy.contactflow.customers import CustomersMixin
from contactflow_automizy.contactflow.models import (
    BatchNotification,
    BatchPacket,
    Customer,
    CustomerOfBatch,
)
from contactflow_automizy.errors import BatchUploadError, ConfigurationError

__all__ = ["BatchAttempt", "CustomerInput", "PushResult", "delete_source"]

CustomerInput = CustomerOfBatch | Customer | Mapping[str, Any]

#: Seconds a rollback may take (its retries included) before it is reported failed.
ROLLBACK_TIMEOUT = 60.0

_JSON_CONTENT = {"Content-Type": "application/json"}

_UNSTRUCTURE: dict[type, Callable[[Any], object]] = {
    cls: converter.get_unstructure_hook(cls) for cls in (CustomerOfBatch, Customer)
}


@attrs.frozen
class PushResult:
    """What one ``push_customers`` call did.

    ``packets`` counts packet requests that succeeded (the empty ``LAST`` of a
    one-packet stream included).  ``requests`` and ``retries`` count this
    call's own requests (retried packets and a rollback included), never
    other traffic on a shared session.  ``already_done``: the call ran a job
    (``job_id=``) that an earlier run had completed, and sent no packet; the
    other fields are that run's.
    """

    source_uuid: str
    customers: int
    packets: int
    requests: int
    retries: int
    elapsed: float
    already_done: bool = False

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


def _notification(value: BatchNotification | Mapping[str, Any]) -> object:
    """The envelope's ``notification``: like customers, a mapping is taken as wire-named."""
    if isinstance(value, BatchNotification):
        return unstructure(value)
    if isinstance(value, Mapping):
        return dict(value)
    raise ConfigurationError(
        f"notification: expected a BatchNotification or a mapping, got {type(value).__name__}"
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


class BatchAttempt:
    """One attempt at uploading a stream as one batch, under a source uuid it is given.

    ``state`` says at every moment what may be on the server: None while
    nothing can be (no ``FIRST`` sent, or one the server did not store), then
    a :class:`SourceState`: ``OPEN`` from the moment ``FIRST`` is sent,
    ``CLOSED`` once ``LAST`` is stored, and after a failure whatever the
    rollback proved (``DELETED``, ``CLOSED``, ``UNKNOWN``, or still ``OPEN``
    when it failed).  It is final once :meth:`run` returns or raises, even on
    cancellation: a caller that wrote the source uuid down before the run (a
    job store) records it afterwards, and knows which source to delete later.
    """

    def __init__(
        self,
        client: CustomersMixin,
        automation_uuid: str,
        source_uuid: str,
        *,
        packet_size: int = 1000,
        concurrency: int = 4,
        source_label: str | None = None,
        notification: BatchNotification | Mapping[str, Any] | None = None,
        node: str | None = None,
        on_progress: ProgressCallback | None = None,
    ) -> None:
        self.source_uuid = uuid_text("source_uuid", source_uuid)
        self._packet_size = positive_int("packet_size", packet_size)
        self._slots = asyncio.Semaphore(positive_int("concurrency", concurrency))
        self._client = client
        self._path = {"automationUuid": automation_uuid}
        self._node = node
        # Checked now, so a bad path or node is refused before the stream is read.
        routes.ADD_CUSTOMER_BATCH.path(**self._path)
        client._route_headers(routes.ADD_CUSTOMER_BATCH, node)
        envelope: dict[str, Any] = {"sourceUuid": self.source_uuid}
        if source_label is not None:
            envelope["sourceLabel"] = source_label
        if notification is not None:
            envelope["notification"] = _notification(notification)
        self._prefixes = {
            kind: orjson.dumps({**envelope, "packet": kind.value})[:-1] + b',"customers":'
            for kind in BatchPacket
        }
        self._on_progress = on_progress
        self._total: int | None = None
        self._stats = SessionStats()
        self._started = time.perf_counter()
        self.state: SourceState | None = None
        self.customers_sent = 0
        self.packets_sent = 0
        self.failed_packet: int | None = None
        self._failed_last: _Packet | None = None

    async def run(self, customers: Items[CustomerInput]) -> PushResult:
        """Upload ``customers``; on failure bring the source to a known end, then raise.

        Raises :class:`BatchUploadError` (chained to the cause) once a ``FIRST``
        was sent, the error itself before that, and ``CancelledError`` after
        the rollback when cancelled.
        """
        self._total = known_length(customers)
        self._started = time.perf_counter()
        packets = _packets(customers, self._packet_size)
        try:
            await self._upload(packets)
        except (Exception, asyncio.CancelledError) as exc:
            if self.state is None:
                raise
            cause = _cause(exc)
            rolled_back, rollback_error, outcome = await self._settle(cause)
            if isinstance(exc, asyncio.CancelledError):
                raise
            if self.state is SourceState.CLOSED and self._failed_last is not None:
                # Only LAST closes a source: it was stored although its answer was lost.
                self._count(self._failed_last)
                self.failed_packet = None
                return self.result()
            raise self._failure(cause, rolled_back, rollback_error, outcome) from cause
        finally:
            await packets.aclose()
        return self.result()

    async def _upload(self, packets: AsyncIterator[_Packet]) -> None:
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
        self.state = SourceState.CLOSED

    async def _send_middle(self, packet: _Packet) -> None:
        try:
            await self._send(BatchPacket.MIDDLE, packet)
        finally:
            self._slots.release()

    async def _send(self, kind: BatchPacket, packet: _Packet) -> None:
        if kind is BatchPacket.FIRST:
            self.state = SourceState.OPEN  # maybe open from the moment it leaves
        try:
            await self._client._json(
                routes.ADD_CUSTOMER_BATCH,
                path=self._path,
                content=self._prefixes[kind] + packet.customers + b"}",
                headers=_JSON_CONTENT,
                node=self._node,
                stats=self._stats,
            )
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

    async def _settle(self, cause: BaseException) -> tuple[bool | None, BaseException | None, str]:
        """After a failure: delete the source if this attempt may have opened it.

        Sets ``state``; returns what :class:`BatchUploadError` reports:
        ``rolled_back``, ``rollback_error`` and the outcome in words.
        """
        fate = first_fate(cause) if self.packets_sent == 0 else None
        if fate is FirstFate.TAKEN:
            self.state = None
            return False, None, "the source already exists: not opened by this call, left as it is"
        if fate is FirstFate.REFUSED:
            self.state = None
            return True, None, "nothing to roll back: the server did not take the first packet"
        error, cancelled = await delete_source(
            self._client, self._path, self.source_uuid, node=self._node, stats=self._stats
        )
        self.state = after_delete(error, first_may_arrive=fate is FirstFate.UNKNOWN)
        if cancelled:
            raise asyncio.CancelledError
        if self.state is SourceState.DELETED:
            return True, None, "rolled back"
        if self.state is SourceState.UNKNOWN:
            return (
                None,
                None,
                "outcome unknown: the first packet got no answer and its source was not found; "
                "if it still arrives it opens the source, which must then be deleted",
            )
        return False, error, f"rollback failed: {error}"

    def result(self) -> PushResult:
        return PushResult(
            source_uuid=self.source_uuid,
            customers=self.customers_sent,
            packets=self.packets_sent,
            requests=self._stats.requests,
            retries=self._stats.retries,
            elapsed=time.perf_counter() - self._started,
        )

    def _failure(
        self,
        cause: BaseException,
        rolled_back: bool | None,
        rollback_error: BaseException | None,
        outcome: str,
    ) -> BatchUploadError:
        where = f" at packet {self.failed_packet}" if self.failed_packet else ""
        return BatchUploadError(
            f"customer batch {self.source_uuid} failed{where} after {self.customers_sent} "
            f"customers in {self.packets_sent} packets ({outcome}): {cause}",
            source_uuid=self.source_uuid,
            customers_sent=self.customers_sent,
            packets_sent=self.packets_sent,
            failed_packet=self.failed_packet,
            rolled_back=rolled_back,
            rollback_error=rollback_error,
        )


async def delete_source(
    client: CustomersMixin,
    path: Mapping[str, str],
    source_uuid: str,
    *,
    node: str | None,
    stats: SessionStats,
) -> tuple[BaseException | None, bool]:
    """DELETE a batch source: its error (None if it deleted one), and whether we were
    cancelled meanwhile (a cancellation waits for the answer, so the caller can record
    what became of the source before it re-raises).  Bounded by ``ROLLBACK_TIMEOUT``."""
    task = asyncio.create_task(
        asyncio.wait_for(
            client._json(
                routes.DELETE_CUSTOMER_BATCH,
                path=path,
                query={"sourceUuid": source_uuid},
                node=node,
                stats=stats,
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
    return task.exception(), cancelled


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

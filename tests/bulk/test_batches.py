"""push_customers against mocked HTTP: packets on the wire, rollback, errors, progress."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import orjson
import pytest
from aioresponses import CallbackResult, aioresponses
from yarl import URL

from contactflow_automizy import ContactflowClient
from contactflow_automizy._progress import Progress
from contactflow_automizy.contactflow.models import Customer, CustomerOfBatch
from contactflow_automizy.errors import (
    BadRequestError,
    BatchUploadError,
    ConfigurationError,
    InternalServerError,
)
from tests.conftest import CF_BASE, NODE

AUTOMATION = "6f1c2a4e-8d3b-4c5a-9e7f-0a1b2c3d4e5f"
SOURCE = "33c81504-964f-4455-ac8b-47961f07cd05"
BATCH_URL = f"{CF_BASE}/automations/{AUTOMATION}/customers/batch"


def people(n: int, start: int = 0) -> Iterator[dict[str, Any]]:
    for i in range(start, start + n):
        yield {"userPk": f"user-{i}", "attributes": {"email": f"u{i}@example.test", "n": i}}


class Recorder:
    """An aioresponses callback keeping every batch packet body; ``fail`` maps number->status."""

    def __init__(self, fail: dict[int, int] | None = None) -> None:
        self.bodies: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        self.fail = fail or {}

    def __call__(self, url: URL, **kwargs: Any) -> CallbackResult:
        self.bodies.append(orjson.loads(kwargs["data"]))
        self.headers.append(dict(kwargs["headers"]))
        status = self.fail.get(len(self.bodies), 200)
        if status != 200:
            return CallbackResult(status=status, payload={"message": f"packet refused ({status})"})
        return CallbackResult(payload={"sourceUuid": self.bodies[-1]["sourceUuid"]})

    @property
    def packets(self) -> list[tuple[str, int]]:
        return [(b["packet"], len(b["customers"])) for b in self.bodies]


def batch_requests(mocked: aioresponses, method: str) -> list[Any]:
    return [call for (m, _), calls in mocked.requests.items() if m == method for call in calls]


def deletes(mocked: aioresponses) -> list[Any]:
    return [dict(call.kwargs["params"]) for call in batch_requests(mocked, "DELETE")]


@pytest.fixture
def recorder(mocked: aioresponses) -> Recorder:
    rec = Recorder()
    mocked.post(BATCH_URL, callback=rec, repeat=True)
    return rec


async def test_stream_is_cut_into_first_middle_last_under_one_source(
    cf: ContactflowClient, recorder: Recorder
) -> None:
    result = await cf.push_customers(
        AUTOMATION,
        people(2500),
        packet_size=1000,
        source_label="nightly sync",
        notification={"email": "ops@example.test"},
    )

    assert recorder.packets == [("FIRST", 1000), ("MIDDLE", 1000), ("LAST", 500)]
    sources = {b["sourceUuid"] for b in recorder.bodies}
    assert sources == {result.source_uuid}
    assert uuid.UUID(result.source_uuid).version == 4
    assert all(b["sourceLabel"] == "nightly sync" for b in recorder.bodies)
    assert all(b["notification"] == {"email": "ops@example.test"} for b in recorder.bodies)
    assert all(h["Node"] == NODE for h in recorder.headers)
    assert all(h["Content-Type"] == "application/json" for h in recorder.headers)
    sent = [c for b in recorder.bodies for c in b["customers"]]
    assert sent == list(people(2500))
    assert (result.customers, result.packets, result.requests, result.retries) == (2500, 3, 3, 0)
    assert result.elapsed > 0 and result.customers_per_second > 0


async def test_models_and_mappings_are_sent_in_wire_form(
    cf: ContactflowClient, recorder: Recorder
) -> None:
    customers: list[CustomerOfBatch | Customer | dict[str, Any]] = [
        CustomerOfBatch(user_pk="a", attributes={"x": 1}),
        Customer(user_pk="b", clab_uuid=SOURCE),
        {"userPk": "c", "extraField": True},
    ]

    await cf.push_customers(AUTOMATION, customers, source_uuid=SOURCE)

    assert recorder.bodies[0]["customers"] == [
        {"userPk": "a", "attributes": {"x": 1}},
        {"userPk": "b", "clabUuid": SOURCE},
        {"userPk": "c", "extraField": True},
    ]
    assert {b["sourceUuid"] for b in recorder.bodies} == {SOURCE}


async def test_a_stream_of_one_packet_still_opens_and_closes_the_source(
    cf: ContactflowClient, recorder: Recorder
) -> None:
    result = await cf.push_customers(AUTOMATION, people(3), packet_size=10)

    assert recorder.packets == [("FIRST", 3), ("LAST", 0)]
    assert (result.customers, result.packets) == (3, 2)


async def test_exactly_two_packets_need_no_middle(
    cf: ContactflowClient, recorder: Recorder
) -> None:
    await cf.push_customers(AUTOMATION, people(20), packet_size=10)

    assert recorder.packets == [("FIRST", 10), ("LAST", 10)]


async def test_an_empty_stream_sends_nothing(cf: ContactflowClient, mocked: aioresponses) -> None:
    seen: list[Progress] = []

    result = await cf.push_customers(AUTOMATION, iter(()), on_progress=seen.append)

    assert mocked.requests == {}
    assert (result.customers, result.packets, result.requests) == (0, 0, 0)
    assert result.customers_per_second == 0.0
    assert seen == []


async def test_async_iterables_are_accepted(cf: ContactflowClient, recorder: Recorder) -> None:
    async def stream() -> AsyncIterator[dict[str, Any]]:
        for customer in people(25):
            yield customer

    result = await cf.push_customers(AUTOMATION, stream(), packet_size=10)

    assert recorder.packets == [("FIRST", 10), ("MIDDLE", 10), ("LAST", 5)]
    assert result.customers == 25


async def test_progress_reports_customers_after_each_packet(
    cf: ContactflowClient, recorder: Recorder
) -> None:
    seen: list[Progress] = []

    await cf.push_customers(
        AUTOMATION, list(people(25)), packet_size=10, concurrency=1, on_progress=seen.append
    )

    assert [(p.done, p.total, p.failed) for p in seen] == [(10, 25, 0), (20, 25, 0), (25, 25, 0)]
    seen.clear()
    await cf.push_customers(AUTOMATION, people(5), packet_size=10, on_progress=seen.append)
    assert [(p.done, p.total) for p in seen] == [(5, None), (5, None)]


async def test_a_failing_middle_rolls_back_and_reports(
    cf: ContactflowClient, mocked: aioresponses
) -> None:
    recorder = Recorder(fail={3: 400})
    mocked.post(BATCH_URL, callback=recorder, repeat=True)
    mocked.delete(f"{BATCH_URL}?sourceUuid={SOURCE}", status=204)

    with pytest.raises(BatchUploadError) as caught:
        await cf.push_customers(
            AUTOMATION, people(50), packet_size=10, concurrency=1, source_uuid=SOURCE
        )

    err = caught.value
    assert (err.customers_sent, err.packets_sent, err.failed_packet) == (20, 2, 3)
    assert err.rolled_back is True and err.rollback_error is None
    assert err.source_uuid == SOURCE
    assert isinstance(err.__cause__, BadRequestError)
    assert "packet 3" in str(err) and "rolled back" in str(err)
    assert recorder.packets == [("FIRST", 10), ("MIDDLE", 10), ("MIDDLE", 10)]
    assert deletes(mocked) == [{"sourceUuid": SOURCE}]


async def test_a_failing_first_packet_is_rolled_back_too(
    cf: ContactflowClient, mocked: aioresponses
) -> None:
    mocked.post(BATCH_URL, callback=Recorder(fail={1: 500}), repeat=True)
    mocked.delete(f"{BATCH_URL}?sourceUuid={SOURCE}", status=404)  # never opened

    with pytest.raises(BatchUploadError) as caught:
        await cf.push_customers(AUTOMATION, people(5), source_uuid=SOURCE)

    err = caught.value
    assert (err.customers_sent, err.packets_sent, err.failed_packet) == (0, 0, 1)
    assert err.rolled_back is True
    assert isinstance(err.__cause__, InternalServerError)
    assert len(batch_requests(mocked, "POST")) == 1  # a POST answered 500 is not retried


async def test_a_failed_rollback_is_reported(cf: ContactflowClient, mocked: aioresponses) -> None:
    mocked.post(BATCH_URL, callback=Recorder(fail={2: 422}), repeat=True)
    mocked.delete(f"{BATCH_URL}?sourceUuid={SOURCE}", status=500, repeat=True)

    with pytest.raises(BatchUploadError) as caught:
        await cf.push_customers(AUTOMATION, people(30), packet_size=10, source_uuid=SOURCE)

    err = caught.value
    assert err.rolled_back is False
    assert isinstance(err.rollback_error, InternalServerError)
    assert "rollback failed" in str(err)
    assert len(deletes(mocked)) == 4  # DELETE is idempotent: retried


async def test_packets_are_retried_only_when_the_server_did_not_act(
    cf: ContactflowClient, mocked: aioresponses
) -> None:
    mocked.post(BATCH_URL, status=503)
    mocked.post(BATCH_URL, callback=Recorder(), repeat=True)

    result = await cf.push_customers(AUTOMATION, people(5))

    assert (result.requests, result.retries, result.packets) == (3, 1, 2)


async def test_bad_item_in_the_first_packet_is_refused_before_any_request(
    cf: ContactflowClient, mocked: aioresponses
) -> None:
    with pytest.raises(ConfigurationError, match=r"customer #2: expected .* got int"):
        await cf.push_customers(AUTOMATION, [{"userPk": "a"}, {"userPk": "b"}, 7])  # type: ignore[list-item]
    with pytest.raises(ConfigurationError, match=r"customer #1 cannot be sent as JSON"):
        await cf.push_customers(AUTOMATION, [{"userPk": "a"}, {"attributes": {"x": object()}}])
    assert mocked.requests == {}


async def test_bad_item_mid_stream_rolls_back_and_names_it(
    cf: ContactflowClient, recorder: Recorder, mocked: aioresponses
) -> None:
    mocked.delete(f"{BATCH_URL}?sourceUuid={SOURCE}", status=204)

    def stream() -> Iterator[object]:
        yield from people(15)
        yield "not a customer"

    with pytest.raises(BatchUploadError, match=r"customer #15: expected") as caught:
        await cf.push_customers(AUTOMATION, stream(), packet_size=10, source_uuid=SOURCE)  # type: ignore[arg-type]

    assert isinstance(caught.value.__cause__, ConfigurationError)
    assert caught.value.failed_packet is None
    assert (caught.value.customers_sent, caught.value.rolled_back) == (10, True)
    assert recorder.packets == [("FIRST", 10)]
    assert deletes(mocked) == [{"sourceUuid": SOURCE}]


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"automation_uuid": "../nodes"}, "automation_uuid|automationUuid"),
        ({"packet_size": 0}, "packet_size"),
        ({"concurrency": 0}, "concurrency"),
        ({"concurrency": 2.5}, "concurrency"),
        ({"source_uuid": "not-a-uuid"}, "source_uuid"),
        ({"notification": 42}, "BatchNotification"),
        ({"node": "nope"}, "node"),
    ],
)
async def test_bad_arguments_are_refused_before_any_request(
    cf: ContactflowClient, mocked: aioresponses, kwargs: dict[str, Any], match: str
) -> None:
    args: dict[str, Any] = {"automation_uuid": AUTOMATION, "customers": people(5), **kwargs}
    with pytest.raises(ConfigurationError, match=match):
        await cf.push_customers(**args)
    assert mocked.requests == {}


async def test_requests_and_retries_count_this_push_only(
    cf: ContactflowClient, mocked: aioresponses
) -> None:
    """50 concurrent GETs (one retried) on the same session mid-push are not the push's."""
    recorder = Recorder()
    mocked.post(BATCH_URL, status=503)  # FIRST refused once, then retried
    mocked.post(BATCH_URL, callback=recorder, repeat=True)
    mocked.get(f"{CF_BASE}/user", status=503)
    mocked.get(f"{CF_BASE}/user", payload={"base": {}}, repeat=True)

    async def stream() -> AsyncIterator[dict[str, Any]]:
        for customer in people(10):
            yield customer
        users = await asyncio.gather(*(cf.get_current_user() for _ in range(50)))
        assert len(users) == 50
        for customer in people(20, start=10):
            yield customer

    result = await cf.push_customers(AUTOMATION, stream(), packet_size=10)

    assert recorder.packets == [("FIRST", 10), ("MIDDLE", 10), ("LAST", 10)]
    assert (result.requests, result.retries, result.packets) == (4, 1, 3)
    assert (cf.session.stats.requests, cf.session.stats.retries) == (4 + 51, 1 + 1)

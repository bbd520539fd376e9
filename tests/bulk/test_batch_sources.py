"""Whose source is it, and what became of it: push_customers never deletes a batch it did
not open, and never calls "rolled back" what it cannot know (SPEC sections 8 and 11).

Driven through aioresponses, so the server's answers are exactly the ones
:mod:`contactflow_automizy.contactflow.batch_sources` assumes.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import aiohttp
import pytest
from aioresponses import CallbackResult, aioresponses
from yarl import URL

from contactflow_automizy import ContactflowClient
from contactflow_automizy.contactflow.batch_sources import (
    FirstFate,
    SourceState,
    after_delete,
    first_fate,
)
from contactflow_automizy.contactflow.batch_upload import BatchAttempt
from contactflow_automizy.errors import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    BadRequestError,
    BatchUploadError,
    ConflictError,
    InternalServerError,
    NotFoundError,
    RateLimitError,
    UnprocessableEntityError,
)
from tests.bulk.test_batches import AUTOMATION, BATCH_URL, SOURCE, Recorder, deletes, people

DELETE_URL = f"{BATCH_URL}?sourceUuid={SOURCE}"


def _status(cls: type[APIStatusError], status: int) -> APIStatusError:
    return cls("refused", status=status)


# -- the assumptions, in their one place ------------------------------------------


@pytest.mark.parametrize(
    ("error", "fate"),
    [
        (_status(ConflictError, 409), FirstFate.TAKEN),
        (_status(BadRequestError, 400), FirstFate.REFUSED),
        (_status(UnprocessableEntityError, 422), FirstFate.REFUSED),
        (_status(RateLimitError, 429), FirstFate.REFUSED),
        (APIConnectionError("refused", request_sent=False), FirstFate.REFUSED),
        (_status(InternalServerError, 500), FirstFate.ANSWERED),
        (_status(InternalServerError, 503), FirstFate.ANSWERED),
        (APITimeoutError("timed out"), FirstFate.UNKNOWN),
        (APIConnectionError("reset", request_sent=True), FirstFate.UNKNOWN),
        (asyncio.CancelledError(), FirstFate.UNKNOWN),
    ],
)
def test_what_a_failed_first_packet_proves(error: BaseException, fate: FirstFate) -> None:
    assert first_fate(error) is fate


@pytest.mark.parametrize(
    ("error", "first_may_arrive", "state"),
    [
        (None, False, SourceState.DELETED),
        (None, True, SourceState.DELETED),
        (_status(ConflictError, 409), False, SourceState.CLOSED),
        (_status(NotFoundError, 404), False, SourceState.DELETED),
        (_status(NotFoundError, 404), True, SourceState.UNKNOWN),
        (_status(InternalServerError, 503), False, SourceState.OPEN),
        (APITimeoutError("timed out"), True, SourceState.OPEN),
    ],
)
def test_what_a_delete_proves(
    error: BaseException | None, first_may_arrive: bool, state: SourceState
) -> None:
    assert after_delete(error, first_may_arrive=first_may_arrive) is state


# -- never delete a source this call did not open --------------------------------


async def test_a_source_that_already_exists_is_left_alone(
    cf: ContactflowClient, mocked: aioresponses
) -> None:
    mocked.post(BATCH_URL, status=409, payload={"message": f"Batch source {SOURCE} exists"})
    mocked.delete(DELETE_URL, status=204)

    with pytest.raises(BatchUploadError) as caught:
        await cf.push_customers(AUTOMATION, people(25), packet_size=10, source_uuid=SOURCE)

    err = caught.value
    assert err.rolled_back is False and err.rollback_error is None
    assert (err.customers_sent, err.packets_sent, err.failed_packet) == (0, 0, 1)
    assert "already exists" in str(err) and "left as it is" in str(err)
    assert isinstance(err.__cause__, ConflictError)
    assert deletes(mocked) == []


@pytest.mark.parametrize(
    ("answer", "attempts"),
    [
        ({"status": 400, "payload": {"message": "bad packet"}}, 1),
        ({"status": 422, "payload": {"errors": [{"field": "customers", "message": "no"}]}}, 1),
        ({"exception": APIConnectionError("could not connect", request_sent=False)}, 4),
    ],
)
async def test_a_first_packet_the_server_did_not_take_needs_no_delete(
    cf: ContactflowClient, mocked: aioresponses, answer: dict[str, Any], attempts: int
) -> None:
    """Refused (4xx) or never sent: nothing was stored, and a DELETE could only hit
    a source that is not this call's."""
    mocked.post(BATCH_URL, repeat=True, **answer)
    mocked.delete(DELETE_URL, status=204)

    with pytest.raises(BatchUploadError) as caught:
        await cf.push_customers(AUTOMATION, people(25), packet_size=10, source_uuid=SOURCE)

    err = caught.value
    assert err.rolled_back is True and err.rollback_error is None
    assert "nothing to roll back" in str(err)
    assert len(mocked.requests[("POST", URL(BATCH_URL))]) == attempts
    assert deletes(mocked) == []


# -- a FIRST without an answer: "rolled back" only when the DELETE proves it --------

UNANSWERED = [
    pytest.param(aiohttp.ServerTimeoutError("read timed out"), APITimeoutError, id="timeout"),
    pytest.param(aiohttp.ServerDisconnectedError(), APIConnectionError, id="disconnected"),
]


@pytest.mark.parametrize(("exception", "cause"), UNANSWERED)
async def test_an_unanswered_first_packet_whose_source_is_not_found_is_outcome_unknown(
    cf: ContactflowClient,
    mocked: aioresponses,
    exception: Exception,
    cause: type[APIConnectionError],
) -> None:
    mocked.post(BATCH_URL, exception=exception)
    mocked.delete(DELETE_URL, status=404, payload={"message": "no such source"})

    with pytest.raises(BatchUploadError) as caught:
        await cf.push_customers(AUTOMATION, people(25), packet_size=10, source_uuid=SOURCE)

    err = caught.value
    assert err.rolled_back is None and err.rollback_error is None
    assert "outcome unknown" in str(err) and SOURCE in str(err)
    assert isinstance(err.__cause__, cause) and err.__cause__.request_sent
    assert len(mocked.requests[("POST", URL(BATCH_URL))]) == 1  # a POST maybe stored: not resent
    assert deletes(mocked) == [{"sourceUuid": SOURCE}]


@pytest.mark.parametrize(("exception", "cause"), UNANSWERED)
async def test_an_unanswered_first_packet_whose_source_is_deleted_is_rolled_back(
    cf: ContactflowClient,
    mocked: aioresponses,
    exception: Exception,
    cause: type[APIConnectionError],
) -> None:
    mocked.post(BATCH_URL, exception=exception)
    mocked.delete(DELETE_URL, status=204)

    with pytest.raises(BatchUploadError) as caught:
        await cf.push_customers(AUTOMATION, people(25), packet_size=10, source_uuid=SOURCE)

    assert caught.value.rolled_back is True and "rolled back" in str(caught.value)
    assert isinstance(caught.value.__cause__, cause)


async def test_a_first_packet_answered_500_whose_source_is_not_found_was_rolled_back(
    cf: ContactflowClient, mocked: aioresponses
) -> None:
    """The answer ended the request: a 404 then proves nothing is, or will be, there."""
    mocked.post(BATCH_URL, status=500)
    mocked.delete(DELETE_URL, status=404)

    with pytest.raises(BatchUploadError) as caught:
        await cf.push_customers(AUTOMATION, people(25), packet_size=10, source_uuid=SOURCE)

    assert caught.value.rolled_back is True
    assert deletes(mocked) == [{"sourceUuid": SOURCE}]


# -- one attempt reports what became of its source --------------------------------


def _attempt(cf: ContactflowClient) -> BatchAttempt:
    return BatchAttempt(cf, AUTOMATION, SOURCE, packet_size=10, concurrency=1)


def _answers(mocked: aioresponses, posts: list[dict[str, Any]], delete: dict[str, Any]) -> None:
    for answer in posts:
        mocked.post(BATCH_URL, **answer)
    mocked.delete(DELETE_URL, **delete)


# What the server answers: packets in order, then the DELETE.
OK: dict[str, Any] = {"callback": Recorder()}
BAD: dict[str, Any] = {"status": 400}
TAKEN: dict[str, Any] = {"status": 409}
LOST: dict[str, Any] = {"status": 500}  # stored, but the answer says otherwise
SILENT: dict[str, Any] = {"exception": aiohttp.ServerTimeoutError()}
DELETED: dict[str, Any] = {"status": 204}
NOT_FOUND: dict[str, Any] = {"status": 404}
CLOSED: dict[str, Any] = {"status": 409}
DOWN: dict[str, Any] = {"status": 503, "repeat": True}


@pytest.mark.parametrize(
    ("posts", "delete", "state", "completes"),
    [
        pytest.param([OK, OK, OK], DELETED, SourceState.CLOSED, True, id="complete"),
        pytest.param([OK, BAD], DELETED, SourceState.DELETED, False, id="rolled-back"),
        pytest.param([OK, BAD], NOT_FOUND, SourceState.DELETED, False, id="already-gone"),
        pytest.param([OK, BAD], DOWN, SourceState.OPEN, False, id="rollback-failed"),
        pytest.param([OK, OK, LOST], CLOSED, SourceState.CLOSED, True, id="last-answer-lost"),
        pytest.param([TAKEN], DELETED, None, False, id="taken"),
        pytest.param([BAD], DELETED, None, False, id="refused"),
        pytest.param([SILENT], NOT_FOUND, SourceState.UNKNOWN, False, id="unknown"),
    ],
)
async def test_an_attempt_reports_what_became_of_its_source(
    cf: ContactflowClient,
    mocked: aioresponses,
    posts: list[dict[str, Any]],
    delete: dict[str, Any],
    state: SourceState | None,
    completes: bool,
) -> None:
    _answers(mocked, posts, delete)
    attempt = _attempt(cf)
    assert attempt.state is None

    try:
        result = await attempt.run(people(25))
    except BatchUploadError:
        assert not completes
    else:
        assert completes and result.customers == 25 and result.source_uuid == SOURCE

    assert attempt.state is state


async def test_an_attempt_that_sent_nothing_has_no_source(
    cf: ContactflowClient, mocked: aioresponses
) -> None:
    attempt = _attempt(cf)

    await attempt.run(iter(()))

    assert attempt.state is None and mocked.requests == {}


async def test_an_attempt_cancelled_during_its_first_packet_reports_the_source_unknown(
    cf: ContactflowClient, mocked: aioresponses
) -> None:
    """Cancelled while FIRST is in flight: the rollback finds nothing, which proves
    nothing, and the state says so for whoever records the attempt."""
    sent = asyncio.Event()

    async def hang(url: URL, **kwargs: Any) -> CallbackResult:
        sent.set()
        await asyncio.Event().wait()
        raise AssertionError("unreachable")

    mocked.post(BATCH_URL, callback=hang)
    mocked.delete(DELETE_URL, status=404)
    attempt = _attempt(cf)

    def customers() -> Iterator[dict[str, Any]]:
        yield from people(25)

    task = asyncio.create_task(attempt.run(customers()))
    await asyncio.wait_for(sent.wait(), 5)
    assert attempt.state is SourceState.OPEN
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task

    assert attempt.state is SourceState.UNKNOWN
    assert deletes(mocked) == [{"sourceUuid": SOURCE}]


async def test_cancelling_again_during_the_rollback_still_records_its_outcome(
    cf: ContactflowClient, mocked: aioresponses
) -> None:
    first_sent = asyncio.Event()
    deleting = asyncio.Event()
    release = asyncio.Event()

    async def hang(url: URL, **kwargs: Any) -> CallbackResult:
        first_sent.set()
        await asyncio.Event().wait()
        raise AssertionError("unreachable")

    async def slow_delete(url: URL, **kwargs: Any) -> CallbackResult:
        deleting.set()
        await release.wait()
        return CallbackResult(status=204)

    mocked.post(BATCH_URL, callback=hang)
    mocked.delete(DELETE_URL, callback=slow_delete)
    attempt = _attempt(cf)

    task = asyncio.create_task(attempt.run(people(25)))
    await asyncio.wait_for(first_sent.wait(), 5)
    task.cancel()
    await asyncio.wait_for(deleting.wait(), 5)
    task.cancel()  # the rollback is under way: it finishes, then the task ends cancelled
    await asyncio.sleep(0)
    release.set()
    with pytest.raises(asyncio.CancelledError):
        await task

    assert attempt.state is SourceState.DELETED

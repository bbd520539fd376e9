"""Every SDK error, bulk result and model survives pickle and deepcopy, with no secret inside.

Job queues carry results and errors between processes as pickles (SPEC.md
section 11).  Errors are built the way the SDK raises them: through a real
client against the emulator where one can be provoked, through the same
factory the session uses (``errors.status_error``) for every status class.
The pickled bytes never hold the token or the API key, and never name a
private module, so they survive the classes moving inside the package.
"""

from __future__ import annotations

import copy
import enum
import inspect
import pickle
import re
import socket
import types
import typing
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from typing import Any

import attrs
import pytest

import contactflow_automizy
from contactflow_automizy import (
    AutomizyClient,
    BatchUploadError,
    ContactflowClient,
    Outcome,
    Progress,
    Session,
    errors,
    map_concurrent,
)
from contactflow_automizy._converter import Model, structure, wire_name
from contactflow_automizy._download import iter_csv_rows
from contactflow_automizy._transport import Timeout
from contactflow_automizy.automizy import models as automizy_models
from contactflow_automizy.contactflow import models as contactflow_models
from contactflow_automizy.contactflow.models import Automation
from contactflow_automizy.emulator import Emulator, Faults
from tests.conftest import NoSleep
from tests.test_errors import every_sdk_error_class

TOKEN = "tok-PICKLE-SECRET-7f3a"
API_KEY = "key-PICKLE-SECRET-91c2"
SECRETS = (TOKEN, API_KEY)
#: Response headers as a misbehaving server or proxy might send them, echoing credentials.
ECHOED = {
    "Content-Type": "application/json",
    "Authorization": f"Bearer {TOKEN}",
    "Api-key": API_KEY,
    "Set-Cookie": f"session={TOKEN}",
    "X-Request-Id": "req-1",
    "WWW-Authenticate": 'Bearer error="invalid_token"',
}
BATCH = r"/customers/batch$"
#: Modules a pickle may name besides the top-level package: the public model modules.
PUBLIC_MODULES = {
    b"contactflow_automizy.contactflow.models",
    b"contactflow_automizy.automizy.models",
}
_MODULE = re.compile(rb"contactflow_automizy\.[\w.]+")


def _same(a: Any, b: Any) -> None:
    """``b`` equals ``a`` attribute by attribute (exceptions compare by identity, so
    they are compared by type, args, text and attributes)."""
    assert type(a) is type(b)
    if isinstance(a, BaseException):
        assert (a.args, str(a)) == (b.args, str(b))
        assert a.__dict__.keys() == b.__dict__.keys()
        for key, value in a.__dict__.items():
            _same(value, b.__dict__[key])
    elif attrs.has(type(a)):
        for field in attrs.fields(type(a)):
            _same(getattr(a, field.name), getattr(b, field.name))
    elif isinstance(a, list | tuple):
        assert len(a) == len(b)
        for x, y in zip(a, b, strict=True):
            _same(x, y)
    elif isinstance(a, dict):
        assert a.keys() == b.keys()
        for key, value in a.items():
            _same(value, b[key])
    else:
        assert a == b


def _copies(obj: Any) -> Iterator[Any]:
    """``obj`` through every pickle protocol, ``copy.deepcopy`` and ``copy.copy``; the
    pickled bytes hold no secret and no private module path."""
    for protocol in range(pickle.HIGHEST_PROTOCOL + 1):
        data = pickle.dumps(obj, protocol)
        for secret in SECRETS:
            assert secret.encode() not in data, (protocol, secret)
        assert set(_MODULE.findall(data)) <= PUBLIC_MODULES, protocol
        yield pickle.loads(data)
    yield copy.deepcopy(obj)
    yield copy.copy(obj)


def _round_trips(obj: Any) -> None:
    for clone in _copies(obj):
        _same(obj, clone)


# -- errors ----------------------------------------------------------------------------


def _status_errors() -> list[errors.APIStatusError]:
    """One per status class, from the factory the session raises them with."""
    body = (
        b'{"message": "refused", "logref": "lr-1", "errors": [{"field": "name", "message": "x"}]}'
    )
    return [
        errors.status_error(
            status,
            body,
            method="POST",
            url=f"https://api.example/things?api_key={API_KEY}&page=2",
            headers=ECHOED,
            reason="Reason",
            retry_after=3.0 if status == 429 else None,
            attempts=3,
        )
        for status in (400, 401, 403, 404, 409, 418, 422, 429, 500, 503)
    ]


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def _raised(awaitable: Any) -> errors.ContactflowAutomizyError:
    with pytest.raises(errors.ContactflowAutomizyError) as info:
        await awaitable
    return info.value


async def _rows(data: bytes) -> list[dict[str, str]]:
    async def chunks() -> AsyncIterator[bytes]:
        yield data

    return [row async for row in iter_csv_rows(chunks())]


@pytest.fixture
async def emu() -> AsyncIterator[Emulator]:
    async with Emulator(token=TOKEN, api_key=API_KEY) as emulator:
        yield emulator


@pytest.fixture
async def session(no_sleep: NoSleep) -> AsyncIterator[Session]:
    async with Session(sleep=no_sleep, random=lambda: 0.0, max_retries=1) as session:
        yield session


async def _raised_by_the_sdk(emu: Emulator, session: Session) -> list[Any]:
    """Errors as the SDK raises them, against the emulator and a closed port."""
    cf = ContactflowClient(TOKEN, emu.node_uuid, emu.contactflow_url, session=session)
    az = AutomizyClient(API_KEY, emu.automizy_url, session=session)
    wrong_token = ContactflowClient(
        TOKEN + "-x", emu.node_uuid, emu.contactflow_url, session=session
    )
    tiny = ContactflowClient(
        TOKEN, emu.node_uuid, emu.contactflow_url, session=session, max_response_bytes=8
    )
    nowhere = AutomizyClient(API_KEY, f"http://127.0.0.1:{_closed_port()}", session=session)
    found = [
        await _raised(cf.get_automation("095be615-a8ad-4c33-8e9c-c7612fbf6c9f")),
        await _raised(az.get_contact(424242)),
        await _raised(wrong_token.get_current_user()),
        await _raised(tiny.get_current_user()),
        await _raised(nowhere.get_contact(1)),
        await _raised(_rows(b"a,b\r\n\xff\xfe,1\r\n")),
        await _raised(az.create_contact("not-an-address", 1)),
    ]
    with pytest.raises(errors.ConfigurationError) as bad_url:
        AutomizyClient(API_KEY, "ftp://example.com")
    with pytest.raises(errors.ResponseFormatError) as bad_shape:
        structure(["not", "an", "object"], Automation)
    async with Session(max_retries=0, timeout=Timeout(total=0.05)) as hasty:
        emu.faults = Faults(latency=1.0)
        slow = AutomizyClient(API_KEY, emu.automizy_url, session=hasty)
        found.append(await _raised(slow.get_contact(1)))
        emu.faults = Faults()
    return [*found, bad_url.value, bad_shape.value]


async def _failed_pushes(emu: Emulator, session: Session) -> list[BatchUploadError]:
    """One rolled back, one whose rollback failed too (its rollback error nested)."""
    cf = ContactflowClient(TOKEN, emu.node_uuid, emu.contactflow_url, session=session)
    automation = (await cf.create_automation(name="pickles")).uuid
    assert automation is not None
    people = [{"userPk": f"p{i}"} for i in range(30)]
    failed = []
    for faults in (
        Faults(rate_500=1.0, routes=BATCH, methods={"POST"}),
        Faults(rate_503=1.0, routes=BATCH),
    ):
        emu.faults = faults
        with pytest.raises(BatchUploadError) as info:
            await cf.push_customers(automation, people, packet_size=10)
        failed.append(info.value)
    emu.faults = Faults()
    return failed


async def every_sdk_error(emu: Emulator, session: Session) -> list[errors.ContactflowAutomizyError]:
    """One instance of every exported error class, each built the way the SDK raises it
    (also used by the queue workers' serialisation test)."""
    return [
        *_status_errors(),
        *await _raised_by_the_sdk(emu, session),
        *await _failed_pushes(emu, session),
        *(
            BatchUploadError(
                "rollback failed",
                source_uuid="s",
                customers_sent=0,
                packets_sent=0,
                failed_packet=1,
                rolled_back=False,
                rollback_error=rollback_error,
            )
            for rollback_error in (TimeoutError(), KeyError("boom"))
        ),
        *(
            cls("crm-sync-2026-12-02", datetime(2026, 12, 2, 8, 0, 30, tzinfo=UTC))
            for cls in (errors.JobInProgressError, errors.LeaseLostError)
        ),
    ]


async def test_every_exported_error_class_survives_pickle_and_deepcopy(
    emu: Emulator, session: Session
) -> None:
    built = await every_sdk_error(emu, session)
    nested = [e.rollback_error for e in built if isinstance(e, BatchUploadError)]
    assert {type(e) for e in [*built, *nested]} >= every_sdk_error_class()
    for error in built:
        _round_trips(error)


async def test_errors_keep_what_the_sdk_set(emu: Emulator, session: Session) -> None:
    limited = next(e for e in _status_errors() if isinstance(e, errors.RateLimitError))
    clone = pickle.loads(pickle.dumps(limited))
    assert (clone.status, clone.retry_after, clone.attempts, clone.logref) == (429, 3.0, 3, "lr-1")
    assert clone.field_errors == [("name", "x")] and clone.headers["X-Request-Id"] == "req-1"

    rolled_back, not_rolled_back = await _failed_pushes(emu, session)
    clone = pickle.loads(pickle.dumps(not_rolled_back))
    assert (clone.rolled_back, clone.failed_packet, clone.source_uuid) == (
        False,
        1,
        not_rolled_back.source_uuid,
    )
    assert isinstance(clone.rollback_error, errors.InternalServerError)
    assert clone.rollback_error.status == 503 and clone.rollback_error.attempts == 2
    assert pickle.loads(pickle.dumps(rolled_back)).rolled_back is True

    connection = await _raised(
        AutomizyClient(API_KEY, f"http://127.0.0.1:{_closed_port()}", session=session).get_tag(1)
    )
    assert isinstance(connection, errors.APIConnectionError)
    assert copy.deepcopy(connection).request_sent is False


def test_echoed_credentials_never_reach_an_error() -> None:
    for error in _status_errors():
        assert error.headers["Authorization"] == error.headers["Api-key"] == "***"
        assert error.headers["Set-Cookie"] == "***"
        # no credential in it, and it explains a 401: kept
        assert error.headers["WWW-Authenticate"] == ECHOED["WWW-Authenticate"]
        assert not any(secret in str(error) or secret in repr(error) for secret in SECRETS)


def test_a_rollback_error_is_always_an_sdk_error() -> None:
    def failed(rollback_error: BaseException) -> BatchUploadError:
        return BatchUploadError(
            "m",
            source_uuid="s",
            customers_sent=0,
            packets_sent=0,
            failed_packet=1,
            rolled_back=False,
            rollback_error=rollback_error,
        )

    assert isinstance(failed(TimeoutError()).rollback_error, errors.APITimeoutError)
    wrapped = failed(KeyError("boom")).rollback_error
    assert type(wrapped) is errors.ContactflowAutomizyError and "KeyError" in str(wrapped)
    original = errors.ConflictError("closed", status=409)
    assert failed(original).rollback_error is original


def test_public_classes_report_the_top_level_package() -> None:
    for name in contactflow_automizy.__all__:
        obj = getattr(contactflow_automizy, name)
        if inspect.isclass(obj):
            assert obj.__module__ == "contactflow_automizy", name
    # every error class, too (they are all exported at the top level)
    assert all(cls.__module__ == "contactflow_automizy" for cls in every_sdk_error_class())


def test_annotations_still_resolve_after_the_move() -> None:
    """``get_type_hints`` reads names from ``__module__``: every exported class and
    every model (all extend ``Model``) must still resolve."""
    for name in contactflow_automizy.__all__:
        obj = getattr(contactflow_automizy, name)
        if inspect.isclass(obj):
            typing.get_type_hints(obj)
    for cls in _model_classes():
        assert "extra" in typing.get_type_hints(cls)


# -- bulk results ----------------------------------------------------------------------


async def test_bulk_results_survive_pickle_and_deepcopy(emu: Emulator, session: Session) -> None:
    cf = ContactflowClient(TOKEN, emu.node_uuid, emu.contactflow_url, session=session)
    az = AutomizyClient(API_KEY, emu.automizy_url, session=session)
    automation = (await cf.create_automation(name="results")).uuid
    assert automation is not None
    progress: list[Progress] = []
    pushed = await cf.push_customers(
        automation,
        [{"userPk": f"r{i}"} for i in range(25)],
        packet_size=10,
        on_progress=progress.append,
    )
    contact_list = await az.create_list("Pickled")
    assert contact_list.id is not None
    imported = await az.import_csv(
        [{"email": "ann@example.com", "firstname": "Ann", "unknown": "x"}],
        list_ids=[contact_list.id],
    )
    assert imported.mapping and imported.ignored_headers == ["unknown"]

    async def half(n: int) -> float:
        if n == 2:
            raise errors.NotFoundError("gone", status=404, headers=ECHOED)
        return n / 2

    outcomes: list[Outcome[int, float]] = await map_concurrent(half, [1, 2, 3])
    assert not outcomes[1].ok
    for result in (pushed, imported, progress[-1], *outcomes):
        _round_trips(result)
    assert pickle.loads(pickle.dumps(pushed)) == pushed
    assert copy.deepcopy(imported) == imported


# -- models ----------------------------------------------------------------------------


def _model_classes() -> list[type[Model]]:
    return [
        cls
        for module in (contactflow_models, automizy_models)
        for cls in vars(module).values()
        if inspect.isclass(cls) and issubclass(cls, Model) and cls.__module__ == module.__name__
    ]


def _wire_value(tp: Any, unknown_enums: bool) -> Any:
    """A wire value of type ``tp`` (a valid one: ids are positive)."""
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin in (types.UnionType, typing.Union):
        return _wire_value(next(a for a in args if a is not type(None)), unknown_enums)
    if origin is list:
        return [_wire_value(args[0], unknown_enums)]
    if origin is dict or tp is Any:
        return {"key": ["value", 1]}
    if inspect.isclass(tp) and issubclass(tp, enum.Enum):
        return "NOT_YET_KNOWN" if unknown_enums else list(tp)[-1].value
    if inspect.isclass(tp) and issubclass(tp, Model):
        return _wire(tp, unknown_enums)
    return {bool: True, int: 3, float: 2.5, str: "text", datetime: "2024-05-01T12:00:00+02:00"}[tp]


def _wire(cls: type[Model], unknown_enums: bool) -> dict[str, Any]:
    hints = typing.get_type_hints(cls)
    data = {
        wire_name(a): _wire_value(hints[a.name], unknown_enums)
        for a in attrs.fields(cls)
        if a.name != "extra"
    }
    return {**data, "fieldFromTheFuture": {"nested": [1, 2]}}


@pytest.mark.parametrize("cls", _model_classes(), ids=lambda cls: cls.__name__)
@pytest.mark.parametrize("unknown_enums", [False, True], ids=["known-enums", "unknown-enums"])
def test_every_model_survives_pickle_and_deepcopy(cls: type[Model], unknown_enums: bool) -> None:
    model = structure(_wire(cls, unknown_enums), cls)
    assert model.extra == {"fieldFromTheFuture": {"nested": [1, 2]}}
    for clone in _copies(model):
        assert clone == model
        _same(model, clone)
    assert copy.deepcopy(model).extra is not model.extra

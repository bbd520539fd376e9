"""Event hooks: checked once, sync or async, called in order, their exceptions propagate."""

from __future__ import annotations

from types import MappingProxyType

import attrs
import pytest

from contactflow_automizy import ConfigurationError
from contactflow_automizy._hooks import EventHooks, RequestEvent, call_hooks
from contactflow_automizy._redact import redact_headers

EVENT = RequestEvent(
    method="GET", url="https://api.example/x", headers=MappingProxyType({}), attempt=1
)


def test_nothing_to_call_is_none() -> None:
    assert EventHooks.from_mapping(None) is None
    assert EventHooks.from_mapping({}) is None
    assert EventHooks.from_mapping({"request": [], "retry": ()}) is None


def test_hooks_are_kept_per_kind() -> None:
    def f(event: object) -> None: ...

    hooks = EventHooks.from_mapping({"request": [f], "retry": (f, f)})
    assert hooks == EventHooks(request=(f,), response=(), retry=(f, f))


@pytest.mark.parametrize(
    "given",
    [
        {"requests": [print]},
        {"request": print},
        {"request": "print"},
        {"request": [print, "x"]},
        [("request", [print])],
    ],
)
def test_bad_hooks_are_a_configuration_error(given: object) -> None:
    with pytest.raises(ConfigurationError, match=r"event_hooks|hook kind"):
        EventHooks.from_mapping(given)  # type: ignore[arg-type]


async def test_sync_and_async_hooks_run_in_order() -> None:
    seen: list[str] = []

    def sync_hook(event: RequestEvent) -> None:
        seen.append(f"sync {event.attempt}")

    async def async_hook(event: RequestEvent) -> None:
        seen.append(f"async {event.method}")

    await call_hooks((sync_hook, async_hook, sync_hook), EVENT)
    assert seen == ["sync 1", "async GET", "sync 1"]


async def test_an_exception_in_a_hook_propagates_and_stops_the_rest() -> None:
    seen: list[str] = []

    async def broken(event: RequestEvent) -> None:
        raise LookupError("hook bug")

    with pytest.raises(LookupError, match="hook bug"):
        await call_hooks((broken, seen.append), EVENT)
    assert seen == []


def test_events_are_frozen_and_headers_read_only() -> None:
    event = RequestEvent(
        method="GET",
        url="https://api.example/x",
        headers=MappingProxyType({"Accept": "application/json"}),
        attempt=1,
    )
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        event.attempt = 2  # type: ignore[misc]
    with pytest.raises(TypeError):
        event.headers["Accept"] = "x"  # type: ignore[index]


def test_redacted_headers_mask_credentials_and_keep_the_rest() -> None:
    headers = redact_headers(
        {
            "Authorization": "Bearer t0k3n",
            "Proxy-Authorization": "Basic cHJveHk=",
            "X-Api-Key": "k3y",
            "Cookie": "session=c00kie",
            "Set-Cookie": "session=c00kie",
            "Accept": "application/json",
            "X-Request-Id": "req-1",
        }
    )
    assert headers["Accept"] == "application/json"
    assert headers["X-Request-Id"] == "req-1"
    text = repr(dict(headers))
    for secret in ("t0k3n", "cHJveHk=", "k3y", "c00kie"):
        assert secret not in text

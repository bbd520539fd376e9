"""OpenTelemetry recording, with the SDK's in-memory exporter and metric reader passed explicitly.

Global providers can be set only once per process, so the global path is
tested in a subprocess (tests/test_observability.py); here every provider is
handed to ``Telemetry`` directly, or the global lookup is replaced.
"""

from __future__ import annotations

from typing import Any

import pytest
from opentelemetry.trace import SpanKind, StatusCode
from yarl import URL

from contactflow_automizy import _telemetry
from contactflow_automizy._redact import redact_url
from contactflow_automizy._telemetry import RECHECK_EVERY, Telemetry
from tests.otel_capture import Otel

URL_WITH_SECRET = URL("https://user:pw@api.example.test:8443/nodes/1?token=t0k3n&page=2")
SHOWN = redact_url(URL_WITH_SECRET)  # the attempt watcher redacts; spans show what it gives


def test_an_sdk_call_span_with_one_child_span_per_attempt(otel: Otel) -> None:
    telemetry = Telemetry(otel.tracer_provider, otel.meter_provider)
    recorder = telemetry.active()
    assert recorder is not None
    with recorder.call_span("contactflow.get_node"):
        recorder.attempt("GET", URL_WITH_SECRET, SHOWN, 0).end(
            status=503, error_type=None, elapsed=0.2
        )
        recorder.count_retry("GET", URL_WITH_SECRET)
        recorder.attempt("GET", URL_WITH_SECRET, SHOWN, 1).end(
            status=200, error_type=None, elapsed=0.1
        )
    first, second, call = otel.spans()
    assert call.name == "contactflow.get_node"
    assert call.kind is SpanKind.INTERNAL
    for attempt in (first, second):
        assert attempt.name == "GET"
        assert attempt.kind is SpanKind.CLIENT
        assert attempt.parent is not None
        assert attempt.parent.span_id == call.context.span_id
    assert first.attributes == {
        "http.request.method": "GET",
        "server.address": "api.example.test",
        "server.port": 8443,
        "url.full": "https://***@api.example.test:8443/nodes/1?token=***&page=2",
        "http.response.status_code": 503,
        "error.type": "503",
    }
    assert first.status.status_code is StatusCode.ERROR
    assert second.attributes is not None
    assert second.attributes["http.request.resend_count"] == 1
    assert "error.type" not in second.attributes
    assert second.status.status_code is StatusCode.UNSET


def test_a_failed_attempt_records_the_error_type(otel: Otel) -> None:
    recorder = Telemetry(otel.tracer_provider, otel.meter_provider).active()
    assert recorder is not None
    recorder.attempt("POST", URL_WITH_SECRET, SHOWN, 0).end(
        status=None, error_type="APITimeoutError", elapsed=5.0
    )
    (span,) = otel.spans()
    assert span.attributes is not None
    assert span.attributes["error.type"] == "APITimeoutError"
    assert "http.response.status_code" not in span.attributes
    (point,) = otel.points("http.client.request.duration")
    assert point.sum == 5.0
    assert dict(point.attributes) == {
        "http.request.method": "POST",
        "server.address": "api.example.test",
        "server.port": 8443,
        "error.type": "APITimeoutError",
    }


def test_metrics_durations_in_seconds_and_retries_counted(otel: Otel) -> None:
    recorder = Telemetry(otel.tracer_provider, otel.meter_provider).active()
    assert recorder is not None
    for status, elapsed in ((503, 0.25), (200, 0.5)):
        recorder.attempt("GET", URL_WITH_SECRET, SHOWN, 0).end(
            status=status, error_type=None, elapsed=elapsed
        )
    recorder.count_retry("GET", URL_WITH_SECRET)
    points = {
        p.attributes["http.response.status_code"]: p
        for p in otel.points("http.client.request.duration")
    }
    assert points[503].sum == 0.25 and points[200].sum == 0.5
    assert points[200].explicit_bounds[:3] == (0.005, 0.01, 0.025)
    assert "url.full" not in points[200].attributes  # unbounded cardinality stays off metrics
    (retries,) = otel.points("contactflow_automizy.retries")
    assert retries.value == 1
    assert dict(retries.attributes) == {
        "http.request.method": "GET",
        "server.address": "api.example.test",
    }


def test_only_a_tracer_records_spans_but_no_metrics(otel: Otel) -> None:
    recorder = Telemetry(tracer_provider=otel.tracer_provider).active()
    assert recorder is not None
    assert recorder.duration is None and recorder.retries is None
    recorder.attempt("GET", URL_WITH_SECRET, SHOWN, 0).end(status=200, error_type=None, elapsed=0.1)
    recorder.count_retry("GET", URL_WITH_SECRET)
    assert len(otel.spans()) == 1


def test_only_a_meter_records_metrics_and_call_spans_cost_nothing(otel: Otel) -> None:
    recorder = Telemetry(meter_provider=otel.meter_provider).active()
    assert recorder is not None and recorder.tracer is None
    with recorder.call_span("automizy.get_contact"):
        recorder.attempt("GET", URL_WITH_SECRET, SHOWN, 0).end(
            status=200, error_type=None, elapsed=0.1
        )
    assert otel.spans() == []
    assert len(otel.points("http.client.request.duration")) == 1


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_without_providers_nothing_records_and_the_global_check_is_rare(
    monkeypatch: pytest.MonkeyPatch, otel: Otel
) -> None:
    lookups: list[str] = []
    configured: dict[str, Any] = {}

    def tracer_provider() -> Any:
        lookups.append("trace")
        return configured.get("trace")

    def meter_provider() -> Any:
        lookups.append("metrics")
        return configured.get("metrics")

    monkeypatch.setattr(_telemetry, "_global_tracer_provider", tracer_provider)
    monkeypatch.setattr(_telemetry, "_global_meter_provider", meter_provider)
    clock = FakeClock()
    telemetry = Telemetry(clock=clock)
    for _ in range(100):
        assert telemetry.active() is None
    assert lookups == ["trace", "metrics"]  # once, not per call

    configured["trace"] = otel.tracer_provider  # a provider set later is found...
    clock.now += RECHECK_EVERY / 2
    assert telemetry.active() is None  # ...not before the next look,
    clock.now += RECHECK_EVERY
    recorder = telemetry.active()  # ...but at it
    assert recorder is not None and recorder.tracer is not None and recorder.duration is None

    configured["metrics"] = otel.meter_provider
    clock.now += RECHECK_EVERY
    recorder = telemetry.active()
    assert recorder is not None and recorder.duration is not None
    lookups.clear()
    clock.now += 100 * RECHECK_EVERY
    assert telemetry.active() is recorder
    assert lookups == []  # both found: never asked again


def test_the_api_placeholders_are_not_real_providers() -> None:
    """Nothing is set globally in the test process: the API's stand-ins must not count."""
    assert _telemetry._global_tracer_provider() is None
    assert _telemetry._global_meter_provider() is None


async def test_a_span_over_an_iteration_is_current_only_while_producing(otel: Otel) -> None:
    from opentelemetry import trace

    recorder = Telemetry(otel.tracer_provider).active()
    assert recorder is not None
    seen_inside: list[bool] = []

    async def rows() -> Any:
        for i in range(3):
            seen_inside.append(trace.get_current_span().is_recording())
            recorder.attempt("GET", URL_WITH_SECRET, SHOWN, 0).end(
                status=200, error_type=None, elapsed=0
            )
            yield i

    got = []
    async for row in recorder.iterate_in_span("contactflow.iter_tokens_report", rows()):
        assert not trace.get_current_span().is_recording()  # nothing leaks to the consumer
        got.append(row)
    assert got == [0, 1, 2] and seen_inside == [True, True, True]
    call = otel.spans()[-1]
    assert call.name == "contactflow.iter_tokens_report"
    assert all(
        s.parent is not None and s.parent.span_id == call.context.span_id for s in otel.spans()[:-1]
    )


async def test_an_iteration_stopped_early_or_failing_still_ends_its_span(otel: Otel) -> None:
    recorder = Telemetry(otel.tracer_provider).active()
    assert recorder is not None

    async def rows() -> Any:
        yield 1
        yield 2
        raise LookupError("broken report")

    iteration = recorder.iterate_in_span("a.stopped", rows())
    assert await anext(iteration) == 1
    await iteration.aclose()
    with pytest.raises(LookupError):
        async for _ in recorder.iterate_in_span("a.failed", rows()):
            pass
    stopped, failed = otel.spans()
    assert stopped.name == "a.stopped" and stopped.status.status_code is StatusCode.UNSET
    assert failed.name == "a.failed" and failed.status.status_code is StatusCode.ERROR

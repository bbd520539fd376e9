"""OpenTelemetry: a span per SDK call, a child span per HTTP attempt, and two metrics.

Spans and attributes follow the HTTP client semantic conventions: the attempt
span is named after the method, of kind CLIENT, with ``http.request.method``,
``url.full`` (redacted), ``server.address``, ``server.port``,
``http.response.status_code``, ``http.request.resend_count`` (from the second
attempt on) and ``error.type``.  Metrics: ``http.client.request.duration``
(histogram, seconds, one record per attempt) and
``contactflow_automizy.retries`` (counter).

Decisions (SPEC.md section 11, "Hooks and tracing", "Extras"):

* Only ``opentelemetry-api`` is needed at run time (extra ``otel``), imported
  lazily: without it nothing here costs more than an attribute read.
* Nothing is recorded unless a real provider is configured: passed to
  ``Session(tracer_provider=..., meter_provider=...)``, or set globally.
  No-op spans on every call would not be "next to nothing".  Asking the API for
  the global provider costs about a microsecond (it looks at ``os.environ``),
  so it is asked at most once a second until a real one appears, and never
  again after (a global provider can be set only once per process): the
  per-call cost is a clock read and a comparison.
* No ``traceparent`` header is injected: the APIs do not take part in traces,
  and a header the server does not expect is one more thing to go wrong.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import AsyncGenerator, AsyncIterator, Callable, Iterator
from typing import TYPE_CHECKING, Any, TypeVar

from yarl import URL

from contactflow_automizy._extras import require
from contactflow_automizy._redact import redact_url

if TYPE_CHECKING:
    from opentelemetry.metrics import Counter, Histogram, Meter, MeterProvider
    from opentelemetry.trace import Span, Tracer, TracerProvider

__all__ = ["AttemptRecord", "Recorder", "Telemetry"]

T = TypeVar("T")

INSTRUMENTATION = "contactflow_automizy"
#: Seconds between two looks for a global provider while there is none.
RECHECK_EVERY = 1.0
#: The semantic conventions' advice for ``http.client.request.duration``.
DURATION_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10)


def _otel_installed() -> bool:
    try:
        import opentelemetry.metrics
        import opentelemetry.trace  # noqa: F401
    except ImportError:
        return False
    return True


def _global_tracer_provider() -> TracerProvider | None:
    from opentelemetry import trace

    provider = trace.get_tracer_provider()
    placeholder = isinstance(provider, trace.ProxyTracerProvider | trace.NoOpTracerProvider)
    return None if placeholder else provider


def _global_meter_provider() -> MeterProvider | None:
    from opentelemetry import metrics

    provider = metrics.get_meter_provider()
    # The API's stand-in before one is set is private (``_ProxyMeterProvider``).
    placeholder = isinstance(provider, metrics.NoOpMeterProvider) or type(
        provider
    ).__name__.startswith("_Proxy")
    return None if placeholder else provider


class AttemptRecord:
    """One HTTP attempt being recorded: its span (if tracing) and its duration (if metering)."""

    __slots__ = ("_attributes", "_recorder", "_span")

    def __init__(self, recorder: Recorder, span: Span | None, attributes: dict[str, Any]) -> None:
        self._recorder = recorder
        self._span = span
        self._attributes = attributes

    def end(self, *, status: int | None, error_type: str | None, elapsed: float) -> None:
        """Close the attempt: ``status`` of the answer, or ``error_type`` when none came."""
        attributes = self._attributes
        if status is not None:
            attributes["http.response.status_code"] = status
            if status >= 400:
                error_type = str(status)
        if error_type is not None:
            attributes["error.type"] = error_type
        span = self._span
        if span is not None:
            from opentelemetry.trace import StatusCode

            span.set_attributes(attributes)
            if error_type is not None:
                span.set_status(StatusCode.ERROR)
            span.end()
        duration = self._recorder.duration
        if duration is not None:
            attributes.pop("url.full", None)  # high cardinality: not a metric attribute
            attributes.pop("http.request.resend_count", None)
            duration.record(elapsed, attributes)


class Recorder:
    """The live instruments: a tracer and/or the two metrics."""

    __slots__ = ("duration", "retries", "tracer")

    def __init__(self, tracer: Tracer | None, meter: Meter | None) -> None:
        self.tracer = tracer
        self.duration: Histogram | None = None
        self.retries: Counter | None = None
        if meter is not None:
            self.duration = meter.create_histogram(
                "http.client.request.duration",
                unit="s",
                description="Duration of HTTP client requests (one per attempt).",
                explicit_bucket_boundaries_advisory=DURATION_BUCKETS,
            )
            self.retries = meter.create_counter(
                "contactflow_automizy.retries",
                unit="{retry}",
                description="Attempts repeated after a retryable failure.",
            )

    @contextlib.contextmanager
    def call_span(self, name: str) -> Iterator[None]:
        """The span of one SDK call (``contactflow.get_node``), current while it runs."""
        if self.tracer is None:
            yield
            return
        from opentelemetry.trace import SpanKind

        with self.tracer.start_as_current_span(name, kind=SpanKind.INTERNAL):
            yield

    async def iterate_in_span(self, name: str, items: AsyncIterator[T]) -> AsyncGenerator[T, None]:
        """``items`` inside the span of one SDK call that yields (a report's rows).

        The span is made current only while the next item is produced: a
        context attached across a ``yield`` would leak into the consumer.
        """
        if self.tracer is None:
            async for item in items:
                yield item
            return
        from opentelemetry import context, trace
        from opentelemetry.trace import SpanKind, StatusCode

        span = self.tracer.start_span(name, kind=SpanKind.INTERNAL)
        current = trace.set_span_in_context(span)
        try:
            while True:
                token = context.attach(current)
                try:
                    item = await anext(items)
                except StopAsyncIteration:
                    return
                except Exception as exc:
                    span.record_exception(exc)
                    span.set_status(StatusCode.ERROR, type(exc).__name__)
                    raise
                finally:
                    context.detach(token)
                yield item
        finally:
            if isinstance(items, AsyncGenerator):
                await items.aclose()
            span.end()

    def attempt(self, method: str, url: URL, resend_count: int) -> AttemptRecord:
        """Start recording one attempt; a child of the current SDK-call span."""
        attributes: dict[str, Any] = {
            "http.request.method": method,
            "server.address": url.host or "",
            "server.port": url.port or 0,
        }
        span = None
        if self.tracer is not None:
            from opentelemetry.trace import SpanKind

            attributes["url.full"] = redact_url(url)
            if resend_count:
                attributes["http.request.resend_count"] = resend_count
            span = self.tracer.start_span(method, kind=SpanKind.CLIENT, attributes=attributes)
        return AttemptRecord(self, span, attributes)

    def count_retry(self, method: str, url: URL) -> None:
        if self.retries is not None:
            self.retries.add(1, {"http.request.method": method, "server.address": url.host or ""})


class Telemetry:
    """Decides, cheaply and per call, whether anything is recorded; see the module notes."""

    __slots__ = (
        "_clock",
        "_meter_provider",
        "_next_check",
        "_recorder",
        "_settled",
        "_tracer_provider",
    )

    def __init__(
        self,
        tracer_provider: TracerProvider | None = None,
        meter_provider: MeterProvider | None = None,
        *,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if tracer_provider is not None or meter_provider is not None:
            require("opentelemetry.trace", "otel")
        installed = _otel_installed()
        self._tracer_provider = tracer_provider
        self._meter_provider = meter_provider
        self._clock = clock
        self._next_check = float("-inf")
        self._recorder: Recorder | None = None
        # Settled: nothing can change any more (no OpenTelemetry, or every provider known).
        self._settled = not installed
        if installed and tracer_provider is not None and meter_provider is not None:
            self._refresh()

    def active(self) -> Recorder | None:
        """The instruments to record with, or None when nothing is configured."""
        if self._settled:
            return self._recorder
        now = self._clock()
        if now >= self._next_check:
            self._next_check = now + RECHECK_EVERY
            self._refresh()
        return self._recorder

    def _refresh(self) -> None:
        tracer_provider = self._tracer_provider
        if tracer_provider is None:
            tracer_provider = _global_tracer_provider()
        meter_provider = self._meter_provider
        if meter_provider is None:
            meter_provider = _global_meter_provider()
        self._settled = tracer_provider is not None and meter_provider is not None
        if tracer_provider is None and meter_provider is None:
            return
        recorder = self._recorder
        if (
            recorder is not None
            and (recorder.tracer is not None) == (tracer_provider is not None)
            and (recorder.duration is not None) == (meter_provider is not None)
        ):
            return
        tracer = None if tracer_provider is None else tracer_provider.get_tracer(INSTRUMENTATION)
        meter = None if meter_provider is None else meter_provider.get_meter(INSTRUMENTATION)
        self._recorder = Recorder(tracer, meter)

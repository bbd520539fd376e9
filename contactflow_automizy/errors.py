"""Everything the SDK raises, and the one parser for both APIs' error bodies.

Both APIs describe failures in different shapes; users should not care.  Every
non-2xx answer becomes an :class:`APIStatusError` subclass chosen by status,
with ``message``, ``field_errors`` and ``logref`` filled from whichever shape
the body had (see :func:`parse_error_body`).
"""

from __future__ import annotations

import copyreg
import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import orjson

from contactflow_automizy._redact import redact_headers, redact_url

__all__ = [
    "APIConnectionError",
    "APIStatusError",
    "APITimeoutError",
    "AuthenticationError",
    "BadRequestError",
    "BatchUploadError",
    "ConfigurationError",
    "ConflictError",
    "ContactflowAutomizyError",
    "InternalServerError",
    "JobInProgressError",
    "LeaseLostError",
    "NotFoundError",
    "PermissionDeniedError",
    "RateLimitError",
    "ReportError",
    "ResponseFormatError",
    "ResponseTooLargeError",
    "UnprocessableEntityError",
    "parse_error_body",
    "status_error",
]

FieldError = tuple[str | None, str]

_MAX_MESSAGE = 500
#: Plain-text and HTML bodies are read for a message from their first bytes only.
_SCAN = 64 << 10
# ``[^<>]`` rather than ``[^>]``: a tag cannot contain ``<``, and a body of many ``<``
# without ``>`` is then scanned in linear time, not quadratic.
_TAG = re.compile(rb"<[^<>]*>")
_SPACE = re.compile(r"\s+")


class ContactflowAutomizyError(Exception):
    """Base of every exception the SDK raises.

    Every SDK error pickles and deep-copies (job queues carry them between
    processes): :meth:`__reduce__` rebuilds any subclass from its ``args`` and
    attributes without calling ``__init__``, whose keyword-only arguments the
    default exception pickling cannot pass.  What is pickled is what the
    error shows: URLs and headers are redacted when the error is built.
    """

    def __reduce__(self) -> tuple[Any, ...]:
        # copyreg.__newobj__ (``cls.__new__(cls, *args)``, pickle's NEWOBJ): the pickle
        # names only the class and the standard library, no private SDK function.
        newobj = copyreg.__newobj__  # type: ignore[attr-defined]  # missing from typeshed
        return (newobj, (type(self), *self.args), self.__dict__)


class ConfigurationError(ContactflowAutomizyError, ValueError):
    """Bad or missing settings or arguments, found before any request is sent."""


class APIConnectionError(ContactflowAutomizyError):
    """The request could not be sent, or the connection broke before an answer.

    ``request_sent`` is False only when the SDK knows the server never saw the
    request (connect failure): that is what makes a POST safe to retry.
    """

    def __init__(
        self,
        message: str,
        *,
        method: str = "",
        url: str = "",
        request_sent: bool = True,
        attempts: int = 1,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.method = method
        self.url = redact_url(url)
        self.request_sent = request_sent
        self.attempts = attempts

    def __str__(self) -> str:
        where = f" ({self.method} {self.url})" if self.method else ""
        tries = f" after {self.attempts} attempts" if self.attempts > 1 else ""
        return f"{self.message}{where}{tries}"


class APITimeoutError(APIConnectionError):
    """The request timed out (connect, read or total)."""


class ResponseTooLargeError(APIConnectionError):
    """The answer's body is larger than the SDK agreed to buffer; never retried."""


class APIStatusError(ContactflowAutomizyError):
    """The server answered with a non-2xx status."""

    def __init__(
        self,
        message: str,
        *,
        status: int,
        body: bytes = b"",
        field_errors: list[FieldError] | None = None,
        logref: str | None = None,
        method: str = "",
        url: str = "",
        headers: Mapping[str, str] | None = None,
        attempts: int = 1,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.body = body
        self.field_errors: list[FieldError] = field_errors or []
        self.logref = logref
        self.method = method
        self.url = redact_url(url)
        self.headers: Mapping[str, str] = redact_headers(headers or {})
        self.attempts = attempts

    def __str__(self) -> str:
        text = f"{self.status} {self.method} {self.url}: {self.message}".replace("  ", " ")
        if self.field_errors:
            detail = "; ".join(f"{f}: {m}" if f else m for f, m in self.field_errors[:5])
            text += f" [{detail}]"
        if self.logref:
            text += f" (logref {self.logref})"
        if self.attempts > 1:
            text += f" after {self.attempts} attempts"
        return text


class BadRequestError(APIStatusError):
    """400."""


class AuthenticationError(APIStatusError):
    """401: the token or API key was refused."""


class PermissionDeniedError(APIStatusError):
    """403."""


class NotFoundError(APIStatusError):
    """404."""


class ConflictError(APIStatusError):
    """409: e.g. an e-mail address or merge tag already taken."""


class UnprocessableEntityError(APIStatusError):
    """422: the server's validation refused the input; see ``field_errors``."""


class RateLimitError(APIStatusError):
    """429; ``retry_after`` is the server's advice in seconds, if it gave one."""

    retry_after: float | None = None


class InternalServerError(APIStatusError):
    """Any 5xx."""


class ResponseFormatError(ContactflowAutomizyError):
    """A 2xx answer whose body does not have the documented shape."""


class ReportError(ContactflowAutomizyError):
    """A report that cannot be read safely: not UTF-8 CSV, or a broken or hostile ZIP."""


class BatchUploadError(ContactflowAutomizyError):
    """A customer batch failed after retries; says what was sent and rolled back.

    ``rolled_back`` has three values:

    * ``True``: nothing of this upload is left on the server (its source was
      deleted, or the server never stored its first packet);
    * ``False``: something may be left: the rollback failed and the source is
      still open (``rollback_error`` says why; delete it by ``source_uuid``),
      or the first packet was refused because a source with that uuid
      already exists, which this call did not open and left as it is;
    * ``None``: outcome unknown: the first packet got no answer and the
      rollback found no source, but that packet may still arrive and open
      it; delete ``source_uuid`` again later.

    ``rollback_error`` is always an SDK error, so this one pickles whatever went
    wrong: the rollback's own time limit becomes an :class:`APITimeoutError`,
    anything else a :class:`ContactflowAutomizyError` naming the original type.
    """

    def __init__(
        self,
        message: str,
        *,
        source_uuid: str,
        customers_sent: int,
        packets_sent: int,
        failed_packet: int | None,
        rolled_back: bool | None,
        rollback_error: BaseException | None = None,
    ) -> None:
        super().__init__(message)
        self.source_uuid = source_uuid
        self.customers_sent = customers_sent
        self.packets_sent = packets_sent
        self.failed_packet = failed_packet
        self.rolled_back = rolled_back
        self.rollback_error = None if rollback_error is None else _as_sdk_error(rollback_error)


def _as_sdk_error(error: BaseException) -> ContactflowAutomizyError:
    if isinstance(error, ContactflowAutomizyError):
        return error
    if isinstance(error, TimeoutError):
        return APITimeoutError(f"the rollback timed out{f': {error}' if str(error) else ''}")
    return ContactflowAutomizyError(f"{type(error).__name__}: {error}")


class JobInProgressError(ContactflowAutomizyError):
    """Another live run holds this job's lease; raised before any request is sent.

    ``expires_at`` (an aware datetime) is when that lease runs out unless its
    owner renews it: a queue worker waits until then and tries again.
    """

    def __init__(self, job_id: str, expires_at: datetime) -> None:
        super().__init__(
            f"job {job_id!r} is being run by another process; "
            f"its lease expires at {expires_at.isoformat()} unless renewed"
        )
        self.job_id = job_id
        self.expires_at = expires_at


class LeaseLostError(JobInProgressError):
    """This run's lease was taken over (it could not renew in time); the run was stopped.

    A subclass of :class:`JobInProgressError`: another run now owns the job,
    and whoever retries on that error handles this one right too.
    """

    def __init__(self, job_id: str, expires_at: datetime) -> None:
        ContactflowAutomizyError.__init__(
            self,
            f"lost the lease of job {job_id!r} to another run (held until "
            f"{expires_at.isoformat()}); this run stopped",
        )
        self.job_id = job_id
        self.expires_at = expires_at


_BY_STATUS: dict[int, type[APIStatusError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    422: UnprocessableEntityError,
    429: RateLimitError,
}


def _clip(text: str) -> str:
    text = _SPACE.sub(" ", text).strip()
    return text if len(text) <= _MAX_MESSAGE else text[: _MAX_MESSAGE - 1] + "…"


def _text(value: Any) -> str:
    """``str(value)`` for a decoded JSON value; one nested too deeply for ``repr``
    (orjson accepts 1,024 levels, ``repr`` about 1,000) is named instead of raising."""
    if isinstance(value, str):
        return value
    try:
        return str(value)
    except RecursionError:
        return f"<{type(value).__name__} nested too deeply to show>"


def _title(html: bytes) -> bytes | None:
    """The text of the first ``<title>`` element, found in linear time (a regex with a
    lazy ``.*?`` rescans the rest of the body for every ``<title`` and goes quadratic)."""
    lower = html.lower()
    start = lower.find(b"<title")
    if start < 0:
        return None
    opened = lower.find(b">", start)
    if opened < 0:
        return None
    closed = lower.find(b"</title", opened)
    return None if closed < 0 else html[opened + 1 : closed]


def _field_errors(errors: Any) -> list[FieldError]:
    """Flatten the shapes seen in ``errors``: {field, message}, {field: msg}, "msg"."""
    if isinstance(errors, Mapping):
        errors = [errors]
    if not isinstance(errors, list):
        return [(None, _clip(_text(errors)))] if errors not in (None, "") else []
    out: list[FieldError] = []
    for item in errors:
        if isinstance(item, Mapping):
            if "message" in item and set(item) <= {"field", "message", "code", "logref"}:
                field = item.get("field")
                out.append((None if field is None else _text(field), _clip(_text(item["message"]))))
            else:
                out.extend((str(k), _clip(_text(v))) for k, v in item.items())
        elif item is not None:
            out.append((None, _clip(_text(item))))
    return out


def _first_message(fields: list[FieldError]) -> str | None:
    """The first non-empty field message, to stand as the error's message."""
    return next((text for _, text in fields if text), None)


def parse_error_body(
    body: bytes, content_type: str = ""
) -> tuple[str | None, list[FieldError], str | None]:
    """Return ``(message, field_errors, logref)`` from any error body; never raises.

    Understands Contactflow ``{message, logref, errors}`` and Automizy's
    ``{errors: [{field: msg}]}``, ``{errors: [{field, message}]}``,
    ``{message, path}`` and ``{error, id}``; plain text and HTML fall back to
    their (tag-stripped) text.
    """
    stripped = body.strip()
    if not stripped:
        return None, [], None
    data: Any
    try:
        data = orjson.loads(stripped)
    except (orjson.JSONDecodeError, RecursionError):
        data = None
    else:
        if isinstance(data, Mapping):
            fields = _field_errors(data.get("errors"))
            raw = data.get("message") or data.get("error") or data.get("detail")
            message = (_clip(_text(raw)) if raw not in (None, "") else None) or None
            if message is None and fields:  # "" too: a message of white space says nothing
                message = _first_message(fields)
            logref = data.get("logref")
            return message, fields, None if logref is None else _clip(_text(logref))
        if isinstance(data, list):
            fields = _field_errors(data)
            return _first_message(fields), fields, None
        if isinstance(data, str):
            return _clip(data) or None, [], None
    head = stripped[:_SCAN]
    if b"<" in head and ("html" in content_type or head[:1] == b"<"):
        title = _title(head)
        raw_text = title if title is not None else _TAG.sub(b" ", head)
        text = _clip(raw_text.decode("utf-8", "replace"))
        return text or None, [], None
    return _clip(head.decode("utf-8", "replace")) or None, [], None


def status_error(
    status: int,
    body: bytes,
    *,
    method: str,
    url: str,
    headers: Mapping[str, str],
    reason: str = "",
    retry_after: float | None = None,
    attempts: int = 1,
) -> APIStatusError:
    """Build the right :class:`APIStatusError` subclass for a non-2xx answer."""
    message, fields, logref = parse_error_body(body, headers.get("Content-Type", ""))
    cls = _BY_STATUS.get(status) or (InternalServerError if status >= 500 else APIStatusError)
    err = cls(
        message or reason or f"HTTP {status}",
        status=status,
        body=body,
        field_errors=fields,
        logref=logref,
        method=method,
        url=url,
        headers=dict(headers),
        attempts=attempts,
    )
    if isinstance(err, RateLimitError):
        err.retry_after = retry_after
    return err

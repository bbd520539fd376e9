"""The error parser, fuzzed: any bytes, any JSON shape, any content type, megabytes of it.

``parse_error_body`` and ``status_error`` run on whatever a failing server (or
a proxy in front of it) sends back.  They must never raise, must keep the
message short, and must stay fast: they run on the event loop.

Fixed here (``errors.py``): a JSON error body nested ~1,000 levels deep raised
``RecursionError`` from ``str()``; an HTML/text body of many ``<`` or
``<title>`` took quadratic time in two regexes (a 1 MiB body: minutes of a
frozen event loop).
"""

from __future__ import annotations

import time
from typing import Any

import orjson
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from contactflow_automizy._redact import MASK, redact_url
from contactflow_automizy.errors import (
    APIStatusError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    InternalServerError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    UnprocessableEntityError,
    parse_error_body,
    status_error,
)
from tests.reliability.conftest import FUZZ, count

MAX_MESSAGE = 500
TEXT = st.text(max_size=60)
JSON: st.SearchStrategy[Any] = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | TEXT,
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(TEXT, inner, max_size=5),
    max_leaves=20,
)
#: Both APIs' documented error shapes, with values of any type where text is expected.
SHAPES = st.one_of(
    st.fixed_dictionaries(
        {"message": JSON}, optional={"logref": JSON, "errors": JSON, "path": JSON}
    ),
    st.fixed_dictionaries({"errors": st.lists(st.dictionaries(TEXT, JSON, max_size=3))}),
    st.fixed_dictionaries(
        {"errors": st.lists(st.fixed_dictionaries({"field": JSON, "message": JSON}))}
    ),
    st.fixed_dictionaries({"error": JSON}, optional={"id": JSON}),
    JSON,
)
CONTENT_TYPES = st.sampled_from(
    ["", "application/json", "text/html; charset=utf-8", "text/plain", "application/xml"]
) | st.text(max_size=30)
BY_STATUS = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    422: UnprocessableEntityError,
    429: RateLimitError,
}


def _check(parsed: tuple[Any, Any, Any]) -> None:
    message, fields, logref = parsed
    assert message is None or (isinstance(message, str) and 0 < len(message) <= MAX_MESSAGE)
    assert isinstance(fields, list)
    for field, text in fields:
        assert field is None or isinstance(field, str)
        assert isinstance(text, str) and len(text) <= MAX_MESSAGE
    assert logref is None or (isinstance(logref, str) and len(logref) <= MAX_MESSAGE)


@FUZZ
@given(body=st.binary(max_size=2048), content_type=CONTENT_TYPES)
def test_any_bytes(body: bytes, content_type: str) -> None:
    _check(parse_error_body(body, content_type))
    count("fuzz", "error_parser_bytes", 1)


@FUZZ
@given(data=SHAPES, content_type=CONTENT_TYPES)
@example(data={"message": "\r"}, content_type="")  # white space only: no message, not ""
def test_any_json_shape(data: Any, content_type: str) -> None:
    _check(parse_error_body(orjson.dumps(data), content_type))
    count("fuzz", "error_parser_json", 1)


@FUZZ
@given(
    text=st.text(max_size=400), wrap=st.sampled_from(["{}", "<html>{}</html>", "<title>{}", "{}"])
)
def test_any_text_and_html(text: str, wrap: str) -> None:
    body = wrap.format(text).encode("utf-8", "surrogatepass")
    _check(parse_error_body(body, "text/html"))
    _check(parse_error_body(body, "text/plain"))
    count("fuzz", "error_parser_text", 2)


@FUZZ
@given(
    status=st.integers(100, 999),
    body=st.binary(max_size=512) | SHAPES.map(orjson.dumps),
    headers=st.dictionaries(
        st.sampled_from(["Content-Type", "Retry-After", "X-Other"]), st.text(max_size=30)
    ),
    method=st.sampled_from(["GET", "POST", "DELETE"]),
    url=st.sampled_from(["", "https://h/x?token=s3cret", "not a url", "http://[::1"]),
)
def test_status_error_builds_the_right_class(
    status: int, body: bytes, headers: dict[str, str], method: str, url: str
) -> None:
    err = status_error(status, body, method=method, url=url, headers=headers, attempts=2)
    expected = BY_STATUS.get(status) or (InternalServerError if status >= 500 else APIStatusError)
    assert type(err) is expected and err.status == status and err.body == body
    text = str(err)
    assert str(status) in text and "s3cret" not in text and "s3cret" not in repr(err)
    assert err.message
    count("fuzz", "status_errors", 1)


def _deep(depth: int, kind: str) -> bytes:
    opening, closing = ("[", "]") if kind == "list" else ('{"a":', "}")
    return (opening * depth + "1" + closing * depth).encode()


@pytest.mark.parametrize("kind", ["list", "dict"])
@pytest.mark.parametrize("where", ["top", "message", "errors", "errors-item", "logref", "field"])
def test_deeply_nested_json_does_not_raise(kind: str, where: str) -> None:
    """Fixed: ~1,000 levels (orjson accepts up to 1,024) made ``str()`` raise RecursionError."""
    deep = _deep(1000, kind)
    body = {
        "top": deep,
        "message": b'{"message":' + deep + b"}",
        "errors": b'{"errors":' + deep + b"}",
        "errors-item": b'{"errors":[' + deep + b"]}",
        "logref": b'{"message":"m","logref":' + deep + b"}",
        "field": b'{"errors":[{"field":' + deep + b',"message":' + deep + b"}]}",
    }[where]
    assert orjson.loads(body) is not None  # valid JSON, which the server may send
    _check(parse_error_body(body))
    err = status_error(500, body, method="GET", url="https://h/x", headers={})
    assert "500" in str(err)
    count("abuse", "deep_json_bodies", 1)


MIB = 1 << 20
HUGE = {
    "many <": b"<" * MIB,
    "many <title>": b"<title>" * (MIB // 7),
    "many <title": b"<title" * (MIB // 6),
    "html without title": b"<html>" + b"<p>x</p>" * (MIB // 8),
    "whitespace": b" \n\t" * (MIB // 3) + b"end",
    "plain text": b"x" * (8 * MIB),
    "json errors": orjson.dumps({"errors": [{"f": "m" * 10}] * 50_000}),
    "json message": orjson.dumps({"message": "y " * (MIB // 2)}),
    "binary": bytes(range(256)) * (MIB // 256),
}


@pytest.mark.parametrize("name", list(HUGE))
@pytest.mark.parametrize("content_type", ["text/html", "application/json", ""])
def test_huge_bodies_parse_fast(name: str, content_type: str) -> None:
    """Fixed: quadratic regexes; 1 MiB of ``<`` took about ten minutes, it now takes ms."""
    body = HUGE[name]
    started = time.perf_counter()
    _check(parse_error_body(body, content_type))
    str(status_error(502, body, method="GET", url="https://h/", headers={}))
    assert time.perf_counter() - started < 2.0
    count("abuse", "huge_error_bodies", 1)


@FUZZ
@given(
    user=st.text(min_size=1, max_size=10),
    password=st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789", min_size=6, max_size=20),
    key=st.sampled_from(["token", "api_key", "Secret", "password", "sig", "X-Auth", "apikey"]),
    path=st.text(max_size=20),
)
def test_redact_url_never_shows_credentials(user: str, password: str, key: str, path: str) -> None:
    secret = "Zq" + password
    from yarl import URL

    url = URL.build(scheme="https", host="h.example", user=user, password=secret, path="/" + path)
    url = url.with_query({key: secret, "page": "2"})
    text = redact_url(url)
    assert secret not in text and MASK in text
    assert secret not in redact_url(str(url))
    count("fuzz", "redact_url", 1)


@FUZZ
@given(text=st.text(max_size=80))
def test_redact_url_never_raises(text: str) -> None:
    assert isinstance(redact_url(text), str)

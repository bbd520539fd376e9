"""The error hierarchy and the one parser for every documented error-body shape."""

from __future__ import annotations

import importlib
import pkgutil

import pytest

from contactflow_automizy import errors
from contactflow_automizy.errors import parse_error_body, status_error


@pytest.mark.parametrize(
    ("body", "message", "fields", "logref"),
    [
        # Contactflow {message, logref, errors}
        (
            b'{"message": "Invalid node", "logref": "abc-1", "errors": ["node is disabled"]}',
            "Invalid node",
            [(None, "node is disabled")],
            "abc-1",
        ),
        # Automizy {errors: [{field: msg}]}
        (
            b'{"errors": [{"emailAddress": "\\"emailAddress\\" is required"}]}',
            '"emailAddress" is required',
            [("emailAddress", '"emailAddress" is required')],
            None,
        ),
        # Automizy {errors: [{field, message}]}
        (
            b'{"errors": [{"field": "id", "message": "\\"id\\" must be a number"}]}',
            '"id" must be a number',
            [("id", '"id" must be a number')],
            None,
        ),
        # Automizy {message, path}
        (
            b'{"message": "Contact not exist", "path": "https://x/contact/1"}',
            "Contact not exist",
            [],
            None,
        ),
        # Automizy {error, id}
        (b'{"error": "Contact not exist", "id": 123}', "Contact not exist", [], None),
        # Automizy multiple keyed errors in one list
        (
            b'{"errors": [{"id": "bad id"}, {"tagNameList": "must be an array"}]}',
            "bad id",
            [("id", "bad id"), ("tagNameList", "must be an array")],
            None,
        ),
        # plain text, HTML, empty, JSON string
        (b"Internal server error", "Internal server error", [], None),
        (b"<html><head><title>502 Bad Gateway</title></head></html>", "502 Bad Gateway", [], None),
        (b"", None, [], None),
        (b'"just a string"', "just a string", [], None),
    ],
)
def test_every_documented_shape_parses(
    body: bytes, message: str | None, fields: list[tuple[str | None, str]], logref: str | None
) -> None:
    assert parse_error_body(body) == (message, fields, logref)


def test_html_without_title_is_stripped_of_tags() -> None:
    message, _, _ = parse_error_body(b"<p>Service <b>down</b></p>", "text/html")
    assert message == "Service down"


def test_huge_body_message_is_clipped() -> None:
    message, _, _ = parse_error_body(b"x" * 100_000)
    assert message is not None and len(message) <= 500


@pytest.mark.parametrize(
    ("status", "cls"),
    [
        (400, errors.BadRequestError),
        (401, errors.AuthenticationError),
        (403, errors.PermissionDeniedError),
        (404, errors.NotFoundError),
        (409, errors.ConflictError),
        (422, errors.UnprocessableEntityError),
        (429, errors.RateLimitError),
        (500, errors.InternalServerError),
        (503, errors.InternalServerError),
        (418, errors.APIStatusError),
    ],
)
def test_status_picks_the_subclass(status: int, cls: type[errors.APIStatusError]) -> None:
    err = status_error(status, b"{}", method="GET", url="https://h/x", headers={})
    assert type(err) is cls
    assert isinstance(err, errors.ContactflowAutomizyError)
    assert err.status == status


def test_status_error_carries_request_and_redacts_the_url() -> None:
    err = status_error(
        422,
        b'{"errors": [{"field": "name", "message": "is required"}]}',
        method="POST",
        url="https://user:pw@h/x?api_key=SECRET&page=2",
        headers={"Content-Type": "application/json"},
        attempts=3,
    )
    text = str(err)
    assert "SECRET" not in text and "pw" not in text
    assert "page=2" in text
    assert "422 POST" in text and "name: is required" in text and "after 3 attempts" in text
    assert err.field_errors == [("name", "is required")]


def test_rate_limit_error_keeps_retry_after() -> None:
    err = status_error(429, b"", method="GET", url="https://h", headers={}, retry_after=7.0)
    assert isinstance(err, errors.RateLimitError)
    assert err.retry_after == 7.0
    assert err.message == "HTTP 429"


def test_configuration_error_is_a_value_error() -> None:
    assert issubclass(errors.ConfigurationError, ValueError)
    assert issubclass(errors.APITimeoutError, errors.APIConnectionError)


def test_an_empty_field_message_never_becomes_the_message() -> None:
    # found by the fuzz suite: {"errors": [{"field": null, "message": ""}]}
    assert parse_error_body(b'{"errors": [{"field": null, "message": ""}]}')[0] is None
    assert parse_error_body(b'{"errors": [{"a": ""}, {"b": "second"}]}')[0] == "second"


def every_sdk_error_class() -> set[type[errors.ContactflowAutomizyError]]:
    """Every SDK exception class, found by importing every module of the package."""
    import contactflow_automizy

    for info in pkgutil.walk_packages(contactflow_automizy.__path__, "contactflow_automizy."):
        if not info.name.endswith(".__main__"):  # importing it runs the CLI
            importlib.import_module(info.name)
    found: set[type[errors.ContactflowAutomizyError]] = set()
    pending = [errors.ContactflowAutomizyError]
    while pending:
        cls = pending.pop()
        found.add(cls)
        pending.extend(cls.__subclasses__())
    return {cls for cls in found if not cls.__module__.startswith("tests")}


def test_every_exception_class_is_importable_from_errors() -> None:
    """Before, ResponseFormatError lived in _converter and ReportError in _download."""
    classes = every_sdk_error_class()
    assert {"ResponseFormatError", "ReportError"} <= {cls.__name__ for cls in classes}
    for cls in classes:
        assert getattr(errors, cls.__name__) is cls
        assert cls.__name__ in errors.__all__

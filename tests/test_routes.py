"""Route templates: typed path parameters encoded as one segment; query encoding."""

from __future__ import annotations

import enum
import uuid
from datetime import UTC, datetime

import pytest

from contactflow_automizy import ConfigurationError
from contactflow_automizy._routes import Route, encode_query, path_segment

U = "095be615-a8ad-4c33-8e9c-c7612fbf6c9f"


def test_uuid_param() -> None:
    route = Route("GET", "/nodes/{nodeUuid:uuid}")
    assert route.path(nodeUuid=U) == f"/nodes/{U}"
    assert route.path(nodeUuid=uuid.UUID(U)) == f"/nodes/{U}"
    assert route.path(nodeUuid=U.upper()) == f"/nodes/{U}"
    for bad in ("../nodes", "%2e%2e", U + "/", U[:-1], "", 5, None):
        with pytest.raises(ConfigurationError):
            route.path(nodeUuid=bad)


def test_str_params_are_one_encoded_segment() -> None:
    assert path_segment("x", "str", "a/b?c#d e") == "a%2Fb%3Fc%23d%20e"
    assert path_segment("x", "str", "%2e%2e") == "%252e%252e"
    for bad in (".", "..", "", "a\r\nb", None, True):
        with pytest.raises(ConfigurationError):
            path_segment("x", "str", bad)


def test_integer_kinds() -> None:
    assert path_segment("id", "id", 7) == "7"
    assert path_segment("n", "int", 0) == "0"
    for bad in (0, -1, True, "7", 2.0):
        with pytest.raises(ConfigurationError):
            path_segment("id", "id", bad)


def test_missing_param_and_unknown_kind() -> None:
    with pytest.raises(ConfigurationError, match="stepUuid"):
        Route("GET", "/a/{automationUuid:uuid}/s/{stepUuid:uuid}").path(automationUuid=U)
    with pytest.raises(ValueError):
        Route("GET", "/a/{x:float}").path(x=1)


class Color(enum.StrEnum):
    RED = "RED"


def test_query_encoding() -> None:
    when = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
    assert encode_query(
        {
            "status": ["RUNNING", Color.RED],
            "hasTrigger": False,
            "createdAfter": when,
            "name": None,
            "size": 20,
            "Category": "INTEGRATION",
        }
    ) == [
        ("status", "RUNNING"),
        ("status", "RED"),
        ("hasTrigger", "false"),
        ("createdAfter", "2024-05-01T12:00:00+00:00"),
        ("size", "20"),
        ("Category", "INTEGRATION"),
    ]
    assert encode_query({"d": datetime(2024, 5, 1)}) == [("d", "2024-05-01T00:00:00+00:00")]
    with pytest.raises(ConfigurationError):
        encode_query({"x": object()})

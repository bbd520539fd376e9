"""Every model class, fuzzed: wire round-trips are exact, and no response shape breaks parsing.

The classes are discovered (every ``Model`` subclass defined in
``contactflow/models.py`` and ``automizy/models.py``), and their strategies are
built from the attrs fields' resolved types, so a model added later is
fuzzed without touching this file.  Date-times are aware (any fixed offset),
enum fields take members *and* unknown strings (which must stay strings),
free-form fields take any JSON value, and ``extra`` takes unknown keys.
"""

from __future__ import annotations

import enum
import inspect
import types
import typing
from datetime import datetime, timedelta, timezone
from typing import Any

import attrs
import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from contactflow_automizy._converter import (
    Model,
    ResponseFormatError,
    structure,
    structurer,
    unstructure,
    wire_name,
)
from contactflow_automizy.automizy import models as automizy_models
from contactflow_automizy.contactflow import models as contactflow_models
from tests.reliability.conftest import count, fuzz


def _discover() -> list[type[Model]]:
    found: list[type[Model]] = []
    for module in (contactflow_models, automizy_models):
        for _, obj in inspect.getmembers(module, inspect.isclass):
            if issubclass(obj, Model) and obj is not Model and obj.__module__ == module.__name__:
                attrs.resolve_types(obj)
                found.append(obj)
    return found


MODELS = _discover()


def test_every_model_is_discovered() -> None:
    names = {cls.__name__ for cls in MODELS}
    assert len(MODELS) >= 35
    assert {"Automation", "Customer", "Token", "Contact", "ImportProcess", "Criterion"} <= names


# -- strategies -------------------------------------------------------------------

INT64 = st.integers(min_value=-(2**63), max_value=2**63 - 1)
FLOATS = st.floats(allow_nan=False, allow_infinity=False)
TEXT = st.text(max_size=40)
JSON: st.SearchStrategy[Any] = st.recursive(
    st.none() | st.booleans() | INT64 | FLOATS | TEXT,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT, inner, max_size=3),
    max_leaves=6,
)
#: Whole-minute UTC offsets: what ISO-8601 / RFC 3339 timestamps carry.
OFFSETS = st.builds(
    lambda minutes: timezone(timedelta(minutes=minutes)), st.integers(-23 * 60 - 59, 23 * 60 + 59)
)
AWARE = st.datetimes(
    min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30), timezones=OFFSETS
)
POSITIVE_ID = st.integers(min_value=1, max_value=2**53)


def for_type(tp: Any) -> st.SearchStrategy[Any]:
    """A strategy of wire-valid values of annotation ``tp``."""
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if tp is Any:
        return JSON
    if origin in (typing.Union, types.UnionType):
        return st.one_of(*(for_type(a) for a in args))
    if tp is type(None):
        return st.none()
    if tp is bool:
        return st.booleans()
    if tp is int:
        return INT64
    if tp is float:
        return FLOATS
    if tp is str:
        return TEXT
    if tp is datetime:
        return AWARE
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        # Members, and values newer than the SDK (which must stay plain strings).
        return st.sampled_from(list(tp)) | st.text(
            alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ_", max_size=12
        )
    if origin is list:
        return st.lists(for_type(args[0]), max_size=3)
    if origin is dict:
        return st.dictionaries(TEXT, JSON, max_size=4)
    if isinstance(tp, type) and issubclass(tp, Model):
        return for_model(tp)
    raise AssertionError(f"no strategy for {tp!r}: extend for_type()")


def _field_strategy(cls: type[Model], field: attrs.Attribute[Any]) -> st.SearchStrategy[Any]:
    if field.validator is not None and field.name.endswith("id"):
        return st.none() | POSITIVE_ID  # the request models' positive-id validators
    return for_type(field.type)


def for_model(cls: type[Model]) -> st.SearchStrategy[Any]:
    fields = [f for f in attrs.fields(cls) if f.name != "extra"]
    known = {wire_name(f) for f in fields}
    extra = st.dictionaries(TEXT.filter(lambda k: k not in known), JSON, max_size=3)
    kwargs = {f.name: _field_strategy(cls, f) for f in fields}
    return st.builds(cls, extra=extra, **kwargs)


# -- properties -------------------------------------------------------------------


@pytest.mark.parametrize("cls", MODELS, ids=lambda c: c.__name__)
@fuzz(60)
@given(data=st.data())
def test_wire_round_trip(cls: type[Model], data: st.DataObject) -> None:
    """model -> wire dict -> JSON bytes -> wire dict -> model gives the same model."""
    obj = data.draw(for_model(cls))
    wire = unstructure(obj)
    assert isinstance(wire, dict)
    assert all(isinstance(k, str) for k in wire)
    decoded = orjson.loads(orjson.dumps(wire))
    again = structure(decoded, cls)
    assert again == obj
    assert again.extra == obj.extra
    assert structurer(cls)(decoded) == obj
    assert cls.from_dict(decoded).to_dict() == decoded
    count("fuzz", "model_round_trips", 1)


def _shapes(cls: type[Model]) -> st.SearchStrategy[Any]:
    names = [wire_name(f) for f in attrs.fields(cls) if f.name != "extra"]
    known = st.fixed_dictionaries({}, optional=dict.fromkeys(names, JSON))
    return JSON | known


@pytest.mark.parametrize("cls", MODELS, ids=lambda c: c.__name__)
@fuzz(40)
@given(data=st.data())
def test_any_response_shape_parses_or_says_why(cls: type[Model], data: st.DataObject) -> None:
    """Any JSON value, or the known wire names filled with any JSON values: a model or a
    ResponseFormatError, never another exception (unknown fields never break parsing)."""
    body = data.draw(_shapes(cls))
    try:
        obj = structure(body, cls)
    except ResponseFormatError as exc:
        assert str(exc)
        count("fuzz", "model_shapes_refused", 1)
    else:
        assert isinstance(obj, cls)
        count("fuzz", "model_shapes_parsed", 1)

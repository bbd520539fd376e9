"""The one cattrs converter for both APIs, and the ``Model`` base every model extends.

Decisions kept here, in one place:

* wire names are camelCase derived from the snake_case attribute, unless a
  field says otherwise with ``metadata={"wire": "Name"}``;
* unknown response fields never break parsing: they land in ``model.extra``
  and are sent back unchanged when the model is serialised again;
* ``None`` attributes are not sent, so a model doubles as a partial update;
* date-times parse to aware ``datetime`` (a naive value is taken as UTC);
* an enum value this SDK does not know yet stays a plain ``str``;
* primitives are trusted as sent (no per-field coercion on the hot path); a
  body that is not an object where a model is expected is a
  :class:`ResponseFormatError`.

Hooks are generated once per class by cattrs and cached, which keeps
structuring within a small factor of parsing the JSON itself.
"""

from __future__ import annotations

import enum
import types
import typing
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any, TypeVar, cast

import attrs
import cattrs
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override

from contactflow_automizy.errors import ContactflowAutomizyError

__all__ = [
    "Model",
    "ResponseFormatError",
    "converter",
    "structure",
    "structurer",
    "to_camel",
    "unstructure",
]

M = TypeVar("M")


class ResponseFormatError(ContactflowAutomizyError):
    """A 2xx answer whose body does not have the documented shape."""


@attrs.define(kw_only=True)
class Model:
    """Base of every API model: keeps fields this SDK does not know in ``extra``."""

    extra: dict[str, Any] = attrs.field(factory=dict, repr=False)

    @classmethod
    def from_dict(cls: type[M], data: Mapping[str, Any]) -> M:
        """Build from a wire-format (camelCase) mapping."""
        return structure(data, cls)

    def to_dict(self) -> dict[str, Any]:
        """The wire-format (camelCase) mapping, without ``None`` fields."""
        result: dict[str, Any] = converter.unstructure(self)
        return result


def to_camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def wire_name(attribute: attrs.Attribute[Any]) -> str:
    return str(attribute.metadata.get("wire") or to_camel(attribute.name))


converter = cattrs.Converter(detailed_validation=False, forbid_extra_keys=False)


def _identity(value: Any, _: Any = None) -> Any:
    return value


# Exact matches only: a StrEnum is a str subclass and must reach the enum hook.
_PASSTHROUGH = (str, int, float, bool, dict[str, Any], list[Any], list[dict[str, Any]], Any)
_NONE = type(None)
_UNION = type(typing.Optional[int])  # noqa: UP045 - the typing.Union form, as cattrs may pass it


def _is_passthrough(t: Any) -> bool:
    """Exact passthrough types, and ``X | None`` of them (None passes through too)."""
    if t in _PASSTHROUGH:
        return True
    args = getattr(t, "__args__", None)
    if args and len(args) == 2 and _NONE in args and type(t) in (types.UnionType, _UNION):
        return (args[0] if args[1] is _NONE else args[1]) in _PASSTHROUGH
    return False


converter.register_structure_hook_func(_is_passthrough, _identity)


def _structure_datetime(value: Any, _: Any) -> datetime | Any:
    if isinstance(value, datetime):
        parsed = value
    else:
        try:
            parsed = datetime.fromisoformat(value)
        except (TypeError, ValueError):
            return value  # keep what the server sent rather than fail the whole page
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def _unstructure_datetime(value: datetime) -> str:
    return (value if value.tzinfo is not None else value.replace(tzinfo=UTC)).isoformat()


converter.register_structure_hook(datetime, _structure_datetime)
converter.register_unstructure_hook(datetime, _unstructure_datetime)


def _structure_enum(value: Any, cls: type[enum.Enum]) -> Any:
    try:
        return cls(value)
    except ValueError:
        return value  # a value newer than this SDK: keep it as sent


# Registered by class so a StrEnum finds this hook before cattrs' own one for ``str``.
converter.register_structure_hook(enum.StrEnum, _structure_enum)
converter.register_structure_hook(enum.Enum, _structure_enum)


def _model_structure(cls: type[Model]) -> Callable[[Any, Any], Model]:
    fields = [a for a in attrs.fields(cls) if a.name != "extra"]
    renames = {a.name: override(rename=wire_name(a)) for a in fields}
    generated = make_dict_structure_fn(
        cls,
        converter,
        _cattrs_forbid_extra_keys=False,
        _cattrs_detailed_validation=False,
        extra=override(omit=True),
        **cast(dict[str, Any], renames),
    )
    known = frozenset(wire_name(a) for a in fields)

    def structure_model(data: Any, _: Any) -> Model:
        if not isinstance(data, Mapping):
            raise ResponseFormatError(
                f"expected a JSON object for {cls.__name__}, got {type(data).__name__}"
            )
        obj = generated(data, cls)
        unknown = data.keys() - known
        if unknown:
            obj.extra = {key: data[key] for key in unknown}
        return obj

    return structure_model


def _model_unstructure(cls: type[Model]) -> Callable[[Model], dict[str, Any]]:
    fields = [a for a in attrs.fields(cls) if a.name != "extra"]
    generated = make_dict_unstructure_fn(
        cls,
        converter,
        _cattrs_omit_if_default=True,
        extra=override(omit=True),
        **cast(dict[str, Any], {a.name: override(rename=wire_name(a)) for a in fields}),
    )

    def unstructure_model(obj: Model) -> dict[str, Any]:
        data: dict[str, Any] = generated(obj)
        if obj.extra:
            return {**obj.extra, **data}
        return data

    return unstructure_model


def _is_model(t: Any) -> bool:
    return isinstance(t, type) and issubclass(t, Model)


converter.register_structure_hook_factory(_is_model, _model_structure)
converter.register_unstructure_hook_factory(_is_model, _model_unstructure)


def structure(data: Any, cls: type[M]) -> M:
    """Wire data to ``cls``; shape mismatches become :class:`ResponseFormatError`."""
    try:
        return converter.structure(data, cls)
    except ResponseFormatError:
        raise
    except (TypeError, ValueError, KeyError, AttributeError) as exc:
        name = getattr(cls, "__name__", str(cls))
        raise ResponseFormatError(f"unexpected data for {name}: {exc}") from exc


def structurer(cls: type[M]) -> Callable[[Any], M]:
    """A one-argument structuring function for ``cls``, its hook looked up once (hot paths)."""
    hook = converter.get_structure_hook(cls)

    def structure_one(data: Any) -> M:
        try:
            return hook(data, cls)  # type: ignore[no-any-return]
        except ResponseFormatError:
            raise
        except (TypeError, ValueError, KeyError, AttributeError) as exc:
            raise ResponseFormatError(f"unexpected data for {cls.__name__}: {exc}") from exc

    return structure_one


def unstructure(obj: Any) -> Any:
    """A model (or list/dict of them) to wire data."""
    return converter.unstructure(obj)

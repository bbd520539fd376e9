"""The one cattrs converter for both APIs, and the ``Model`` base every model extends.

Decisions kept here, in one place:

* wire names are camelCase derived from the snake_case attribute, unless a
  field says otherwise with ``metadata={"wire": "Name"}``;
* unknown response fields never break parsing: they land in ``model.extra``
  and are sent back unchanged when the model is serialised again;
* ``None`` attributes are not sent, so a model doubles as a partial update;
* date-times parse to aware ``datetime`` (a naive value is taken as UTC);
* an enum value this SDK does not know yet stays a plain ``str``; enums are
  sent (and returned by ``to_dict()``) as their plain values;
* primitives are trusted as sent (no per-field coercion on the hot path); a
  body that is not an object where a model is expected is a
  :class:`ResponseFormatError`.

Model structuring code is generated once per class (see ``_model_structure``):
one constructor call, date-times and enums converted inline, no per-field
dispatch, which keeps it as fast as pydantic's compiled validators.
"""

from __future__ import annotations

import enum
import functools
import linecache
import types
import typing
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any, TypedDict, TypeVar, cast

import attrs
import cattrs
from cattrs.gen import make_dict_unstructure_fn, override

from contactflow_automizy.errors import ResponseFormatError

__all__ = [
    "Model",
    "ModelFields",
    "converter",
    "structure",
    "structurer",
    "to_camel",
    "unstructure",
]

M = TypeVar("M")


@attrs.define(kw_only=True)
class Model:
    """Base of every API model: keeps fields this SDK does not know in ``extra``.

    ``to_dict()`` / ``from_dict()`` are the way in and out of plain data (a web
    framework's response, a cache, a queue message): attrs models use
    ``__slots__``, which generic encoders such as FastAPI's ``jsonable_encoder``
    cannot read.
    """

    extra: dict[str, Any] = attrs.field(factory=dict, repr=False)

    @classmethod
    def from_dict(cls: type[M], data: Mapping[str, Any]) -> M:
        """Build from wire-format data, as :meth:`to_dict` gives it or the API sends it.

        camelCase keys; ISO-8601 date-times; enum values (an unknown one stays
        a ``str``); unknown keys land in ``extra``.  Data of the wrong shape is
        a :class:`ResponseFormatError`.
        """
        return structure(data, cls)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data in the API's wire format.

        camelCase keys, date-times as ISO-8601 strings with their offset,
        enums as their ``str`` values, nested models as dicts, ``extra``
        merged back in; ``None`` fields are left out.  Only ``dict``, ``list``,
        ``str``, numbers and booleans remain (unless ``extra`` or a free-form
        field holds something else), so ``json.dumps`` takes it as it is;
        ``from_dict`` reads it back into an equal model (a naive date-time
        comes back as UTC).
        """
        result: dict[str, Any] = converter.unstructure(self)
        return result


class ModelFields(TypedDict, total=False):
    """Keyword fields every model takes: the base of the ``**fields`` bodies' ``TypedDict``s."""

    extra: dict[str, Any]


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


def _to_datetime(value: Any) -> datetime | Any:
    """An aware datetime; ``None`` and unparsable values are kept as sent."""
    if value.__class__ is str:
        try:
            parsed = _fromisoformat(value)
        except ValueError:
            return value  # keep what the server sent rather than fail the whole page
    elif isinstance(value, datetime):
        parsed = value
    else:
        return value
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


_fromisoformat = datetime.fromisoformat


def _structure_datetime(value: Any, _: Any) -> datetime | Any:
    return _to_datetime(value)


def _unstructure_datetime(value: datetime) -> str:
    return (value if value.tzinfo is not None else value.replace(tzinfo=UTC)).isoformat()


converter.register_structure_hook(datetime, _structure_datetime)
converter.register_unstructure_hook(datetime, _unstructure_datetime)


def _unstructure_enum(value: Any) -> Any:
    """An enum member's value; a plain ``str`` (a value newer than this SDK) as it is."""
    return value.value if isinstance(value, enum.Enum) else value


def _structure_enum(value: Any, cls: type[enum.Enum]) -> Any:
    try:
        return cls(value)
    except ValueError:
        return value  # a value newer than this SDK: keep it as sent


# Registered by class so a StrEnum finds these hooks before cattrs' own ones for ``str``.
converter.register_structure_hook(enum.StrEnum, _structure_enum)
converter.register_structure_hook(enum.Enum, _structure_enum)
converter.register_unstructure_hook(enum.StrEnum, _unstructure_enum)
converter.register_unstructure_hook(enum.Enum, _unstructure_enum)


def _lazy_hook(t: Any) -> Callable[[Any], Any]:
    """The converter's hook for ``t``, looked up on first use (models may nest each other)."""
    hook: Callable[[Any, Any], Any] | None = None

    def read(value: Any) -> Any:
        nonlocal hook
        if hook is None:
            hook = converter.get_structure_hook(t)
        return hook(value, t)

    return read


def _optional_of(t: Any) -> Any:
    """``X`` for ``X | None``, else ``t`` itself."""
    args = getattr(t, "__args__", None)
    if args and len(args) == 2 and _NONE in args and type(t) in (types.UnionType, _UNION):
        return args[0] if args[1] is _NONE else args[1]
    return t


def _enum_of(t: Any) -> type[enum.Enum] | None:
    inner = _optional_of(t)
    return inner if isinstance(inner, type) and issubclass(inner, enum.Enum) else None


def _reader(t: Any) -> Callable[[Any], Any] | None:
    """How one field's wire value becomes its attribute; ``None`` means as sent."""
    if _is_passthrough(t):
        return None
    if _optional_of(t) is datetime:
        return _to_datetime  # None is kept as sent, as for a bad value
    if (enum_cls := _enum_of(t)) is not None:
        return functools.partial(_structure_enum, cls=enum_cls)
    return _lazy_hook(t)


# Inline forms of ``_to_datetime`` and ``_structure_enum`` for the common field
# (default ``None``): no function call for a value that is absent or valid.
_DATETIME_FIELD = """\
    {var} = get({wire!r})
    if {var}.__class__ is str:
        try:
            {var} = fromisoformat({var})
        except ValueError:
            pass  # kept as sent
        else:
            if {var}.tzinfo is None:
                {var} = {var}.replace(tzinfo=UTC)
    elif {var} is not None:
        {var} = {read}({var})
"""
_ENUM_FIELD = """\
    {var} = get({wire!r})
    if {var} is not None:
        try:
            {var} = {members}[{var}]
        except (KeyError, TypeError):  # unknown, or not hashable
            {var} = {read}({var})
"""


def _model_structure(cls: type[Model]) -> Callable[[Any, Any], Model]:
    """Generated code per model: one constructor call with plain keywords, no per-field dispatch.

    A field whose default is ``None`` is read with ``get`` (absent and
    ``null`` mean the same; date-times and enums are converted inline); one
    with another default gets it when absent; a required one is read with
    ``o[...]`` (a missing one is a ``KeyError``, reported by
    :func:`structure`).  Unknown keys are looked for with one C-level
    ``issuperset`` and only collected when there are some.
    """
    fields = [a for a in attrs.fields(attrs.resolve_types(cls)) if a.name != "extra"]
    known = frozenset(wire_name(a) for a in fields)
    scope: dict[str, Any] = {
        "cls": cls,
        "Mapping": Mapping,
        "known_superset": known.issuperset,
        "known": known,
        "bad_shape": _bad_shape,
        "fromisoformat": _fromisoformat,
        "UTC": UTC,
    }
    statements: list[str] = []
    args: list[str] = []
    for a in fields:
        wire = wire_name(a)
        reader = _reader(a.type)
        read = f"read_{a.name}"
        scope[read] = reader
        if a.default is None and reader is _to_datetime:
            statements.append(_DATETIME_FIELD.format(var=f"v_{a.name}", wire=wire, read=read))
            value = f"v_{a.name}"
        elif a.default is None and (enum_cls := _enum_of(a.type)) is not None:
            members = f"members_{a.name}"
            scope[members] = {member.value: member for member in enum_cls}
            statements.append(
                _ENUM_FIELD.format(var=f"v_{a.name}", wire=wire, read=read, members=members)
            )
            value = f"v_{a.name}"
        else:
            call = "{}" if reader is None else f"{read}({{}})"
            if a.default is None:
                value = call.format(f"get({wire!r})")
            elif a.default is attrs.NOTHING:
                value = call.format(f"o[{wire!r}]")
            else:
                value = f"{call.format(f'o[{wire!r}]')} if {wire!r} in o else default_{a.name}"
                if isinstance(a.default, attrs.Factory):  # type: ignore[arg-type]
                    if a.default.takes_self:
                        raise TypeError(f"{cls.__name__}.{a.name}: takes_self is unsupported")
                    scope[f"default_{a.name}"] = a.default.factory
                    value += "()"
                else:
                    scope[f"default_{a.name}"] = a.default
        args.append(f"        {a.name}={value},")
    source = "\n".join(
        [
            "def structure_model(o, _=None):",
            "    if o.__class__ is not dict and not isinstance(o, Mapping):",
            "        raise bad_shape(cls, o)",
            "    get = o.get",
            "    extra = {}",
            "    if not known_superset(o):",
            "        for key in o.keys() - known:",
            "            extra[key] = o[key]",
            *(line for statement in statements for line in statement.splitlines()),
            "    return cls(",
            *args,
            "        extra=extra,",
            "    )",
            "",
        ]
    )
    filename = f"<contactflow_automizy structure {cls.__module__}.{cls.__qualname__}>"
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    exec(compile(source, filename, "exec"), scope)  # our own code, from attrs fields
    return cast(Callable[[Any, Any], Model], scope["structure_model"])


def _bad_shape(cls: type, data: Any) -> ResponseFormatError:
    return ResponseFormatError(
        f"expected a JSON object for {cls.__name__}, got {type(data).__name__}"
    )


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
        raise format_error(cls, exc) from exc


def format_error(cls: Any, exc: Exception) -> ResponseFormatError:
    """The error for wire data that does not fit ``cls``."""
    name = getattr(cls, "__name__", str(cls))
    return ResponseFormatError(f"unexpected data for {name}: {exc}")


#: The converter's hook per class, looked up once: hot paths call it directly,
#: ``hook(data, cls)``, with no dispatch (see :func:`structure_hook`).
STRUCTURE_HOOKS: dict[Any, Callable[[Any, Any], Any]] = {}


def structure_hook(cls: Any) -> Callable[[Any, Any], Any]:
    """The generated structuring hook of ``cls``, kept in :data:`STRUCTURE_HOOKS`.

    A caller wraps ``TypeError``/``ValueError``/``KeyError``/``AttributeError``
    in :func:`format_error`, as :func:`structure` does.
    """
    hook = STRUCTURE_HOOKS[cls] = converter.get_structure_hook(cls)
    return hook


def structurer(cls: type[M]) -> Callable[[Any], M]:
    """A one-argument structuring function for ``cls``, its hook looked up once (hot paths)."""
    hook = STRUCTURE_HOOKS.get(cls) or structure_hook(cls)

    def structure_one(data: Any) -> M:
        try:
            return hook(data, cls)  # type: ignore[no-any-return]
        except (TypeError, ValueError, KeyError, AttributeError) as exc:
            raise format_error(cls, exc) from exc

    return structure_one


def unstructure(obj: Any) -> Any:
    """A model (or list/dict of them) to wire data."""
    return converter.unstructure(obj)

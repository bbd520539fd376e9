"""Building the ``criterion`` of a contact search without hand-nesting lists.

The seed gives ``criterion`` only as a shape, ``[[{}, {}], [{}, {}]]``, and one
example: a single inner list holding "imported by import 456" and "field 3 is
Programmer", which reads as one conjunction.  We take the usual normal form:
conditions **within** an inner list are ANDed, inner lists are ORed.

* ``all_of(a, b)`` is one group: ``a AND b``;
* ``any_of(all_of(a, b), c)`` is ``(a AND b) OR c``;
* ``search_contacts`` accepts either, a single criterion, or raw nested lists.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, TypeAlias

from contactflow_automizy.automizy.models import Criterion
from contactflow_automizy.errors import ConfigurationError, ResponseFormatError

__all__ = ["CriterionInput", "CriterionLike", "all_of", "any_of", "criterion_groups"]

CriterionLike: TypeAlias = Criterion | Mapping[str, Any]
CriterionInput: TypeAlias = CriterionLike | Iterable[CriterionLike | Iterable[CriterionLike]]


def _is_one(item: object) -> bool:
    return isinstance(item, Criterion | Mapping)


def _criterion(item: object) -> Criterion:
    if isinstance(item, Criterion):
        return item
    if isinstance(item, Mapping):
        try:
            return Criterion.from_dict(item)
        except ResponseFormatError as exc:
            raise ConfigurationError(f"bad criterion {dict(item)!r}: {exc}") from None
    raise ConfigurationError(f"expected a Criterion or a mapping, got {type(item).__name__}")


def _iterable(item: object) -> Iterable[Any]:
    if isinstance(item, str | bytes) or not isinstance(item, Iterable):
        raise ConfigurationError(f"expected a criterion or a list of them, got {item!r}")
    return item


def all_of(*criteria: CriterionLike) -> list[Criterion]:
    """One group whose conditions must all hold."""
    return [_criterion(item) for item in criteria]


def any_of(*groups: CriterionLike | Iterable[CriterionLike]) -> list[list[Criterion]]:
    """Groups of which at least one must hold; a lone criterion is a group of one."""
    return [[_criterion(g)] if _is_one(g) else all_of(*_iterable(g)) for g in groups]


def criterion_groups(value: CriterionInput) -> list[list[Criterion]]:
    """The wire ``criterion`` from any accepted form; a flat list is one AND group."""
    if _is_one(value):
        return [[_criterion(value)]]
    items = list(_iterable(value))
    if all(_is_one(item) for item in items):
        return [all_of(*items)] if items else []
    if any(_is_one(item) for item in items):
        raise ConfigurationError(
            "criterion mixes single criteria and groups; use any_of(...) to combine them"
        )
    return any_of(*items)

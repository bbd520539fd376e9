"""Query filters: typed keyword arguments, checked and renamed to the seed's wire names.

Each filter set is declared twice, side by side: a ``TypedDict`` for type
checkers and IDEs (``**filters: Unpack[...]``; enum values as the enum or its
``Literal`` alias, so ``status=["RUNNIN"]`` is a type error) and a table of
runtime checks (a test keeps their keys equal).  Values are checked by
:mod:`contactflow_automizy._validate` before any request is sent (so a blank
text filter is refused: ``None`` means "no filter"); wire names are the
camelCase of the argument names.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Collection, Iterable, Mapping
from datetime import datetime
from typing import Any, TypedDict, TypeVar

from contactflow_automizy._converter import to_camel
from contactflow_automizy._validate import enum_member, instance_of, text, uuid_text
from contactflow_automizy.contactflow.models import (
    AggregatedTokenStatus,
    AggregatedTokenStatusName,
    AutomationCategory,
    AutomationCategoryName,
    AutomationStatus,
    AutomationStatusName,
    StepType,
    StepTypeName,
    TokenSort,
    TokenSortName,
)
from contactflow_automizy.errors import ConfigurationError

__all__ = [
    "AUTOMATION_FILTERS",
    "AUTOMATION_REPORT_FILTERS",
    "TOKEN_FILTERS",
    "TOKEN_REPORT_FILTERS",
    "AutomationFilters",
    "AutomationReportFilters",
    "TokenFilters",
    "TokenReportFilters",
    "to_query",
]

Check = Callable[[str, Any], Any]
E = TypeVar("E", bound=enum.Enum)


def _enum(cls: type[E], *, allowed: Collection[E] | None = None) -> Check:
    return lambda name, value: enum_member(name, cls, value, allowed=allowed)


def _enums(cls: type[E], *, allowed: Collection[E] | None = None) -> Check:
    """One value or several (any iterable); sent as a repeated key."""

    def check(name: str, value: Any) -> list[E]:
        values = [value] if isinstance(value, str | enum.Enum) else value
        if not isinstance(values, Iterable) or isinstance(values, Mapping):
            raise ConfigurationError(f"{name} must be a value or a list of values")
        return [enum_member(name, cls, v, allowed=allowed) for v in values]

    return check


def _without(cls: type[E], *excluded: E) -> tuple[E, ...]:
    return tuple(member for member in cls if member not in excluded)


#: Each operation's seed lists the enum values its filter takes, and some lists are
#: shorter than the enum: ``GET /automations`` has no ``TO_DELETE`` status, the
#: report no ``TO_ARCHIVE``/``TO_DELETE`` status and no ``WEBHOOK``/``TAG`` step
#: type.  Those values are refused before sending, as the API would refuse them.
_LISTED_STATUSES = _without(AutomationStatus, AutomationStatus.TO_DELETE)
_REPORTED_STATUSES = _without(
    AutomationStatus, AutomationStatus.TO_ARCHIVE, AutomationStatus.TO_DELETE
)
_REPORTED_STEP_TYPES = _without(StepType, StepType.WEBHOOK, StepType.TAG)


def _typed(*types: type) -> Check:
    return lambda name, value: instance_of(name, value, *types)


_when = _typed(datetime)
_flag = _typed(bool)


def to_query(checks: Mapping[str, Check], filters: Mapping[str, Any]) -> dict[str, Any]:
    """Check snake_case ``filters`` against ``checks``; return them by wire name (None dropped)."""
    unknown = filters.keys() - checks.keys()
    if unknown:
        raise ConfigurationError(
            f"unknown filter(s): {', '.join(sorted(unknown))}; "
            f"expected some of {', '.join(sorted(checks))}"
        )
    return {
        to_camel(name): checks[name](name, value)
        for name, value in filters.items()
        if value is not None
    }


class _AutomationCommon(TypedDict, total=False):
    name: str | None
    description: str | None
    status: (
        Iterable[AutomationStatus | AutomationStatusName]
        | AutomationStatus
        | AutomationStatusName
        | None
    )
    category: (
        Iterable[AutomationCategory | AutomationCategoryName]
        | AutomationCategory
        | AutomationCategoryName
        | None
    )
    start_date_before: datetime | None
    start_date_after: datetime | None
    end_date_before: datetime | None
    end_date_after: datetime | None
    created_before: datetime | None
    created_after: datetime | None
    step_type: StepType | StepTypeName | None
    has_trigger: bool | None


class AutomationFilters(_AutomationCommon, total=False):
    """Filters of ``list_automations``; ``style="compact"`` asks for shorter elements."""

    style: str | None


class AutomationReportFilters(_AutomationCommon, total=False):
    """Filters of the automations CSV report (``filename`` defaults to ``feedbacks``)."""

    automation_uuid: str | None
    filename: str | None


_AUTOMATION_COMMON: dict[str, Check] = {
    "name": text,
    "description": text,
    "category": _enums(AutomationCategory),
    "start_date_before": _when,
    "start_date_after": _when,
    "end_date_before": _when,
    "end_date_after": _when,
    "created_before": _when,
    "created_after": _when,
    "has_trigger": _flag,
}
AUTOMATION_FILTERS = {
    **_AUTOMATION_COMMON,
    "status": _enums(AutomationStatus, allowed=_LISTED_STATUSES),
    "step_type": _enum(StepType),
    "style": text,
}
AUTOMATION_REPORT_FILTERS = {
    **_AUTOMATION_COMMON,
    "status": _enums(AutomationStatus, allowed=_REPORTED_STATUSES),
    "step_type": _enum(StepType, allowed=_REPORTED_STEP_TYPES),
    "automation_uuid": uuid_text,
    "filename": text,
}


class _TokenCommon(TypedDict, total=False):
    automation_uuid: str | None
    step_uuid: str | None
    clab_uuid: str | None
    recipient: str | None
    aggregated_status: AggregatedTokenStatus | AggregatedTokenStatusName | None


class TokenFilters(_TokenCommon, total=False):
    """Filters of ``search_tokens``; ``style="compact"`` asks for shorter elements."""

    style: str | None
    sort: TokenSort | TokenSortName | None


class TokenReportFilters(_TokenCommon, total=False):
    """Filters of the tokens ZIP report (``filename`` defaults to ``automations-monitor``)."""

    filename: str | None


_TOKEN_COMMON: dict[str, Check] = {
    "automation_uuid": uuid_text,
    "step_uuid": uuid_text,
    "clab_uuid": text,
    "recipient": text,
    "aggregated_status": _enum(AggregatedTokenStatus),
}
TOKEN_FILTERS = {**_TOKEN_COMMON, "style": text, "sort": _enum(TokenSort)}
TOKEN_REPORT_FILTERS = {**_TOKEN_COMMON, "filename": text}

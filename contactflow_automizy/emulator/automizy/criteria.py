"""What a contact search (``POST .../contact/criterion``) keeps: a scope, then criteria
in disjunctive normal form.  (The route's handler is in :mod:`.contacts`, as in the SDK.)

The seed shows the shapes but not the logic; the emulator decides:

* ``scope.listId`` keeps the list's contacts (an unknown list is a 404);
  ``scope.contactStatus`` keeps that status; ``scope.search {operator, value}``
  keeps contacts whose e-mail address or any field value satisfies it
  (operator ``IN`` if omitted).
* ``criterion`` is a list of groups: a contact matches when **any** group
  matches (OR), and a group matches when **all** its conditions do (AND).  No
  criterion (or ``[]``) keeps everyone in scope.
* A condition is ``{type, operator, value}``: ``FIELD`` (with ``fieldId``),
  ``EMAIL`` and ``STATUS`` compare text; ``TAG``, ``LIST`` and ``IMPORT`` test
  membership of the id in ``value``.
* Text operators (case-insensitive): ``IS``/``EQ``, ``IS_NOT``/``NEQ``,
  ``IN`` (contains), ``NOT_IN``, ``STARTS_WITH``, ``ENDS_WITH``,
  ``GT``/``GTE``/``LT``/``LTE`` (numeric when both sides are numbers), ``EMPTY``,
  ``NOT_EMPTY``.  Membership operators: ``IS``/``EQ``/``IN`` (member) and
  ``IS_NOT``/``NEQ``/``NOT_IN`` (not a member).  Anything else is a 422.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterator
from typing import Any

from contactflow_automizy.emulator.api import Call
from contactflow_automizy.emulator.automizy.common import invalid, path_error
from contactflow_automizy.emulator.state import Contact

__all__ = ["condition", "matching"]

Predicate = Callable[[Contact], bool]
#: The keys the seed shows for a scope, its search and a condition.
SCOPE = ("listId", "search", "contactStatus")
SEARCH = ("operator", "value")
CONDITION = ("type", "operator", "value", "fieldId")
TextTest = Callable[[str | None, str], bool]


def _ordered(compare: Callable[[Any, Any], bool]) -> TextTest:
    def test(actual: str | None, wanted: str) -> bool:
        if actual is None:
            return False
        try:
            return compare(float(actual), float(wanted))
        except ValueError:
            return compare(actual.lower(), wanted.lower())

    return test


def _is(actual: str | None, wanted: str) -> bool:
    return actual is not None and actual.lower() == wanted.lower()


def _contains(actual: str | None, wanted: str) -> bool:
    return actual is not None and wanted.lower() in actual.lower()


TEXT_OPERATORS: dict[str, TextTest] = {
    "IS": _is,
    "EQ": _is,
    "IS_NOT": lambda a, w: not _is(a, w),
    "NEQ": lambda a, w: not _is(a, w),
    "IN": _contains,
    "NOT_IN": lambda a, w: not _contains(a, w),
    "STARTS_WITH": lambda a, w: a is not None and a.lower().startswith(w.lower()),
    "ENDS_WITH": lambda a, w: a is not None and a.lower().endswith(w.lower()),
    "GT": _ordered(operator.gt),
    "GTE": _ordered(operator.ge),
    "LT": _ordered(operator.lt),
    "LTE": _ordered(operator.le),
    "EMPTY": lambda a, w: not a,
    "NOT_EMPTY": lambda a, w: bool(a),
}
MEMBER_OPERATORS = {
    "IS": True,
    "EQ": True,
    "IN": True,
    "IS_NOT": False,
    "NEQ": False,
    "NOT_IN": False,
}
MEMBERSHIPS = {"TAG": "tags", "LIST": "lists", "IMPORT": "imports"}
TEXT_OF: dict[str, Callable[[Contact], str | None]] = {
    "EMAIL": lambda c: c.email,
    "STATUS": lambda c: c.status,
}


def _text_test(name: str) -> TextTest:
    test = TEXT_OPERATORS.get(name)
    if test is None:
        raise invalid([("operator", f'"operator" must be one of [{", ".join(TEXT_OPERATORS)}]')])
    return test


def condition(call: Call, raw: Any) -> Predicate:
    """One criterion condition as a predicate; a 422 if it makes no sense."""
    if not isinstance(raw, dict):
        raise invalid([("criterion", '"criterion" must be an array of arrays of conditions')])
    call.known_keys(raw, CONDITION, "criterion")
    state = call.state
    kind, name, value = raw.get("type"), raw.get("operator"), raw.get("value")
    if kind in MEMBERSHIPS:
        if name not in MEMBER_OPERATORS:
            raise invalid(
                [("operator", f'"operator" must be one of [{", ".join(MEMBER_OPERATORS)}]')]
            )
        if not isinstance(value, int) or isinstance(value, bool):
            raise invalid([("value", f'"value" must be the id of a {kind.lower()}')])
        attribute, positive = MEMBERSHIPS[kind], MEMBER_OPERATORS[name]
        return lambda c: (value in getattr(c, attribute)) is positive
    test, wanted = _text_test(str(name)), "" if value is None else str(value)
    if kind == "FIELD":
        field_id = raw.get("fieldId")
        if field_id not in state.fields:
            raise invalid([("fieldId", '"fieldId" must be the id of an existing field')])
        return lambda c: test(c.fields.get(field_id), wanted)
    text_of = TEXT_OF.get(str(kind))
    if text_of is None:
        kinds = [*MEMBERSHIPS, "FIELD", *TEXT_OF]
        raise invalid([("type", f'"type" must be one of [{", ".join(kinds)}]')])
    return lambda c: test(text_of(c), wanted)


def _scope(call: Call, scope: dict[str, Any]) -> tuple[list[Contact], Predicate]:
    """The contacts to look at, and the scope's own filter."""
    state = call.state
    list_id = scope.get("listId")
    if list_id is None:
        pool = list(state.contacts.values())
    elif (contact_list := state.lists.get(list_id)) is None:
        raise path_error(call, "Contact List not exist")
    else:
        pool = [state.contacts[i] for i in contact_list.members]
    status = scope.get("contactStatus")
    search = scope.get("search")
    if search is not None and not isinstance(search, dict):
        raise invalid([("scope", '"scope.search" must be an object')])
    if search:
        call.known_keys(search, SEARCH, "scope.search")
    test = _text_test(str(search.get("operator", "IN"))) if search else None
    wanted = str(search.get("value", "")) if search else ""

    def keep(c: Contact) -> bool:
        if status is not None and c.status != status:
            return False
        return (
            test is None or test(c.email, wanted) or any(test(v, wanted) for v in c.fields.values())
        )

    return pool, keep


def matching(call: Call, scope: Any, criterion: Any) -> Iterator[Contact]:
    """The contacts in ``scope`` that match ``criterion``; a 422 (or a 404 for an unknown
    list) is raised now, before the first contact is looked at."""
    if not isinstance(scope, dict):
        raise invalid([("scope", '"scope" must be an object')])
    call.known_keys(scope, SCOPE, "scope")
    pool, in_scope = _scope(call, scope)
    groups = []
    for group in criterion or ():
        if not isinstance(group, list):
            raise invalid([("criterion", '"criterion" must be an array of arrays of conditions')])
        groups.append([condition(call, raw) for raw in group])
    return (
        c
        for c in pool
        if in_scope(c) and (not groups or any(all(p(c) for p in group) for group in groups))
    )

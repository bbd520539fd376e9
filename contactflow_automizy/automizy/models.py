"""Automizy REST API models: attrs classes, snake_case, every field the seed shows.

Response fields are optional (the API omits what it likes); unknown fields are
kept in ``extra`` by the shared converter.  Request bodies whose every key the
seed marks required (:class:`ImportProcess`, :class:`ContactSearch`,
:class:`FieldMapping`) have no defaults, so the converter always sends them,
``false``, ``[]`` and ``null`` included.

Each enum has a ``Literal`` alias of its values beside it (``ContactStatusName``
for :class:`ContactStatus`), so arguments typed ``ContactStatus |
ContactStatusName`` take a member or its wire string and a type checker still
refuses a misspelt one; a test keeps each alias equal to its enum.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any, Literal, TypeAlias

import attrs

from contactflow_automizy._converter import Model
from contactflow_automizy._validate import positive_int


def _optional_id(_: Any, attribute: attrs.Attribute[Any], value: Any) -> None:
    """attrs validator for request models: an id, if given, is a positive integer."""
    if value is not None:
        positive_int(attribute.name, value)


class ContactStatus(enum.StrEnum):
    ACTIVE = "ACTIVE"
    UNSUBSCRIBED = "UNSUBSCRIBED"
    BOUNCED = "BOUNCED"


ContactStatusName: TypeAlias = Literal["ACTIVE", "UNSUBSCRIBED", "BOUNCED"]


class FieldType(enum.StrEnum):
    """Types a field can be created with; ``DEFAULT`` appears only on read (built-in fields)."""

    DATETIME = "DATETIME"
    STRING = "STRING"
    INTEGER = "INTEGER"
    HIDDEN = "HIDDEN"
    DEFAULT = "DEFAULT"


FieldTypeName: TypeAlias = Literal["DATETIME", "STRING", "INTEGER", "HIDDEN", "DEFAULT"]
#: The types ``create_field`` accepts: every one but ``DEFAULT``.
CreatableFieldTypeName: TypeAlias = Literal["DATETIME", "STRING", "INTEGER", "HIDDEN"]


@attrs.define(kw_only=True)
class Tag(Model):
    id: int | None = None
    name: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None


@attrs.define(kw_only=True)
class ListRef(Model):
    """A list a contact belongs to, as embedded in a contact."""

    id: int | None = None
    name: str | None = None


@attrs.define(kw_only=True)
class Contact(Model):
    id: int | None = None
    email_address: str | None = None
    status: ContactStatus | None = None
    created_at: datetime | None = None
    unsubscribe_date: datetime | None = None
    ip_address: str | None = None
    tags: list[Tag] = attrs.field(factory=list)
    lists: list[ListRef] = attrs.field(factory=list)
    fields: list[ContactFieldValue] = attrs.field(factory=list)


@attrs.define(kw_only=True)
class ContactList(Model):
    """A contact list; ``create_list`` answers with ``id`` and ``name`` only."""

    id: int | None = None
    name: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    contact_count: int | None = None


@attrs.define(kw_only=True)
class Field(Model):
    """A custom field; ``create_field`` answers with ``id``, ``label`` and ``merge_tag`` only."""

    id: int | None = None
    merge_tag: str | None = None
    label: str | None = None
    is_shown_on_modification_form: bool | None = None
    type: FieldType | None = None
    default_value: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None


@attrs.define(kw_only=True)
class ContactFieldValue(Field):
    """A custom field with this contact's value, as embedded in a contact."""

    value: str | None = None


@attrs.define(kw_only=True)
class ImportAnalysis(Model):
    """Step 1 of an import: the id to process and the CSV headers the server read."""

    import_id: int | None = None
    headers: list[str] = attrs.field(factory=list)


@attrs.define(kw_only=True)
class FieldMapping(Model):
    """One CSV column of an import: the field it fills (``None`` for the e-mail column)."""

    field_id: int | None = attrs.field(validator=_optional_id)
    header_name: str
    ignore: bool


@attrs.define(kw_only=True)
class ImportProcess(Model):
    """Body of step 2 of an import (names as in the seed)."""

    contact_list_id_list: list[int]
    overwrite: bool
    field_list: list[FieldMapping]
    add_contact_tag_id_list: list[int]
    remove_contact_tag_id_list: list[int]
    notification_email_address: str | None = None


@attrs.define(kw_only=True)
class Search(Model):
    """Free-text part of a search scope, e.g. ``Search(operator="IN", value="automizy")``."""

    operator: str | None = None
    value: str | None = None


@attrs.define(kw_only=True)
class Scope(Model):
    """Where a contact search looks: a list, a free-text search, a contact status."""

    list_id: int | None = attrs.field(default=None, validator=_optional_id)
    search: Search | None = None
    contact_status: ContactStatus | None = None


@attrs.define(kw_only=True)
class Criterion(Model):
    """One filter condition, e.g. ``Criterion(type="FIELD", operator="IN", field_id=3, value="x")``.

    Combine several with :func:`~contactflow_automizy.automizy.criteria.all_of`
    and :func:`~contactflow_automizy.automizy.criteria.any_of`.
    """

    type: str | None = None
    operator: str | None = None
    value: Any = None
    field_id: int | None = attrs.field(default=None, validator=_optional_id)


@attrs.define(kw_only=True)
class ContactSearch(Model):
    """Body of a contact search: the scope and the criterion groups (see ``criteria``)."""

    scope: Scope
    criterion: list[list[Criterion]]

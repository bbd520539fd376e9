"""Automizy REST API models: attrs classes, snake_case, every field the seed shows.

All fields are optional (the API omits what it likes); unknown fields are kept
in ``extra`` by the shared converter.
"""

from __future__ import annotations

import enum
from datetime import datetime

import attrs

from contactflow_automizy._converter import Model


class ContactStatus(enum.StrEnum):
    ACTIVE = "ACTIVE"
    UNSUBSCRIBED = "UNSUBSCRIBED"
    BOUNCED = "BOUNCED"


class FieldType(enum.StrEnum):
    """Types a field can be created with; ``DEFAULT`` appears only on read (built-in fields)."""

    DATETIME = "DATETIME"
    STRING = "STRING"
    INTEGER = "INTEGER"
    HIDDEN = "HIDDEN"
    DEFAULT = "DEFAULT"


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
class ContactFieldValue(Model):
    """A custom field with this contact's value, as embedded in a contact."""

    id: int | None = None
    merge_tag: str | None = None
    label: str | None = None
    is_shown_on_modification_form: bool | None = None
    type: FieldType | None = None
    default_value: str | None = None
    value: str | None = None


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

"""Contactflow API 2.49.0 models: attrs classes, snake_case, every field the seed lists.

All fields are optional (the API omits what it likes); unknown fields are kept
in ``extra`` by the shared converter.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

import attrs

from contactflow_automizy._converter import Model


@attrs.define(kw_only=True)
class Node(Model):
    """A node: the unit of provisioning on which automations run."""

    uuid: str | None = None
    name: str | None = None
    workspace_uuid: str | None = None
    workspace_name: str | None = None
    portfolio_uuid: str | None = None
    portfolio_name: str | None = None
    group_pk: int | None = None
    userdb_id: int | None = None
    group_name: str | None = None
    active: bool | None = None
    email_active: bool | None = None
    sms_active: bool | None = None
    created: datetime | None = None
    hub_phone_field: str | None = None


@attrs.define(kw_only=True)
class NodeUpdate(Model):
    """Body of ``PATCH /nodes/{uuid}``; ``active`` is required by the API."""

    active: bool
    sms_active: bool | None = None
    email_active: bool | None = None
    hub_phone_field: str | None = None


class BatchPacket(enum.StrEnum):
    """Position of a packet in a customer batch: FIRST opens the source, LAST closes it."""

    FIRST = "FIRST"
    MIDDLE = "MIDDLE"
    LAST = "LAST"


class BatchStatus(enum.StrEnum):
    OPEN = "OPEN"
    CLOSED = "CLOSED"
    ENABLED = "ENABLED"
    ENABLED_OK_NOTIFYING = "ENABLED_OK_NOTIFYING"
    ENABLED_ERROR_NOTIFYING = "ENABLED_ERROR_NOTIFYING"
    ENABLED_OK_NOTIFIED = "ENABLED_OK_NOTIFIED"
    ENABLED_OK_NOT_NOTIFIED = "ENABLED_OK_NOT_NOTIFIED"
    ENABLED_ERROR_NOTIFIED = "ENABLED_ERROR_NOTIFIED"
    ENABLED_ERROR_NOT_NOTIFIED = "ENABLED_ERROR_NOT_NOTIFIED"


@attrs.define(kw_only=True)
class Customer(Model):
    """A customer inside an automation."""

    uuid: str | None = None
    user_pk: str | None = None
    clab_uuid: str | None = None
    attributes: dict[str, Any] | None = None
    automation_uuid: str | None = None
    automation_name: str | None = None


@attrs.define(kw_only=True)
class CustomerOfBatch(Model):
    """One customer of a batch packet (same fields as :class:`Customer`)."""

    uuid: str | None = None
    user_pk: str | None = None
    clab_uuid: str | None = None
    attributes: dict[str, Any] | None = None
    automation_uuid: str | None = None
    automation_name: str | None = None


@attrs.define(kw_only=True)
class BatchNotification(Model):
    """Who is told when a batch completes (shape not detailed by the seed: kept as data)."""


@attrs.define(kw_only=True)
class CustomerBatch(Model):
    """One packet of a customer batch, as sent to ``POST .../customers/batch``."""

    customers: list[CustomerOfBatch] = attrs.field(factory=list)
    notification: BatchNotification | None = None
    packet: BatchPacket | None = None
    source_label: str | None = None
    source_uuid: str | None = None
    status: BatchStatus | None = None


@attrs.define(kw_only=True)
class BatchSource(Model):
    """The answer to a batch packet: the source and its status."""

    source_label: str | None = None
    source_uuid: str | None = None
    status: BatchStatus | None = None

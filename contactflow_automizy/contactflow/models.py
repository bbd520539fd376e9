"""Contactflow API 2.49.0 models: attrs classes, snake_case, every field the seed lists.

All fields are optional (the API omits what it likes); unknown fields are kept
in ``extra`` by the shared converter.

Each enum has a ``Literal`` alias of its values beside it (``AutomationStatusName``
for :class:`AutomationStatus`), so arguments typed ``AutomationStatus |
AutomationStatusName`` take a member or its wire string and a type checker
still refuses a misspelt one.  Each model sent as keyword fields
(``create_automation(name=...)``) has a ``TypedDict`` of its attributes beside
it (``AutomationFields``), so a misspelt keyword is caught the same way.  Tests
keep both equal to what they mirror.
"""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any, Literal, TypeAlias

import attrs

from contactflow_automizy._converter import Model, ModelFields


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


class NodeFields(ModelFields, total=False):
    """Keyword fields of ``create_node``: a :class:`Node`'s attributes."""

    uuid: str | None
    name: str | None
    workspace_uuid: str | None
    workspace_name: str | None
    portfolio_uuid: str | None
    portfolio_name: str | None
    group_pk: int | None
    userdb_id: int | None
    group_name: str | None
    active: bool | None
    email_active: bool | None
    sms_active: bool | None
    created: datetime | None
    hub_phone_field: str | None


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


BatchPacketName: TypeAlias = Literal["FIRST", "MIDDLE", "LAST"]


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


BatchStatusName: TypeAlias = Literal[
    "OPEN",
    "CLOSED",
    "ENABLED",
    "ENABLED_OK_NOTIFYING",
    "ENABLED_ERROR_NOTIFYING",
    "ENABLED_OK_NOTIFIED",
    "ENABLED_OK_NOT_NOTIFIED",
    "ENABLED_ERROR_NOTIFIED",
    "ENABLED_ERROR_NOT_NOTIFIED",
]


@attrs.define(kw_only=True)
class Customer(Model):
    """A customer inside an automation."""

    uuid: str | None = None
    user_pk: str | None = None
    clab_uuid: str | None = None
    attributes: dict[str, Any] | None = None
    automation_uuid: str | None = None
    automation_name: str | None = None


class CustomerFields(ModelFields, total=False):
    """Keyword fields of ``add_customer``: a :class:`Customer`'s attributes but
    ``automation_uuid``, which is that method's path argument (pass a model or
    a mapping to send a different one in the body)."""

    uuid: str | None
    user_pk: str | None
    clab_uuid: str | None
    attributes: dict[str, Any] | None
    automation_name: str | None


@attrs.define(kw_only=True)
class CustomerOfBatch(Customer):
    """One customer of a batch packet (the seed's CustomerOfBatch: a Customer's fields)."""


@attrs.define(kw_only=True)
class BatchNotification(Model):
    """Who is told when a batch completes (shape not detailed by the seed: kept as data)."""


@attrs.define(kw_only=True)
class BatchSource(Model):
    """The answer to a batch packet: the source and its status."""

    source_label: str | None = None
    source_uuid: str | None = None
    status: BatchStatus | None = None


@attrs.define(kw_only=True)
class CustomerBatch(BatchSource):
    """One packet of a customer batch, as sent to ``POST .../customers/batch``."""

    customers: list[CustomerOfBatch] = attrs.field(factory=list)
    notification: BatchNotification | None = None
    packet: BatchPacket | None = None


@attrs.define(kw_only=True)
class CurrentUser(Model):
    """``GET /user``: the user (``base``, ``extended``; inner shapes not documented)."""

    base: dict[str, Any] | None = None
    extended: dict[str, Any] | None = None


class SettingCategory(enum.StrEnum):
    INTEGRATION = "INTEGRATION"


SettingCategoryName: TypeAlias = Literal["INTEGRATION"]


class SettingType(enum.StrEnum):
    CLAB_API_SOAP = "CLAB_API_SOAP"
    HUB = "HUB"


SettingTypeName: TypeAlias = Literal["CLAB_API_SOAP", "HUB"]


@attrs.define(kw_only=True)
class Setting(Model):
    """A node setting (an integration); ``value`` is free-form and kept as data."""

    uuid: str | None = None
    label: str | None = None
    category: SettingCategory | None = None
    type: SettingType | None = None
    value: dict[str, Any] | None = None


class SettingFields(ModelFields, total=False):
    """Keyword fields of ``create_setting`` / ``update_setting``: a Setting's attributes."""

    uuid: str | None
    label: str | None
    category: SettingCategory | SettingCategoryName | None
    type: SettingType | SettingTypeName | None
    value: dict[str, Any] | None


@attrs.define(kw_only=True)
class SettingsList(Model):
    """``GET /settings``: the node's settings, grouped by category."""

    integrations: list[Setting] = attrs.field(factory=list)


class AutomationStatus(enum.StrEnum):
    COMMITTED = "COMMITTED"
    PAUSED = "PAUSED"
    RUNNING = "RUNNING"
    ARCHIVED = "ARCHIVED"
    DRAFT = "DRAFT"
    ERROR = "ERROR"
    TO_ARCHIVE = "TO_ARCHIVE"
    TO_DELETE = "TO_DELETE"


AutomationStatusName: TypeAlias = Literal[
    "COMMITTED", "PAUSED", "RUNNING", "ARCHIVED", "DRAFT", "ERROR", "TO_ARCHIVE", "TO_DELETE"
]


class AutomationCategory(enum.StrEnum):
    CUSTOM = "Custom"


AutomationCategoryName: TypeAlias = Literal["Custom"]


class StepType(enum.StrEnum):
    """The action a step performs (also the names ``GET /actions`` returns)."""

    CLAB_CAMPAIGN_SMS = "CLAB_CAMPAIGN_SMS"
    CLAB_CAMPAIGN = "CLAB_CAMPAIGN"
    WEBHOOK = "WEBHOOK"
    TAG = "TAG"
    FROM_LAST_STEP = "FROM_LAST_STEP"
    WAIT_AND_CHECK = "WAIT_AND_CHECK"
    WAIT_FOR_TRIGGER = "WAIT_FOR_TRIGGER"
    AB_TEST = "AB_TEST"
    NO_ACTION = "NO_ACTION"


StepTypeName: TypeAlias = Literal[
    "CLAB_CAMPAIGN_SMS",
    "CLAB_CAMPAIGN",
    "WEBHOOK",
    "TAG",
    "FROM_LAST_STEP",
    "WAIT_AND_CHECK",
    "WAIT_FOR_TRIGGER",
    "AB_TEST",
    "NO_ACTION",
]


@attrs.define(kw_only=True)
class Automation(Model):
    """An automation.  The seed does not detail trigger events, steps, connections
    or statistics, so they stay plain JSON data (sent back unchanged)."""

    uuid: str | None = None
    name: str | None = None
    category: AutomationCategory | None = None
    author: str | None = None
    start_date: datetime | None = None
    timezone: str | None = None
    status: AutomationStatus | None = None
    created: datetime | None = None
    created_by: str | None = None
    description: str | None = None
    end_date: datetime | None = None
    unique_token: bool | None = None
    remove_action_primary: bool | None = None
    source_description: str | None = None
    trigger_events: list[dict[str, Any]] | None = None
    steps: list[dict[str, Any]] | None = None
    connections: list[dict[str, Any]] | None = None
    statistics: dict[str, Any] | None = None


class AutomationFields(ModelFields, total=False):
    """Keyword fields of ``create_automation`` / ``update_automation``: an
    :class:`Automation`'s attributes."""

    uuid: str | None
    name: str | None
    category: AutomationCategory | AutomationCategoryName | None
    author: str | None
    start_date: datetime | None
    timezone: str | None
    status: AutomationStatus | AutomationStatusName | None
    created: datetime | None
    created_by: str | None
    description: str | None
    end_date: datetime | None
    unique_token: bool | None
    remove_action_primary: bool | None
    source_description: str | None
    trigger_events: list[dict[str, Any]] | None
    steps: list[dict[str, Any]] | None
    connections: list[dict[str, Any]] | None
    statistics: dict[str, Any] | None


@attrs.define(kw_only=True)
class AutomationStatusUpdate(Model):
    """Body of ``PATCH /automations/{uuid}``: a new status and, optionally, name."""

    name: str | None = None
    status: AutomationStatus | None = None


@attrs.define(kw_only=True)
class StepFeedbacks(Model):
    """Feedbacks of one step; ``feedbacks`` is not detailed by the seed."""

    uuid: str | None = None
    type: str | None = None
    operation: StepType | None = None
    description: str | None = None
    feedbacks: dict[str, Any] | None = None


@attrs.define(kw_only=True)
class AutomationFeedbacks(Model):
    automation_uuid: str | None = None
    steps: list[StepFeedbacks] = attrs.field(factory=list)


@attrs.define(kw_only=True)
class Categories(Model):
    """``{categories: [...]}`` of the automation category definitions."""

    categories: list[str] = attrs.field(factory=list)


class AggregatedTokenStatus(enum.StrEnum):
    """The coarse token status the token search and report filter on."""

    RUNNING = "RUNNING"
    COMPLETED = "COMPLETED"
    ERROR = "ERROR"


AggregatedTokenStatusName: TypeAlias = Literal["RUNNING", "COMPLETED", "ERROR"]


class TokenSort(enum.StrEnum):
    """Fields ``search_tokens`` may sort by."""

    AUTOMATION_UUID = "automationUuid"
    CLAB_UUID = "clabUuid"
    RECIPIENT = "recipient"
    STEP_UUID = "stepUuid"
    STATUS = "status"


TokenSortName: TypeAlias = Literal["automationUuid", "clabUuid", "recipient", "stepUuid", "status"]


@attrs.define(kw_only=True)
class Token(Customer):
    """A customer's token: the customer's fields plus where it stands in the automation.

    ``status`` (e.g. ``READY``) and ``step_type`` (e.g. ``ACTION``) are plain
    strings: the seed shows one sample value and no enumeration.
    """

    step_uuid: str | None = None
    step_operation: StepType | None = None
    step_type: str | None = None
    step_description: str | None = None
    enter_step_date: datetime | None = None
    enter_automation_date: datetime | None = None
    status: str | None = None
    automation_status: AutomationStatus | None = None
    error_date: datetime | None = None
    error_message: str | None = None


@attrs.define(kw_only=True)
class EmailDesignerConfig(Model):
    enabled: bool | None = None


@attrs.define(kw_only=True)
class MailModel(Model):
    """A SEND mail group usable as a message model (fields not documented: see ``extra``)."""


@attrs.define(kw_only=True)
class SmsModel(Model):
    """A SMS mail group usable as a message model (fields not documented: see ``extra``)."""


@attrs.define(kw_only=True)
class PageBuilderTemplate(Model):
    """A PageBuilder template.  The seed shows no fields; ``id`` (the integer
    ``templateId`` of the pages endpoints) and ``name`` are assumed, the rest is
    in ``extra``."""

    id: int | None = None
    name: str | None = None


@attrs.define(kw_only=True)
class PageBuilderPage(Model):
    id: int | None = None
    template_id: int | None = None
    name: str | None = None


@attrs.define(kw_only=True)
class TestEmail(Model):
    """Body of ``POST /external-contents/email-test``; ``attributes`` items are not
    detailed by the seed and are sent as given."""

    __test__ = False  # not a pytest test class despite the name

    model_identifier: int | None = None
    sender_name: str | None = None
    sender_email: str | None = None
    sender_reply_to: str | None = None
    subject: str | None = None
    html_content: str | None = None
    text_content: str | None = None
    custom_ref: str | None = None
    email: str | None = None
    attributes: list[dict[str, Any]] | None = None


class TestEmailFields(ModelFields, total=False):
    """Keyword fields of ``send_test_email``: a :class:`TestEmail`'s attributes."""

    model_identifier: int | None
    sender_name: str | None
    sender_email: str | None
    sender_reply_to: str | None
    subject: str | None
    html_content: str | None
    text_content: str | None
    custom_ref: str | None
    email: str | None
    attributes: list[dict[str, Any]] | None


@attrs.define(kw_only=True)
class SendSubscriptions(Model):
    """Send subscriptions mapped in the source Send (items not detailed by the seed)."""

    subscriptions: list[dict[str, Any]] = attrs.field(factory=list)


@attrs.define(kw_only=True)
class NodeKpi(Model):
    """A node's basic infos and its automations' status aggregate (fields not
    documented by the seed: see ``extra``)."""

"""The emulator's in-memory state for both APIs, and every index that must stay consistent with it.

Plain data, readable from tests (``emu.state.automations[uuid].customer_count``,
``emu.state.sources[source_uuid].status``, ``emu.state.contacts``, ...).
Mutations that touch more than one index live here so the indexes cannot
drift apart; request handlers do validation and shaping only.

Customers are stored for speed, because benchmarks push a million of them:
a batch packet is appended to its source as the bytes it came in (never a
scan, no per-customer object or UUID).  A customer's token UUID is derived from
where it is stored: its segment's random prefix plus its index in hex, so a
token is found again in O(1) without a token table.  With
``retain_customers=False`` only counts are kept (for memory benchmarks); tokens
and reports then cover single-added customers only.
"""

from __future__ import annotations

import bisect
import itertools
import random
import uuid
from abc import ABC, abstractmethod
from collections import Counter, deque
from collections.abc import Iterator
from typing import Any

import attrs
import orjson

from contactflow_automizy._routes import Route
from contactflow_automizy.emulator.wire import now_iso

__all__ = [
    "Automation",
    "BatchSource",
    "Contact",
    "ContactList",
    "Field",
    "Import",
    "Segment",
    "Setting",
    "SingleCustomers",
    "SourceSummary",
    "State",
    "Tag",
]

#: Hex digits of a token UUID that hold the customer's index in its segment.
_INDEX_DIGITS = 12
DEFAULT_FIELDS = (("firstname", "first name"), ("lastname", "last name"))

#: Requests kept in ``State.request_log`` (about 100 bytes each).
REQUEST_LOG_SIZE = 200_000


# -- Contactflow ---------------------------------------------------------------


@attrs.define(eq=False, kw_only=True)
class Segment(ABC):
    """Customers that entered an automation together: the single adds, or one batch source."""

    automation_uuid: str
    prefix: str
    created: str = attrs.field(factory=now_iso)
    count: int = 0

    def token_uuid(self, index: int) -> str:
        return f"{self.prefix}{index:0{_INDEX_DIGITS}x}"

    @abstractmethod
    def entries(self) -> Iterator[tuple[int, dict[str, Any]]]:
        """``(index, customer)`` of every customer still stored, in arrival order."""

    @abstractmethod
    def get(self, index: int) -> dict[str, Any] | None:
        """The customer at ``index``, if still stored."""


@attrs.define(eq=False, kw_only=True)
class SingleCustomers(Segment):
    """Customers added one by one; deleting one leaves a hole so indexes (token UUIDs) hold."""

    customers: list[dict[str, Any] | None] = attrs.field(factory=list, repr=False)
    by_uuid: dict[str, int] = attrs.field(factory=dict, repr=False)

    def entries(self) -> Iterator[tuple[int, dict[str, Any]]]:
        for index, customer in enumerate(self.customers):
            if customer is not None:
                yield index, customer

    def get(self, index: int) -> dict[str, Any] | None:
        return self.customers[index] if index < len(self.customers) else None


@attrs.define(eq=False, kw_only=True)
class BatchSource(Segment):
    """A ``sourceUuid`` opened by a FIRST packet and closed by the LAST one.

    Packets are kept as the JSON bytes they arrived in (``starts[i]`` is the
    index of packet ``i``'s first customer) and decoded only when tokens or
    reports need them: bytes cost the garbage collector nothing, a million
    dicts cost it seconds.
    """

    source_uuid: str
    #: Opening order among all sources (``State.batch_sources`` lists by it).
    serial: int = 0
    label: str | None = None
    status: str = "OPEN"
    packets: int = 0
    bodies: list[bytes] = attrs.field(factory=list, repr=False)
    starts: list[int] = attrs.field(factory=list, repr=False)

    def view(self) -> dict[str, Any]:
        return {"sourceLabel": self.label, "sourceUuid": self.source_uuid, "status": self.status}

    def entries(self) -> Iterator[tuple[int, dict[str, Any]]]:
        for start, body in zip(self.starts, self.bodies, strict=True):
            yield from enumerate(_customers(body), start)

    def get(self, index: int) -> dict[str, Any] | None:
        packet = bisect.bisect_right(self.starts, index) - 1
        if packet < 0:
            return None
        customers = _customers(self.bodies[packet])
        offset = index - self.starts[packet]
        return customers[offset] if offset < len(customers) else None


@attrs.frozen
class SourceSummary:
    """A batch source as tests see it: ``state`` is ``"open"``, ``"closed"`` or
    ``"deleted"``; ``customers`` are those it holds in the automation now (none
    once deleted); ``packets`` those it received."""

    source_uuid: str
    label: str | None
    state: str
    customers: int
    packets: int

    def to_json(self) -> dict[str, Any]:
        return {
            "sourceUuid": self.source_uuid,
            "label": self.label,
            "state": self.state,
            "customers": self.customers,
            "packets": self.packets,
        }


def _customers(body: bytes) -> list[dict[str, Any]]:
    customers: list[dict[str, Any]] = orjson.loads(body).get("customers") or []
    return customers


@attrs.define(eq=False, kw_only=True)
class Automation:
    """An automation resource (``data``, as the API shows it) and its customers."""

    uuid: str
    node: str
    data: dict[str, Any]
    direct: SingleCustomers
    sources: dict[str, BatchSource] = attrs.field(factory=dict)
    expired_removed: int = 0

    @property
    def customer_count(self) -> int:
        return self.direct.count + sum(s.count for s in self.sources.values())

    def segments(self) -> list[Segment]:
        """A snapshot, so iterating it survives concurrent changes."""
        return [self.direct, *self.sources.values()]


@attrs.define(eq=False)
class Setting:
    node: str
    data: dict[str, Any]


# -- Automizy --------------------------------------------------------------------


@attrs.define(eq=False, kw_only=True)
class Contact:
    """``lists`` and ``tags`` are insertion-ordered sets (dict keys)."""

    id: int
    email: str
    created_at: str = attrs.field(factory=now_iso)
    status: str = "ACTIVE"
    unsubscribe_date: str | None = None
    ip_address: str | None = None
    lists: dict[int, None] = attrs.field(factory=dict)
    tags: dict[int, None] = attrs.field(factory=dict)
    fields: dict[int, str] = attrs.field(factory=dict)
    imports: set[int] = attrs.field(factory=set)


@attrs.define(eq=False, kw_only=True)
class ContactList:
    id: int
    name: str
    created_at: str = attrs.field(factory=now_iso)
    updated_at: str = attrs.field(factory=now_iso)
    members: dict[int, None] = attrs.field(factory=dict, repr=False)


@attrs.define(eq=False, kw_only=True)
class Field:
    id: int
    merge_tag: str
    label: str
    type: str
    default_value: str | None = None
    shown: bool = False
    created_at: str = attrs.field(factory=now_iso)
    updated_at: str = attrs.field(factory=now_iso)


@attrs.define(eq=False, kw_only=True)
class Tag:
    id: int
    name: str
    created_at: str = attrs.field(factory=now_iso)
    updated_at: str = attrs.field(factory=now_iso)


@attrs.define(eq=False, kw_only=True)
class Import:
    """An analyzed CSV upload; ``result`` is set once processed."""

    id: int
    filename: str | None
    data: bytes = attrs.field(repr=False)
    headers: list[str]
    created_at: str = attrs.field(factory=now_iso)
    result: dict[str, int] | None = None


# -- the whole state ---------------------------------------------------------------


@attrs.define(eq=False)
class State:
    """Everything the emulator knows; ``random_seed`` makes every generated UUID repeatable."""

    random_seed: int = 0
    retain_customers: bool = True
    rng: random.Random = attrs.field(init=False, repr=False)

    nodes: dict[str, dict[str, Any]] = attrs.field(factory=dict)
    settings: dict[str, Setting] = attrs.field(factory=dict)
    automations: dict[str, Automation] = attrs.field(factory=dict)
    #: Open and closed batch sources, by source UUID.
    sources: dict[str, BatchSource] = attrs.field(factory=dict)
    #: Deleted (rolled back, expired, or gone with their automation) sources, by source
    #: UUID, without their customers: a deleted source's UUID is never reused.
    deleted_sources: dict[str, BatchSource] = attrs.field(factory=dict, repr=False)
    segments: dict[str, Segment] = attrs.field(factory=dict, repr=False)
    test_emails: list[dict[str, Any]] = attrs.field(factory=list)

    contacts: dict[int, Contact] = attrs.field(factory=dict, repr=False)
    emails: dict[str, int] = attrs.field(factory=dict, repr=False)
    lists: dict[int, ContactList] = attrs.field(factory=dict)
    fields: dict[int, Field] = attrs.field(factory=dict)
    tags: dict[int, Tag] = attrs.field(factory=dict)
    imports: dict[int, Import] = attrs.field(factory=dict, repr=False)

    #: Requests whose handler ran (authenticated, not stopped by a fault first), by route.
    requests: Counter[Route] = attrs.field(factory=Counter)
    #: Every API request received (``(epoch seconds, method, path)``, oldest first, the last
    #: ``REQUEST_LOG_SIZE``): faulted, held and refused ones too, control calls not, so a
    #: test in another process can measure the request rate the server saw.
    request_log: deque[tuple[float, str, str]] = attrs.field(
        factory=lambda: deque(maxlen=REQUEST_LOG_SIZE), repr=False
    )
    #: Injected faults by kind (``"429"``, ``"503"``, ``"500"``, ``"drop"``, ...).
    faults: Counter[str] = attrs.field(factory=Counter)
    _ids: dict[str, Iterator[int]] = attrs.field(factory=dict, repr=False)

    def __attrs_post_init__(self) -> None:
        self.rng = random.Random(self.random_seed)
        for merge_tag, label in DEFAULT_FIELDS:
            field_id = self.next_id("field")
            self.fields[field_id] = Field(
                id=field_id, merge_tag=merge_tag, label=label, type="DEFAULT"
            )

    # -- ids ------------------------------------------------------------------

    def uuid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def next_id(self, kind: str) -> int:
        counter = self._ids.get(kind)
        if counter is None:
            counter = self._ids[kind] = itertools.count(1)
        return next(counter)

    # -- Contactflow ----------------------------------------------------------

    def _segment(self, segment: Segment) -> None:
        self.segments[segment.prefix] = segment

    def _prefix(self) -> str:
        return self.uuid()[: 36 - _INDEX_DIGITS]

    def add_automation(self, node: str, data: dict[str, Any]) -> Automation:
        automation_uuid = data["uuid"]
        direct = SingleCustomers(automation_uuid=automation_uuid, prefix=self._prefix())
        automation = Automation(uuid=automation_uuid, node=node, data=data, direct=direct)
        self.automations[automation_uuid] = automation
        self._segment(direct)
        return automation

    def remove_automation(self, automation: Automation) -> None:
        for source in list(automation.sources.values()):
            self.remove_source(source)
        self.segments.pop(automation.direct.prefix, None)
        del self.automations[automation.uuid]

    def add_customer(self, automation: Automation, customer: dict[str, Any]) -> None:
        direct = automation.direct
        direct.by_uuid[customer["uuid"]] = len(direct.customers)
        direct.customers.append(customer)
        direct.count += 1

    def remove_customer(self, automation: Automation, customer_uuid: str) -> bool:
        direct = automation.direct
        index = direct.by_uuid.pop(customer_uuid, None)
        if index is None:
            return False
        direct.customers[index] = None
        direct.count -= 1
        return True

    def open_source(
        self, automation: Automation, source_uuid: str, label: str | None
    ) -> BatchSource:
        source = BatchSource(
            automation_uuid=automation.uuid,
            prefix=self._prefix(),
            source_uuid=source_uuid,
            serial=self.next_id("source"),
            label=label,
        )
        automation.sources[source_uuid] = source
        self.sources[source_uuid] = source
        self._segment(source)
        return source

    def append_packet(self, source: BatchSource, body: bytes, customers: int) -> None:
        """Add a packet (its raw JSON ``body`` holding ``customers`` customers)."""
        if self.retain_customers:
            source.starts.append(source.count)
            source.bodies.append(body)
        source.count += customers
        source.packets += 1

    def remove_source(self, source: BatchSource) -> None:
        """Delete ``source`` with its customers; its UUID stays known as deleted."""
        automation = self.automations.get(source.automation_uuid)
        if automation is not None:
            automation.sources.pop(source.source_uuid, None)
        self.sources.pop(source.source_uuid, None)
        self.segments.pop(source.prefix, None)
        source.bodies, source.starts = [], []
        self.deleted_sources[source.source_uuid] = source

    def source_state(self, source_uuid: str) -> str | None:
        """``"open"``, ``"closed"``, ``"deleted"``, or ``None`` for a UUID never opened."""
        live = self.sources.get(source_uuid)
        if live is not None:
            return "open" if live.status == "OPEN" else "closed"
        return "deleted" if source_uuid in self.deleted_sources else None

    def batch_sources(self, automation_uuid: str) -> list[SourceSummary]:
        """Every batch source ever opened in the automation, deleted ones included,
        in opening order (for tests: "no source left open", "each customer once")."""
        found = [s for s in self.sources.values() if s.automation_uuid == automation_uuid]
        found += [s for s in self.deleted_sources.values() if s.automation_uuid == automation_uuid]
        return [
            SourceSummary(
                source_uuid=s.source_uuid,
                label=s.label,
                state=state,
                customers=0 if state == "deleted" else s.count,
                packets=s.packets,
            )
            for s in sorted(found, key=lambda s: s.serial)
            if (state := self.source_state(s.source_uuid)) is not None
        ]

    def remove_expired(self, automation: Automation) -> int:
        """Empty the automation of every customer that is not in a still-open batch."""
        direct = automation.direct
        removed = direct.count
        direct.customers.clear()
        direct.by_uuid.clear()
        direct.count = 0
        for source in list(automation.sources.values()):
            if source.status != "OPEN":
                removed += source.count
                self.remove_source(source)
        automation.expired_removed += removed
        return removed

    def token(self, token_uuid: str) -> tuple[Segment, int, dict[str, Any]] | None:
        segment = self.segments.get(token_uuid[: 36 - _INDEX_DIGITS])
        if segment is None:
            return None
        index = int(token_uuid[36 - _INDEX_DIGITS :], 16)
        customer = segment.get(index)
        return None if customer is None else (segment, index, customer)

    # -- Automizy -------------------------------------------------------------

    def add_contact(self, email: str) -> Contact:
        contact = Contact(id=self.next_id("contact"), email=email)
        self.contacts[contact.id] = contact
        self.emails[email.lower()] = contact.id
        return contact

    def contact_by_email(self, email: str) -> Contact | None:
        contact_id = self.emails.get(email.lower())
        return None if contact_id is None else self.contacts[contact_id]

    def change_email(self, contact: Contact, email: str) -> None:
        del self.emails[contact.email.lower()]
        contact.email = email
        self.emails[email.lower()] = contact.id

    def join_list(self, contact: Contact, contact_list: ContactList) -> None:
        contact.lists[contact_list.id] = None
        contact_list.members[contact.id] = None

    def remove_contact(self, contact: Contact) -> None:
        for list_id in contact.lists:
            self.lists[list_id].members.pop(contact.id, None)
        del self.emails[contact.email.lower()]
        del self.contacts[contact.id]

    def remove_list(self, contact_list: ContactList) -> None:
        for contact_id in contact_list.members:
            self.contacts[contact_id].lists.pop(contact_list.id, None)
        del self.lists[contact_list.id]

    def add_tag(self, name: str) -> Tag:
        tag = Tag(id=self.next_id("tag"), name=name)
        self.tags[tag.id] = tag
        return tag

    def tag_named(self, name: str) -> Tag | None:
        return next((tag for tag in self.tags.values() if tag.name == name), None)

    def remove_tag(self, tag: Tag) -> None:
        for contact in self.contacts.values():
            contact.tags.pop(tag.id, None)
        del self.tags[tag.id]

    def remove_field(self, field: Field) -> None:
        for contact in self.contacts.values():
            contact.fields.pop(field.id, None)
        del self.fields[field.id]

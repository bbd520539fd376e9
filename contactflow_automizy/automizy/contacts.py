"""Contacts: create on a list, get, delete, status, e-mail, tags, field values, search."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any, TypeAlias

from contactflow_automizy import _validate
from contactflow_automizy._pagination import AsyncPaginator
from contactflow_automizy.automizy import routes
from contactflow_automizy.automizy._mixin import AutomizyMixin
from contactflow_automizy.automizy.criteria import CriterionInput, criterion_groups
from contactflow_automizy.automizy.models import (
    Contact,
    ContactSearch,
    ContactStatus,
    ContactStatusName,
    Scope,
    Search,
)
from contactflow_automizy.errors import ConfigurationError, ResponseFormatError

#: What a field value may be given as; the API takes text, so it is sent as text.
FieldValue: TypeAlias = str | int | float | datetime | date
#: ``{field_id: value}`` or the seed's ``[{"id": ..., "value": ...}]``.
ContactFields: TypeAlias = Mapping[int, FieldValue] | Iterable[Mapping[str, Any]]


def _field_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    raise ConfigurationError(f"a field value must be text, a number or a date, got {value!r}")


def _contact_fields(fields: ContactFields) -> list[dict[str, Any]]:
    if isinstance(fields, Mapping):
        pairs = list(fields.items())
    else:
        pairs = []
        for item in fields:
            if not isinstance(item, Mapping) or not {"id", "value"} <= item.keys():
                raise ConfigurationError(
                    f"each field must be {{'id': ..., 'value': ...}}: {item!r}"
                )
            pairs.append((item["id"], item["value"]))
    return [
        {"id": _validate.positive_int("field id", k), "value": _field_text(v)} for k, v in pairs
    ]


def _new_id(body: Any) -> int:
    new_id = body.get("id") if isinstance(body, Mapping) else None
    if not isinstance(new_id, int) or isinstance(new_id, bool):
        raise ResponseFormatError(f"expected {{'id': <int>}}, got {body!r}")
    return new_id


class ContactsMixin(AutomizyMixin):
    async def create_contact(
        self, email_address: str, list_id: int, fields: ContactFields | None = None
    ) -> int:
        """Create a contact on a list (every contact must belong to one); returns its id."""
        body: dict[str, Any] = {
            "emailAddress": _validate.email_address("email_address", email_address),
            "listId": _validate.positive_int("list_id", list_id),
        }
        if fields is not None:
            body["fields"] = _contact_fields(fields)
        return _new_id(await self._json(routes.CREATE_CONTACT, json=body))

    async def get_contact(self, contact_id: int) -> Contact:
        return await self._model(routes.GET_CONTACT, Contact, path={"id": contact_id})

    async def delete_contact(self, contact_id: int) -> None:
        await self._json(routes.DELETE_CONTACT, path={"id": contact_id})

    async def update_contact_status(
        self, contact_id: int, status: ContactStatus | ContactStatusName
    ) -> None:
        await self._json(
            routes.UPDATE_CONTACT_STATUS,
            path={"id": contact_id},
            json={"status": _validate.enum_member("status", ContactStatus, status)},
        )

    async def update_contact_email(self, contact_id: int, email_address: str) -> None:
        """Change the address; :class:`ConflictError` (409) if another contact has it."""
        await self._json(
            routes.UPDATE_CONTACT_EMAIL,
            path={"id": contact_id},
            json={"emailAddress": _validate.email_address("email_address", email_address)},
        )

    async def update_contact_tags(self, contact_id: int, tag_names: Iterable[str]) -> None:
        """Set the contact's tags by name (the API creates unknown names)."""
        await self._json(
            routes.UPDATE_CONTACT_TAGS,
            path={"id": contact_id},
            json={"tagNameList": _validate.texts("tag_names", tag_names)},
        )

    async def update_contact_field(self, contact_id: int, field_id: int, value: FieldValue) -> None:
        """Set one field value; dates and numbers are sent as text, as the API expects."""
        await self._json(
            routes.UPDATE_CONTACT_FIELD,
            path={"id": contact_id},
            json={
                "fieldId": _validate.positive_int("field_id", field_id),
                "value": _field_text(value),
            },
        )

    def search_contacts(
        self,
        scope: Scope | Mapping[str, Any],
        criterion: CriterionInput = (),
        *,
        page_size: int | None = None,
        prefetch: int = 1,
    ) -> AsyncPaginator[Contact]:
        """Contacts in ``scope`` matching ``criterion`` (see :mod:`.criteria`), paged.

        Sent as ``POST`` with body ``{scope, criterion}`` and ``page``/``pageSize``
        in the query; a read, so it is retried like a GET.
        """
        body = ContactSearch(
            scope=self._as_model(Scope, scope, {}), criterion=criterion_groups(criterion)
        )
        return self._paged(
            routes.SEARCH_CONTACTS, Contact, page_size=page_size, prefetch=prefetch, json=body
        )

    def list_contacts_in_list(
        self,
        list_id: int,
        *,
        search: Search | None = None,
        contact_status: ContactStatus | ContactStatusName | None = None,
        criterion: CriterionInput = (),
        page_size: int | None = None,
        prefetch: int = 1,
    ) -> AsyncPaginator[Contact]:
        """The contacts of one list: :meth:`search_contacts` scoped to ``list_id``."""
        scope = Scope(
            list_id=list_id,
            search=search,
            contact_status=None
            if contact_status is None
            else _validate.enum_member("contact_status", ContactStatus, contact_status),
        )
        return self.search_contacts(scope, criterion, page_size=page_size, prefetch=prefetch)

"""Contacts: create on a list, get, delete, status, e-mail, tags, field values, search."""

from __future__ import annotations

from contactflow_automizy.automizy import routes
from contactflow_automizy.automizy._mixin import AutomizyMixin
from contactflow_automizy.automizy.models import Contact


class ContactsMixin(AutomizyMixin):
    async def get_contact(self, contact_id: int) -> Contact:
        return await self._model(routes.GET_CONTACT, Contact, path={"id": contact_id})

"""Contact lists: create, get, list, rename, delete."""

from __future__ import annotations

from contactflow_automizy import _validate
from contactflow_automizy._pagination import AsyncPaginator
from contactflow_automizy.automizy import routes
from contactflow_automizy.automizy._mixin import AutomizyMixin
from contactflow_automizy.automizy.models import ContactList


class ListsMixin(AutomizyMixin):
    async def create_list(self, name: str) -> ContactList:
        """Create a list; the answer carries its ``id`` and ``name``."""
        return await self._model(
            routes.CREATE_LIST, ContactList, json={"name": _validate.text("name", name)}
        )

    async def get_list(self, list_id: int) -> ContactList:
        return await self._model(routes.GET_LIST, ContactList, path={"id": list_id})

    def list_lists(
        self, *, page_size: int | None = None, prefetch: int = 1
    ) -> AsyncPaginator[ContactList]:
        """Every list of the account (paged)."""
        return self._paged(routes.LIST_LISTS, ContactList, page_size=page_size, prefetch=prefetch)

    async def update_list(self, list_id: int, name: str) -> None:
        """Rename a list."""
        await self._json(
            routes.UPDATE_LIST, path={"id": list_id}, json={"name": _validate.text("name", name)}
        )

    async def delete_list(self, list_id: int) -> None:
        await self._json(routes.DELETE_LIST, path={"id": list_id})

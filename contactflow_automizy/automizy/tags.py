"""Tags: create, get, list, update (POST, as the seed says), delete.

Quirk: the seed documents ``get_tag``'s 404 with the body of a 422,
``{"errors": [{"field": "id", "message": ...}]}``.  The status decides the
class, so it is still a :class:`NotFoundError`, with those ``field_errors``.
"""

from __future__ import annotations

from contactflow_automizy import _validate
from contactflow_automizy._pagination import AsyncPaginator
from contactflow_automizy.automizy import routes
from contactflow_automizy.automizy._mixin import AutomizyMixin
from contactflow_automizy.automizy.models import Tag


class TagsMixin(AutomizyMixin):
    async def create_tag(self, name: str) -> Tag:
        """Create a tag.  The answer carries only the id; ``name`` is the one sent."""
        name = _validate.text("name", name)
        tag = await self._model(routes.CREATE_TAG, Tag, json={"name": name})
        if tag.name is None:
            tag.name = name
        return tag

    async def get_tag(self, tag_id: int) -> Tag:
        return await self._model(routes.GET_TAG, Tag, path={"id": tag_id})

    def list_tags(self, *, page_size: int | None = None, prefetch: int = 1) -> AsyncPaginator[Tag]:
        """Every tag of the account (paged)."""
        return self._paged(routes.LIST_TAGS, Tag, page_size=page_size, prefetch=prefetch)

    async def update_tag(self, tag_id: int, name: str) -> None:
        """Rename a tag.  The seed uses ``POST`` (not PATCH) for this update."""
        await self._json(
            routes.UPDATE_TAG, path={"id": tag_id}, json={"name": _validate.text("name", name)}
        )

    async def delete_tag(self, tag_id: int) -> None:
        await self._json(routes.DELETE_TAG, path={"id": tag_id})

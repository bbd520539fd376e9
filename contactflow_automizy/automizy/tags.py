"""Tags: create, get, list, update (POST, as the seed says), delete."""

from __future__ import annotations

from contactflow_automizy._pagination import AsyncPaginator
from contactflow_automizy.automizy import routes
from contactflow_automizy.automizy._mixin import AutomizyMixin
from contactflow_automizy.automizy.models import Tag


class TagsMixin(AutomizyMixin):
    def list_tags(self, *, page_size: int | None = None, prefetch: int = 1) -> AsyncPaginator[Tag]:
        """Every tag of the account (paged)."""
        return self._paged(routes.LIST_TAGS, Tag, page_size=page_size, prefetch=prefetch)

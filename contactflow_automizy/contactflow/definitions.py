"""Definitions: trigger events, event context, customers (free-form) and categories."""

from __future__ import annotations

from typing import Any

from contactflow_automizy._routes import Route
from contactflow_automizy.contactflow import routes
from contactflow_automizy.contactflow._mixin import ContactflowMixin
from contactflow_automizy.contactflow.models import Categories
from contactflow_automizy.errors import ResponseFormatError


class DefinitionsMixin(ContactflowMixin):
    async def _free_form(self, route: Route, node: str | None) -> dict[str, Any]:
        """A JSON object the seed leaves undescribed, returned as is."""
        data = await self._json(route, node=node)
        if not isinstance(data, dict):
            raise ResponseFormatError(f"{route.template}: expected a JSON object")
        return data

    async def get_trigger_event_definitions(self, *, node: str | None = None) -> dict[str, Any]:
        """Trigger event types with their attributes."""
        return await self._free_form(routes.TRIGGER_EVENT_DEFINITIONS, node)

    async def get_event_context_definitions(self, *, node: str | None = None) -> dict[str, Any]:
        """Event context definitions with their attributes and types."""
        return await self._free_form(routes.EVENT_CONTEXT_DEFINITIONS, node)

    async def get_customer_definitions(self, *, node: str | None = None) -> dict[str, Any]:
        """Customer definitions with their attributes and types."""
        return await self._free_form(routes.CUSTOMER_DEFINITIONS, node)

    async def get_automation_categories(self, *, node: str | None = None) -> Categories:
        return await self._model(routes.AUTOMATION_CATEGORIES, Categories, node=node)

"""Actions: the step operations a node may use."""

from __future__ import annotations

from contactflow_automizy.contactflow import routes
from contactflow_automizy.contactflow._mixin import ContactflowMixin


class ActionsMixin(ContactflowMixin):
    async def get_actions(self, *, node: str | None = None) -> list[str]:
        """Action names such as ``CLAB_CAMPAIGN_SMS`` (compare with :class:`StepType`)."""
        return await self._model(routes.GET_ACTIONS, list[str], node=node)

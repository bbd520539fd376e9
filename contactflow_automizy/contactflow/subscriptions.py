"""Send subscriptions: those mapped in the node's source Send."""

from __future__ import annotations

from contactflow_automizy.contactflow import routes
from contactflow_automizy.contactflow._mixin import ContactflowMixin
from contactflow_automizy.contactflow.models import SendSubscriptions


class SubscriptionsMixin(ContactflowMixin):
    async def list_send_subscriptions(self, *, node: str | None = None) -> SendSubscriptions:
        return await self._model(routes.LIST_SEND_SUBSCRIPTIONS, SendSubscriptions, node=node)

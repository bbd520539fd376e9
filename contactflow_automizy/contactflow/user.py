"""User: who the token belongs to and which nodes it may operate on."""

from __future__ import annotations

from contactflow_automizy.contactflow import routes
from contactflow_automizy.contactflow._mixin import ContactflowMixin
from contactflow_automizy.contactflow.models import CurrentUser


class UserMixin(ContactflowMixin):
    async def get_current_user(self) -> CurrentUser:
        return await self._model(routes.GET_CURRENT_USER, CurrentUser)

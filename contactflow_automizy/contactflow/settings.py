"""Node settings (integrations): list, create, get, update, delete."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Unpack

from contactflow_automizy import _validate
from contactflow_automizy.contactflow import routes
from contactflow_automizy.contactflow._mixin import ContactflowMixin
from contactflow_automizy.contactflow.models import (
    Setting,
    SettingCategory,
    SettingCategoryName,
    SettingFields,
    SettingsList,
    SettingType,
    SettingTypeName,
)

#: ``GET /settings``: "Type Value: CLAB_API_SOAP" (the one value the seed lists).
_FILTER_TYPES = (SettingType.CLAB_API_SOAP,)


class SettingsMixin(ContactflowMixin):
    async def list_settings(
        self,
        *,
        category: SettingCategory | SettingCategoryName | None = None,
        type: SettingType | SettingTypeName | None = None,
        node: str | None = None,
    ) -> SettingsList:
        """The node's settings; the seed spells the query names ``Category`` and ``Type``.

        The seed's ``Type`` filter lists only ``CLAB_API_SOAP`` (a setting itself may
        be ``HUB``), so ``type="HUB"`` is refused before sending."""
        query = {
            "Category": None
            if category is None
            else _validate.enum_member("category", SettingCategory, category),
            "Type": None
            if type is None
            else _validate.enum_member("type", SettingType, type, allowed=_FILTER_TYPES),
        }
        return await self._model(routes.LIST_SETTINGS, SettingsList, query=query, node=node)

    async def create_setting(
        self,
        setting: Setting | Mapping[str, Any] | None = None,
        *,
        node: str | None = None,
        **fields: Unpack[SettingFields],
    ) -> Setting:
        body = self._as_model(Setting, setting, fields)
        return await self._model(routes.CREATE_SETTING, Setting, json=body, node=node)

    async def get_setting(self, setting_uuid: str, *, node: str | None = None) -> Setting:
        return await self._model(
            routes.GET_SETTING, Setting, path={"settingUuid": setting_uuid}, node=node
        )

    async def update_setting(
        self,
        setting_uuid: str,
        setting: Setting | Mapping[str, Any] | None = None,
        *,
        node: str | None = None,
        **fields: Unpack[SettingFields],
    ) -> Setting:
        return await self._model(
            routes.UPDATE_SETTING,
            Setting,
            path={"settingUuid": setting_uuid},
            json=self._as_model(Setting, setting, fields),
            node=node,
        )

    async def delete_setting(self, setting_uuid: str, *, node: str | None = None) -> None:
        await self._json(routes.DELETE_SETTING, path={"settingUuid": setting_uuid}, node=node)

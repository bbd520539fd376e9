"""Nodes: list, create, get, update, delete."""

from __future__ import annotations

from typing import Unpack

from contactflow_automizy._pagination import AsyncPaginator
from contactflow_automizy.contactflow import routes
from contactflow_automizy.contactflow._mixin import ContactflowMixin
from contactflow_automizy.contactflow.models import Node, NodeFields, NodeUpdate


class NodesMixin(ContactflowMixin):
    def list_nodes(
        self,
        *,
        portfolio_uuid: str | None = None,
        workspace_uuid: str | None = None,
        page_size: int | None = None,
        prefetch: int = 1,
    ) -> AsyncPaginator[Node]:
        """Every node the current user may operate on (paged)."""
        query = {"portfolioUuid": portfolio_uuid, "workspaceUuid": workspace_uuid}
        return self._paged(
            routes.LIST_NODES, Node, query=query, page_size=page_size, prefetch=prefetch
        )

    async def create_node(self, node: Node | None = None, **fields: Unpack[NodeFields]) -> Node:
        return await self._model(routes.CREATE_NODE, Node, json=self._as_model(Node, node, fields))

    async def get_node(self, node_uuid: str) -> Node:
        return await self._model(routes.GET_NODE, Node, path={"nodeUuid": node_uuid})

    async def update_node(
        self,
        node_uuid: str,
        active: bool,
        *,
        sms_active: bool | None = None,
        email_active: bool | None = None,
        hub_phone_field: str | None = None,
    ) -> Node:
        """Enable/disable a node and its sms/email services (disabled = logically deleted)."""
        body = NodeUpdate(
            active=active,
            sms_active=sms_active,
            email_active=email_active,
            hub_phone_field=hub_phone_field,
        )
        return await self._model(routes.UPDATE_NODE, Node, path={"nodeUuid": node_uuid}, json=body)

    async def delete_node(self, node_uuid: str) -> None:
        await self._json(routes.DELETE_NODE, path={"nodeUuid": node_uuid})

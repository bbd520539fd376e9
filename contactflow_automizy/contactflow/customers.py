"""Customers: add one, delete one, send one raw batch packet, delete an incomplete batch.

``push_customers`` is a thin entry point: the transactional bulk upload built
on these lives in :mod:`contactflow_automizy.bulk.batches`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping
from typing import Any, Unpack

from contactflow_automizy._progress import ProgressCallback
from contactflow_automizy.bulk import batches
from contactflow_automizy.bulk._streams import Items
from contactflow_automizy.contactflow import routes
from contactflow_automizy.contactflow._mixin import ContactflowMixin
from contactflow_automizy.contactflow.models import (
    BatchNotification,
    BatchPacket,
    BatchPacketName,
    BatchSource,
    Customer,
    CustomerBatch,
    CustomerFields,
    CustomerOfBatch,
)

_JSON_CONTENT = {"Content-Type": "application/json"}


class CustomersMixin(ContactflowMixin):
    async def add_customer(
        self,
        automation_uuid: str,
        customer: Customer | Mapping[str, Any] | None = None,
        *,
        node: str | None = None,
        **fields: Unpack[CustomerFields],
    ) -> Customer:
        """Add one customer to an automation."""
        return await self._model(
            routes.ADD_CUSTOMER,
            Customer,
            path={"automationUuid": automation_uuid},
            json=self._body(Customer, customer, fields),
            node=node,
        )

    async def delete_customer(
        self, automation_uuid: str, customer_uuid: str, *, node: str | None = None
    ) -> None:
        await self._json(
            routes.DELETE_CUSTOMER,
            path={"automationUuid": automation_uuid, "customerUuid": customer_uuid},
            node=node,
        )

    async def add_customer_batch(
        self,
        automation_uuid: str,
        customers: Iterable[CustomerOfBatch | Mapping[str, Any]],
        packet: BatchPacket | BatchPacketName,
        source_uuid: str,
        *,
        source_label: str | None = None,
        notification: BatchNotification | Mapping[str, Any] | None = None,
        node: str | None = None,
    ) -> BatchSource:
        """Send one raw packet (FIRST/MIDDLE/LAST) of a batch; see ``push_customers`` for bulk."""
        batch = CustomerBatch(
            customers=[self._body(CustomerOfBatch, c, {}) for c in customers],
            packet=BatchPacket(packet),
            source_uuid=source_uuid,
            source_label=source_label,
            notification=None
            if notification is None
            else self._body(BatchNotification, notification, {}),
        )
        return await self._model(
            routes.ADD_CUSTOMER_BATCH,
            BatchSource,
            path={"automationUuid": automation_uuid},
            json=batch,
            node=node,
        )

    async def delete_customer_batch(
        self, automation_uuid: str, source_uuid: str, *, node: str | None = None
    ) -> None:
        """Delete every customer of an incomplete (open) batch source."""
        await self._json(
            routes.DELETE_CUSTOMER_BATCH,
            path={"automationUuid": automation_uuid},
            query={"sourceUuid": source_uuid},
            node=node,
        )

    async def push_customers(
        self,
        automation_uuid: str,
        customers: Items[batches.CustomerInput],
        *,
        packet_size: int = 1000,
        concurrency: int = 4,
        source_label: str | None = None,
        source_uuid: str | None = None,
        notification: BatchNotification | Mapping[str, Any] | None = None,
        node: str | None = None,
        on_progress: ProgressCallback | None = None,
    ) -> batches.PushResult:
        """Upload a stream of customers as one batch: all of it, or (rolled back) none.

        ``customers`` is a sync or async iterable of models or wire-named dicts,
        read in constant memory.  Failure raises :class:`BatchUploadError`; see
        :mod:`contactflow_automizy.bulk.batches` for the protocol.
        """
        return await batches.push_customers(
            self,
            automation_uuid,
            customers,
            packet_size=packet_size,
            concurrency=concurrency,
            source_label=source_label,
            source_uuid=source_uuid,
            notification=notification,
            node=node,
            on_progress=on_progress,
        )

    def _batch_poster(
        self, automation_uuid: str, node: str | None
    ) -> Callable[[bytes], Awaitable[object]]:
        """A sender of pre-encoded batch packets, its path and node checked now, not per packet."""
        path = {"automationUuid": automation_uuid}
        routes.ADD_CUSTOMER_BATCH.path(**path)
        self._route_headers(routes.ADD_CUSTOMER_BATCH, node)

        async def post(body: bytes) -> object:
            return await self._json(
                routes.ADD_CUSTOMER_BATCH, path=path, content=body, headers=_JSON_CONTENT, node=node
            )

        return post

"""Customers: add one, delete one, send one raw batch packet, delete an incomplete batch.

The transactional bulk upload built on these, ``push_customers``, lives in
:mod:`contactflow_automizy.contactflow.batch_upload`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Unpack

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
            json=self._as_model(Customer, customer, fields),
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
            customers=[self._as_model(CustomerOfBatch, c, {}) for c in customers],
            packet=BatchPacket(packet),
            source_uuid=source_uuid,
            source_label=source_label,
            notification=None
            if notification is None
            else self._as_model(BatchNotification, notification, {}),
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

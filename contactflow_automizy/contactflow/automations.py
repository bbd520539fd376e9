"""Automations: CRUD, status changes, feedbacks, the CSV report, and the deprecated
categories endpoint (superseded by ``get_automation_categories``)."""

from __future__ import annotations

import warnings
from collections.abc import AsyncIterator, Mapping
from typing import Any, Unpack

from contactflow_automizy import _validate
from contactflow_automizy._download import Destination, iter_csv_rows
from contactflow_automizy._pagination import AsyncPaginator
from contactflow_automizy.contactflow import routes
from contactflow_automizy.contactflow._filters import (
    AUTOMATION_FILTERS,
    AUTOMATION_REPORT_FILTERS,
    AutomationFilters,
    AutomationReportFilters,
    to_query,
)
from contactflow_automizy.contactflow._mixin import ContactflowMixin
from contactflow_automizy.contactflow.models import (
    Automation,
    AutomationFeedbacks,
    AutomationFields,
    AutomationStatus,
    AutomationStatusName,
    AutomationStatusUpdate,
    Categories,
    StepFeedbacks,
)

#: The report is CSV; ``*/*`` keeps a server that labels it otherwise from answering 406.
_ACCEPT_CSV = {"Accept": "text/csv, */*;q=0.1"}


def _expired(remove_expired_customers: bool) -> dict[str, bool | None]:
    """``removeExpiredCustomers`` is sent only when set (the API defaults to false)."""
    return {"removeExpiredCustomers": remove_expired_customers or None}


class AutomationsMixin(ContactflowMixin):
    def list_automations(
        self,
        *,
        node: str | None = None,
        page_size: int | None = None,
        prefetch: int = 1,
        **filters: Unpack[AutomationFilters],
    ) -> AsyncPaginator[Automation]:
        """Automations of the node (paged); list filters such as ``status`` repeat the key."""
        return self._paged(
            routes.LIST_AUTOMATIONS,
            Automation,
            query=to_query(AUTOMATION_FILTERS, filters),
            node=node,
            page_size=page_size,
            prefetch=prefetch,
        )

    async def create_automation(
        self,
        automation: Automation | Mapping[str, Any] | None = None,
        *,
        node: str | None = None,
        **fields: Unpack[AutomationFields],
    ) -> Automation:
        body = self._as_model(Automation, automation, fields)
        return await self._model(routes.CREATE_AUTOMATION, Automation, json=body, node=node)

    async def get_automation(self, automation_uuid: str, *, node: str | None = None) -> Automation:
        return await self._model(
            routes.GET_AUTOMATION, Automation, path={"automationUuid": automation_uuid}, node=node
        )

    async def update_automation(
        self,
        automation_uuid: str,
        automation: Automation | Mapping[str, Any] | None = None,
        *,
        remove_expired_customers: bool = False,
        node: str | None = None,
        **fields: Unpack[AutomationFields],
    ) -> Automation:
        """Replace an automation; ``remove_expired_customers`` matters on PAUSED -> RUNNING."""
        return await self._model(
            routes.UPDATE_AUTOMATION,
            Automation,
            path={"automationUuid": automation_uuid},
            query=_expired(remove_expired_customers),
            json=self._as_model(Automation, automation, fields),
            node=node,
        )

    async def update_automation_status(
        self,
        automation_uuid: str,
        status: AutomationStatus | AutomationStatusName,
        name: str | None = None,
        *,
        remove_expired_customers: bool = False,
        node: str | None = None,
    ) -> Automation:
        """Change an automation's status (and optionally its name)."""
        body = AutomationStatusUpdate(
            name=name, status=_validate.enum_member("status", AutomationStatus, status)
        )
        return await self._model(
            routes.UPDATE_AUTOMATION_STATUS,
            Automation,
            path={"automationUuid": automation_uuid},
            query=_expired(remove_expired_customers),
            json=body,
            node=node,
        )

    async def delete_automation(self, automation_uuid: str, *, node: str | None = None) -> None:
        await self._json(
            routes.DELETE_AUTOMATION, path={"automationUuid": automation_uuid}, node=node
        )

    async def get_step_feedbacks(
        self, automation_uuid: str, step_uuid: str, *, node: str | None = None
    ) -> StepFeedbacks:
        return await self._model(
            routes.GET_STEP_FEEDBACKS,
            StepFeedbacks,
            path={"automationUuid": automation_uuid, "stepUuid": step_uuid},
            node=node,
        )

    async def get_automation_feedbacks(
        self, automation_uuid: str, *, node: str | None = None
    ) -> AutomationFeedbacks:
        return await self._model(
            routes.GET_AUTOMATION_FEEDBACKS,
            AutomationFeedbacks,
            path={"automationUuid": automation_uuid},
            node=node,
        )

    async def download_automations_report(
        self,
        dest: Destination,
        *,
        node: str | None = None,
        **filters: Unpack[AutomationReportFilters],
    ) -> int:
        """Stream the CSV report to a path (replaced atomically) or a binary file;
        return the bytes written."""
        query = to_query(AUTOMATION_REPORT_FILTERS, filters)
        return await self._download(
            routes.AUTOMATIONS_REPORT, dest, query=query, headers=_ACCEPT_CSV, node=node
        )

    async def iter_automations_report(
        self, *, node: str | None = None, **filters: Unpack[AutomationReportFilters]
    ) -> AsyncIterator[dict[str, str]]:
        """The CSV report's rows (header names as keys), parsed as the body arrives."""
        query = to_query(AUTOMATION_REPORT_FILTERS, filters)
        async with self._stream(
            routes.AUTOMATIONS_REPORT, query=query, headers=_ACCEPT_CSV, node=node
        ) as response:
            async for row in iter_csv_rows(response.iter_chunks()):
                yield row

    async def get_automation_categories_deprecated(self, *, node: str | None = None) -> Categories:
        """Deprecated by the API: use :meth:`get_automation_categories`."""
        warnings.warn(
            "GET /automations/categories is deprecated by the API; use get_automation_categories()",
            DeprecationWarning,
            stacklevel=2,  # the caller: sdk_calls adds no frame unless tracing
        )
        return await self._model(routes.AUTOMATION_CATEGORIES_DEPRECATED, Categories, node=node)

"""External contents: Email Designer settings, message models, PageBuilder, test e-mails."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Unpack

from contactflow_automizy._pagination import AsyncPaginator
from contactflow_automizy.contactflow import routes
from contactflow_automizy.contactflow._mixin import ContactflowMixin
from contactflow_automizy.contactflow.models import (
    EmailDesignerConfig,
    MailModel,
    PageBuilderPage,
    PageBuilderTemplate,
    SmsModel,
    TestEmail,
    TestEmailFields,
)


class ExternalContentsMixin(ContactflowMixin):
    async def get_email_designer_config(self, *, node: str | None = None) -> EmailDesignerConfig:
        return await self._model(routes.EMAIL_DESIGNER_CONFIG, EmailDesignerConfig, node=node)

    async def list_mail_models(self, *, node: str | None = None) -> list[MailModel]:
        """SEND mail groups usable as mail message models."""
        return await self._model(routes.LIST_MAIL_MODELS, list[MailModel], node=node)

    async def list_sms_models(self, *, node: str | None = None) -> list[SmsModel]:
        """SMS mail groups usable as sms message models."""
        return await self._model(routes.LIST_SMS_MODELS, list[SmsModel], node=node)

    def list_pagebuilder_templates(
        self, *, node: str | None = None, page_size: int | None = None, prefetch: int = 1
    ) -> AsyncPaginator[PageBuilderTemplate]:
        return self._paged(
            routes.LIST_PAGEBUILDER_TEMPLATES,
            PageBuilderTemplate,
            node=node,
            page_size=page_size,
            prefetch=prefetch,
        )

    def list_pagebuilder_pages(
        self,
        template_id: int,
        *,
        node: str | None = None,
        page_size: int | None = None,
        prefetch: int = 1,
    ) -> AsyncPaginator[PageBuilderPage]:
        return self._paged(
            routes.LIST_PAGEBUILDER_PAGES,
            PageBuilderPage,
            path={"templateId": template_id},
            node=node,
            page_size=page_size,
            prefetch=prefetch,
        )

    async def get_pagebuilder_page(
        self, template_id: int, page_id: int, *, node: str | None = None
    ) -> PageBuilderPage:
        return await self._model(
            routes.GET_PAGEBUILDER_PAGE,
            PageBuilderPage,
            path={"templateId": template_id, "pageId": page_id},
            node=node,
        )

    async def send_test_email(
        self,
        test: TestEmail | Mapping[str, Any] | None = None,
        *,
        node: str | None = None,
        **fields: Unpack[TestEmailFields],
    ) -> None:
        """Send a test of a step's mail to ``email``."""
        body = self._as_model(TestEmail, test, fields)
        await self._json(routes.SEND_TEST_EMAIL, json=body, node=node)

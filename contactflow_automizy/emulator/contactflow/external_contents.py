"""External contents: mail and SMS models, PageBuilder templates and pages, the Email
Designer configuration and test e-mails.  Fixed catalogues, since the emulator has no
content services behind it; test e-mails are recorded in ``state.test_emails``."""

from __future__ import annotations

from typing import Any

from contactflow_automizy._routes import Route
from contactflow_automizy.contactflow import routes
from contactflow_automizy.emulator.api import Call, Operation
from contactflow_automizy.emulator.checks import array, integer, string
from contactflow_automizy.emulator.contactflow.common import (
    PAGE,
    body_object,
    catalogue,
    check,
    not_found,
    ok,
)
from contactflow_automizy.emulator.paging import contactflow_page
from contactflow_automizy.emulator.wire import Reply

__all__ = ["ROUTES"]

MAIL_MODELS = [{"id": 1, "name": "Welcome"}, {"id": 2, "name": "Monthly newsletter"}]
SMS_MODELS = [{"id": 1, "name": "Appointment reminder"}]
TEMPLATES = [{"id": 1, "name": "Landing page"}, {"id": 2, "name": "Survey"}]
PAGES = {
    1: [{"id": 1, "templateId": 1, "name": "Home"}, {"id": 2, "templateId": 1, "name": "Thanks"}],
    2: [{"id": 3, "templateId": 2, "name": "Questions"}],
}


#: The test campaign resource; the seed requires none of its fields, and states no format
#: for ``email`` (a string).
TEST_EMAIL = {
    "modelIdentifier": integer,
    "senderName": string,
    "senderEmail": string,
    "senderReplyTo": string,
    "subject": string,
    "htmlContent": string,
    "textContent": string,
    "customRef": string,
    "email": string,
    "attributes": array,
}


def list_templates(call: Call) -> Reply:
    return ok(contactflow_page(call.query, TEMPLATES, dict))


def _pages_of(call: Call) -> list[dict[str, Any]]:
    template_id = call.params["templateId"]
    if template_id not in PAGES:
        raise not_found("PageBuilder template", template_id)
    return PAGES[template_id]


def list_pages(call: Call) -> Reply:
    return ok(contactflow_page(call.query, _pages_of(call), dict))


def get_page(call: Call) -> Reply:
    page_id = call.params["pageId"]
    for page in _pages_of(call):
        if page["id"] == page_id:
            return ok(page)
    raise not_found("PageBuilder page", page_id)


def send_test_email(call: Call) -> Reply:
    body = body_object(call)
    check(body, TEST_EMAIL)
    call.state.test_emails.append(body)
    return ok({"message": f"Test e-mail sent to {body.get('email')}", "logref": None, "errors": []})


ROUTES: dict[Route, Operation] = {
    routes.EMAIL_DESIGNER_CONFIG: catalogue({"enabled": True}),
    routes.LIST_MAIL_MODELS: catalogue(MAIL_MODELS),
    routes.LIST_SMS_MODELS: catalogue(SMS_MODELS),
    routes.LIST_PAGEBUILDER_TEMPLATES: Operation(list_templates, PAGE),
    routes.LIST_PAGEBUILDER_PAGES: Operation(list_pages, PAGE),
    routes.GET_PAGEBUILDER_PAGE: Operation(get_page),
    routes.SEND_TEST_EMAIL: Operation(send_test_email, body=TEST_EMAIL),
}

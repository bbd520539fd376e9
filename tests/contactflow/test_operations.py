"""Every Contactflow operation of the 2.49.0 seed, checked on the wire.

One table row per public method: the exact request (method, URL with query,
Authorization and Node headers, JSON body) and the parsed result.  The Node
override and the absence of Node on non-node routes are checked for every row.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import attrs
import orjson
import pytest
from aioresponses import aioresponses
from aioresponses.compat import normalize_url
from yarl import URL

from contactflow_automizy import ContactflowClient
from contactflow_automizy._download import ReportRow
from contactflow_automizy._routes import Route
from contactflow_automizy.contactflow import models as m
from contactflow_automizy.contactflow import routes
from tests.conftest import CF_BASE, NODE, TOKEN

U1 = "11111111-1111-4111-8111-111111111111"
U2 = "22222222-2222-4222-8222-222222222222"
U3 = "33333333-3333-4333-8333-333333333333"
OTHER_NODE = "44444444-4444-4444-8444-444444444444"
WHEN = "2019-08-24T14:15:22Z"
WHEN_DT = datetime(2019, 8, 24, 14, 15, 22, tzinfo=UTC)

NODE_JSON = {"uuid": U1, "name": "main", "groupPk": 7, "active": True, "created": WHEN}
NODE_MODEL = m.Node(uuid=U1, name="main", group_pk=7, active=True, created=WHEN_DT)
SETTING_JSON = {
    "uuid": U2,
    "label": "soap",
    "category": "INTEGRATION",
    "type": "CLAB_API_SOAP",
    "value": {"endpoint": "https://x", "retries": 2},
}
SETTING_MODEL = m.Setting(
    uuid=U2,
    label="soap",
    category=m.SettingCategory.INTEGRATION,
    type=m.SettingType.CLAB_API_SOAP,
    value={"endpoint": "https://x", "retries": 2},
)
AUTOMATION_JSON = {
    "uuid": U1,
    "name": "Welcome",
    "category": "Custom",
    "author": "ann",
    "startDate": WHEN,
    "timezone": "Europe/Rome",
    "status": "RUNNING",
    "created": WHEN,
    "createdBy": "ann",
    "description": "d",
    "endDate": WHEN,
    "uniqueToken": False,
    "removeActionPrimary": True,
    "sourceDescription": "src",
    "triggerEvents": [{"type": "SIGNUP"}],
    "steps": [{"uuid": U2, "operation": "WEBHOOK"}],
    "connections": [{"from": U2, "to": U3}],
    "statistics": {"running": 3},
}
AUTOMATION_MODEL = m.Automation(
    uuid=U1,
    name="Welcome",
    category=m.AutomationCategory.CUSTOM,
    author="ann",
    start_date=WHEN_DT,
    timezone="Europe/Rome",
    status=m.AutomationStatus.RUNNING,
    created=WHEN_DT,
    created_by="ann",
    description="d",
    end_date=WHEN_DT,
    unique_token=False,
    remove_action_primary=True,
    source_description="src",
    trigger_events=[{"type": "SIGNUP"}],
    steps=[{"uuid": U2, "operation": "WEBHOOK"}],
    connections=[{"from": U2, "to": U3}],
    statistics={"running": 3},
)
STEP_FEEDBACKS_JSON = {
    "uuid": U2,
    "type": "ACTION",
    "operation": "CLAB_CAMPAIGN_SMS",
    "description": "sms",
    "feedbacks": {"sent": 10},
}
STEP_FEEDBACKS_MODEL = m.StepFeedbacks(
    uuid=U2,
    type="ACTION",
    operation=m.StepType.CLAB_CAMPAIGN_SMS,
    description="sms",
    feedbacks={"sent": 10},
)
CUSTOMER_JSON = {"uuid": U2, "userPk": "42", "clabUuid": U3, "attributes": {"email": "a@b.c"}}
CUSTOMER_MODEL = m.Customer(uuid=U2, user_pk="42", clab_uuid=U3, attributes={"email": "a@b.c"})
TOKEN_JSON = {
    "uuid": U3,
    "userPk": "42",
    "clabUuid": U2,
    "attributes": {"email": "a@b.c"},
    "automationUuid": U1,
    "automationName": "Welcome",
    "stepUuid": U2,
    "stepOperation": "CLAB_CAMPAIGN_SMS",
    "stepType": "ACTION",
    "stepDescription": "sms",
    "enterStepDate": WHEN,
    "enterAutomationDate": WHEN,
    "status": "READY",
    "automationStatus": "COMMITTED",
    "errorDate": WHEN,
    "errorMessage": "none",
}
TOKEN_MODEL = m.Token(
    uuid=U3,
    user_pk="42",
    clab_uuid=U2,
    attributes={"email": "a@b.c"},
    automation_uuid=U1,
    automation_name="Welcome",
    step_uuid=U2,
    step_operation=m.StepType.CLAB_CAMPAIGN_SMS,
    step_type="ACTION",
    step_description="sms",
    enter_step_date=WHEN_DT,
    enter_automation_date=WHEN_DT,
    status="READY",
    automation_status=m.AutomationStatus.COMMITTED,
    error_date=WHEN_DT,
    error_message="none",
)
CSV_BODY = b'\xef\xbb\xbfname,status\r\nWelcome,RUNNING\r\n"Multi\nline",PAUSED\r\n'
CSV_ROWS = [
    {"name": "Welcome", "status": "RUNNING"},
    {"name": "Multi\nline", "status": "PAUSED"},
]


def _zip_body() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("tokens-1.csv", "uuid,status\r\na,READY\r\n")
        archive.writestr("tokens-2.csv", "uuid,status\r\nb,ERROR\r\n")
    return buffer.getvalue()


ZIP_BODY = _zip_body()


def page(*elements: Any, size: int = 100) -> dict[str, Any]:
    meta = {"size": size, "totalElements": len(elements), "totalPages": 1, "number": 0}
    return {"page": meta, "elements": list(elements)}


def pages(size: int = 100) -> list[tuple[str, str]]:
    return [("page", "0"), ("size", str(size))]


async def _deprecated(cf: ContactflowClient, **kw: Any) -> m.Categories:
    with pytest.warns(DeprecationWarning, match="get_automation_categories"):
        return await cf.get_automation_categories_deprecated(**kw)


async def _download(method: Callable[..., Awaitable[int]], **kw: Any) -> tuple[int, bytes]:
    out = io.BytesIO()
    written = await method(out, **kw)
    return written, out.getvalue()


async def _rows(iterator: Any) -> list[Any]:
    return [row async for row in iterator]


Call = Callable[..., Awaitable[Any]]


@attrs.frozen
class Op:
    """One operation: how to call it, what must go on the wire, what comes back."""

    call: Call
    method: str
    path: str
    expected: Any
    reply: Any = None
    params: list[tuple[str, str]] = attrs.field(factory=list)
    body: Any = None
    node: bool = True
    accept: str = "application/json"
    raw: bytes | None = None
    status: int = 200


OPS: dict[str, Op] = {
    "get_current_user": Op(
        lambda cf: cf.get_current_user(),
        "GET",
        "/user",
        m.CurrentUser(base={"username": "ann"}, extended={"nodes": [U1]}),
        reply={"base": {"username": "ann"}, "extended": {"nodes": [U1]}},
        node=False,
    ),
    "get_actions": Op(
        lambda cf, **kw: cf.get_actions(**kw),
        "GET",
        "/actions",
        ["CLAB_CAMPAIGN_SMS", "WEBHOOK"],
        reply=["CLAB_CAMPAIGN_SMS", "WEBHOOK"],
    ),
    "list_nodes": Op(
        lambda cf: cf.list_nodes(portfolio_uuid=U2, workspace_uuid=U3).to_list(),
        "GET",
        "/nodes",
        [NODE_MODEL],
        reply=page(NODE_JSON),
        params=[("portfolioUuid", U2), ("workspaceUuid", U3), *pages()],
        node=False,
    ),
    "create_node": Op(
        lambda cf: cf.create_node(name="main", active=True, group_pk=7),
        "POST",
        "/nodes",
        NODE_MODEL,
        reply=NODE_JSON,
        body={"name": "main", "groupPk": 7, "active": True},
        node=False,
    ),
    "get_node": Op(
        lambda cf: cf.get_node(U1), "GET", f"/nodes/{U1}", NODE_MODEL, reply=NODE_JSON, node=False
    ),
    "update_node": Op(
        lambda cf: cf.update_node(U1, False, sms_active=True, hub_phone_field="mobile"),
        "PATCH",
        f"/nodes/{U1}",
        NODE_MODEL,
        reply=NODE_JSON,
        body={"active": False, "smsActive": True, "hubPhoneField": "mobile"},
        node=False,
    ),
    "delete_node": Op(
        lambda cf: cf.delete_node(U1), "DELETE", f"/nodes/{U1}", None, status=204, node=False
    ),
    "list_settings": Op(
        lambda cf, **kw: cf.list_settings(
            category="INTEGRATION", type=m.SettingType.CLAB_API_SOAP, **kw
        ),
        "GET",
        "/settings",
        m.SettingsList(integrations=[SETTING_MODEL]),
        reply={"integrations": [SETTING_JSON]},
        params=[("Category", "INTEGRATION"), ("Type", "CLAB_API_SOAP")],
    ),
    "create_setting": Op(
        lambda cf, **kw: cf.create_setting(
            m.Setting(label="soap", type=m.SettingType.CLAB_API_SOAP, value={"a": 1}), **kw
        ),
        "POST",
        "/settings",
        SETTING_MODEL,
        reply=SETTING_JSON,
        body={"label": "soap", "type": "CLAB_API_SOAP", "value": {"a": 1}},
    ),
    "get_setting": Op(
        lambda cf, **kw: cf.get_setting(U2, **kw),
        "GET",
        f"/settings/{U2}",
        SETTING_MODEL,
        reply=SETTING_JSON,
    ),
    "update_setting": Op(
        lambda cf, **kw: cf.update_setting(U2, {"label": "hub", "type": "HUB"}, **kw),
        "PUT",
        f"/settings/{U2}",
        SETTING_MODEL,
        reply=SETTING_JSON,
        body={"label": "hub", "type": "HUB"},
    ),
    "delete_setting": Op(
        lambda cf, **kw: cf.delete_setting(U2, **kw),
        "DELETE",
        f"/settings/{U2}",
        None,
        status=204,
    ),
    "list_automations": Op(
        lambda cf, **kw: cf.list_automations(
            status=["RUNNING", m.AutomationStatus.PAUSED],
            category="Custom",
            created_after=datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC),
            step_type="WEBHOOK",
            has_trigger=True,
            style="compact",
            page_size=50,
            **kw,
        ).to_list(),
        "GET",
        "/automations",
        [AUTOMATION_MODEL],
        reply=page(AUTOMATION_JSON, size=50),
        params=[
            ("status", "RUNNING"),
            ("status", "PAUSED"),
            ("category", "Custom"),
            ("createdAfter", "2024-01-02T03:04:05+00:00"),
            ("stepType", "WEBHOOK"),
            ("hasTrigger", "true"),
            ("style", "compact"),
            *pages(50),
        ],
    ),
    "create_automation": Op(
        lambda cf, **kw: cf.create_automation(
            name="Welcome", status=m.AutomationStatus.DRAFT, steps=[{"uuid": U2}], **kw
        ),
        "POST",
        "/automations",
        AUTOMATION_MODEL,
        reply=AUTOMATION_JSON,
        body={"name": "Welcome", "status": "DRAFT", "steps": [{"uuid": U2}]},
    ),
    "get_automation": Op(
        lambda cf, **kw: cf.get_automation(U1, **kw),
        "GET",
        f"/automations/{U1}",
        AUTOMATION_MODEL,
        reply=AUTOMATION_JSON,
    ),
    "update_automation": Op(
        lambda cf, **kw: cf.update_automation(
            U1, AUTOMATION_MODEL, remove_expired_customers=True, **kw
        ),
        "PUT",
        f"/automations/{U1}",
        AUTOMATION_MODEL,
        reply=AUTOMATION_JSON,
        params=[("removeExpiredCustomers", "true")],
        body={**AUTOMATION_JSON, "startDate": "2019-08-24T14:15:22+00:00"}
        | {"created": "2019-08-24T14:15:22+00:00", "endDate": "2019-08-24T14:15:22+00:00"},
    ),
    "update_automation_status": Op(
        lambda cf, **kw: cf.update_automation_status(U1, "PAUSED", name="Renamed", **kw),
        "PATCH",
        f"/automations/{U1}",
        AUTOMATION_MODEL,
        reply=AUTOMATION_JSON,
        body={"name": "Renamed", "status": "PAUSED"},
    ),
    "delete_automation": Op(
        lambda cf, **kw: cf.delete_automation(U1, **kw),
        "DELETE",
        f"/automations/{U1}",
        None,
        status=204,
    ),
    "get_step_feedbacks": Op(
        lambda cf, **kw: cf.get_step_feedbacks(U1, U2, **kw),
        "GET",
        f"/automations/{U1}/steps/{U2}/feedbacks",
        STEP_FEEDBACKS_MODEL,
        reply=STEP_FEEDBACKS_JSON,
    ),
    "get_automation_feedbacks": Op(
        lambda cf, **kw: cf.get_automation_feedbacks(U1, **kw),
        "GET",
        f"/automations/{U1}/feedbacks",
        m.AutomationFeedbacks(automation_uuid=U1, steps=[STEP_FEEDBACKS_MODEL]),
        reply={"automationUuid": U1, "steps": [STEP_FEEDBACKS_JSON]},
    ),
    "download_automations_report": Op(
        lambda cf, **kw: _download(
            cf.download_automations_report, status=["ERROR"], filename="fb", **kw
        ),
        "GET",
        "/automations/reports",
        (len(CSV_BODY), CSV_BODY),
        raw=CSV_BODY,
        params=[("status", "ERROR"), ("filename", "fb")],
        accept="text/csv, */*;q=0.1",
    ),
    "iter_automations_report": Op(
        lambda cf, **kw: _rows(cf.iter_automations_report(automation_uuid=U1, **kw)),
        "GET",
        "/automations/reports",
        CSV_ROWS,
        raw=CSV_BODY,
        params=[("automationUuid", U1)],
        accept="text/csv, */*;q=0.1",
    ),
    "get_automation_categories_deprecated": Op(
        _deprecated,
        "GET",
        "/automations/categories",
        m.Categories(categories=["Custom"]),
        reply={"categories": ["Custom"]},
    ),
    "add_customer": Op(
        lambda cf, **kw: cf.add_customer(U1, CUSTOMER_JSON, **kw),
        "POST",
        f"/automations/{U1}/customers",
        CUSTOMER_MODEL,
        reply=CUSTOMER_JSON,
        body=CUSTOMER_JSON,
    ),
    "delete_customer": Op(
        lambda cf, **kw: cf.delete_customer(U1, U2, **kw),
        "DELETE",
        f"/automations/{U1}/customers/{U2}",
        None,
        status=204,
    ),
    "add_customer_batch": Op(
        lambda cf, **kw: cf.add_customer_batch(
            U1, [{"clabUuid": U3}], "FIRST", U2, source_label="import", **kw
        ),
        "POST",
        f"/automations/{U1}/customers/batch",
        m.BatchSource(source_label="import", source_uuid=U2, status=m.BatchStatus.OPEN),
        reply={"sourceLabel": "import", "sourceUuid": U2, "status": "OPEN"},
        body={
            "customers": [{"clabUuid": U3}],
            "packet": "FIRST",
            "sourceLabel": "import",
            "sourceUuid": U2,
        },
    ),
    "delete_customer_batch": Op(
        lambda cf, **kw: cf.delete_customer_batch(U1, U2, **kw),
        "DELETE",
        f"/automations/{U1}/customers/batch",
        None,
        status=204,
        params=[("sourceUuid", U2)],
    ),
    "get_token": Op(
        lambda cf, **kw: cf.get_token(U3, **kw),
        "GET",
        f"/tokens/{U3}",
        TOKEN_MODEL,
        reply=TOKEN_JSON,
    ),
    "search_tokens": Op(
        lambda cf, **kw: cf.search_tokens(
            automation_uuid=U1, aggregated_status="ERROR", sort="recipient", **kw
        ).to_list(),
        "GET",
        "/tokens",
        [TOKEN_MODEL],
        reply=page(TOKEN_JSON, size=20),
        params=[
            ("automationUuid", U1),
            ("aggregatedStatus", "ERROR"),
            ("sort", "recipient"),
            *pages(20),
        ],
    ),
    "download_tokens_report": Op(
        lambda cf, **kw: _download(cf.download_tokens_report, recipient="a@b.c", **kw),
        "GET",
        "/tokens/reports",
        (len(ZIP_BODY), ZIP_BODY),
        raw=ZIP_BODY,
        params=[("recipient", "a@b.c")],
        accept="application/zip, */*;q=0.1",
    ),
    "iter_tokens_report": Op(
        lambda cf, **kw: _rows(cf.iter_tokens_report(filename="mon", **kw)),
        "GET",
        "/tokens/reports",
        [
            ReportRow("tokens-1.csv", {"uuid": "a", "status": "READY"}),
            ReportRow("tokens-2.csv", {"uuid": "b", "status": "ERROR"}),
        ],
        raw=ZIP_BODY,
        params=[("filename", "mon")],
        accept="application/zip, */*;q=0.1",
    ),
    "get_email_designer_config": Op(
        lambda cf, **kw: cf.get_email_designer_config(**kw),
        "GET",
        "/external-contents/email-designer",
        m.EmailDesignerConfig(enabled=True),
        reply={"enabled": True},
    ),
    "list_mail_models": Op(
        lambda cf, **kw: cf.list_mail_models(**kw),
        "GET",
        "/external-contents/mail-models",
        [m.MailModel(extra={"id": 1, "name": "news"})],
        reply=[{"id": 1, "name": "news"}],
    ),
    "list_sms_models": Op(
        lambda cf, **kw: cf.list_sms_models(**kw),
        "GET",
        "/external-contents/sms-models",
        [m.SmsModel(extra={"id": 2})],
        reply=[{"id": 2}],
    ),
    "list_pagebuilder_templates": Op(
        lambda cf, **kw: cf.list_pagebuilder_templates(**kw).to_list(),
        "GET",
        "/external-contents/pagebuilder/templates",
        [m.PageBuilderTemplate(id=3, name="landing")],
        reply=page({"id": 3, "name": "landing"}),
        params=pages(),
    ),
    "list_pagebuilder_pages": Op(
        lambda cf, **kw: cf.list_pagebuilder_pages(3, **kw).to_list(),
        "GET",
        "/external-contents/pagebuilder/templates/3/pages",
        [m.PageBuilderPage(id=4, template_id=3, name="home")],
        reply=page({"id": 4, "templateId": 3, "name": "home"}),
        params=pages(),
    ),
    "get_pagebuilder_page": Op(
        lambda cf, **kw: cf.get_pagebuilder_page(3, 4, **kw),
        "GET",
        "/external-contents/pagebuilder/templates/3/pages/4",
        m.PageBuilderPage(id=4, template_id=3, name="home"),
        reply={"id": 4, "templateId": 3, "name": "home"},
    ),
    "send_test_email": Op(
        lambda cf, **kw: cf.send_test_email(
            model_identifier=9,
            sender_reply_to="r@b.c",
            email="a@b.c",
            attributes=[{"name": "first", "value": "Ann"}],
            **kw,
        ),
        "POST",
        "/external-contents/email-test",
        None,
        status=204,
        body={
            "modelIdentifier": 9,
            "senderReplyTo": "r@b.c",
            "email": "a@b.c",
            "attributes": [{"name": "first", "value": "Ann"}],
        },
    ),
    "list_send_subscriptions": Op(
        lambda cf, **kw: cf.list_send_subscriptions(**kw),
        "GET",
        "/send-subscriptions",
        m.SendSubscriptions(subscriptions=[{"id": 5}]),
        reply={"subscriptions": [{"id": 5}]},
    ),
    "list_node_kpis": Op(
        lambda cf: cf.list_node_kpis().to_list(),
        "GET",
        "/kpis/nodes",
        [m.NodeKpi(extra={"node": NODE_JSON, "running": 2})],
        reply=page({"node": NODE_JSON, "running": 2}),
        params=pages(),
        node=False,
    ),
    "get_trigger_event_definitions": Op(
        lambda cf, **kw: cf.get_trigger_event_definitions(**kw),
        "GET",
        "/definitions/trigger-events",
        {"SIGNUP": {"attributes": ["email"]}},
        reply={"SIGNUP": {"attributes": ["email"]}},
    ),
    "get_event_context_definitions": Op(
        lambda cf, **kw: cf.get_event_context_definitions(**kw),
        "GET",
        "/definitions/events-context",
        {"order": {"total": "NUMBER"}},
        reply={"order": {"total": "NUMBER"}},
    ),
    "get_customer_definitions": Op(
        lambda cf, **kw: cf.get_customer_definitions(**kw),
        "GET",
        "/definitions/customers",
        {"email": "STRING"},
        reply={"email": "STRING"},
    ),
    "get_automation_categories": Op(
        lambda cf, **kw: cf.get_automation_categories(**kw),
        "GET",
        "/definitions/categories",
        m.Categories(categories=["Custom"]),
        reply={"categories": ["Custom"]},
    ),
}
NODE_OPS = [name for name, op in OPS.items() if op.node]


def _mock(mocked: aioresponses, op: Op) -> None:
    url = re.compile(re.escape(CF_BASE + op.path) + r"(\?.*)?$")
    if op.raw is not None:
        mocked.add(url, op.method, status=op.status, body=op.raw)
    elif op.reply is None:
        mocked.add(url, op.method, status=op.status, body=b"")
    else:
        mocked.add(url, op.method, status=op.status, body=orjson.dumps(op.reply))


def _sent(mocked: aioresponses, op: Op) -> dict[str, Any]:
    """The one request ``op`` made: its URL is checked here, headers and body returned."""
    assert len(mocked.requests) == 1, list(mocked.requests)
    [((method, url), calls)] = mocked.requests.items()
    assert method == op.method
    assert url == normalize_url(URL(CF_BASE + op.path).with_query(op.params))
    [call] = calls
    assert list(call.kwargs["params"] or []) == op.params  # order kept, lists repeat the key
    return dict(call.kwargs)


def test_the_table_covers_every_route() -> None:
    declared = {
        (r.method, r.template.replace(":uuid", "").replace(":int", ""))
        for r in vars(routes).values()
        if isinstance(r, Route)
    }
    assert len(declared) == 42
    covered = {(op.method, re.sub(rf"{U1}|{U2}|{U3}", "x", op.path)) for op in OPS.values()}
    templates = {(meth, re.sub(r"\{\w+\}", "x", path)) for meth, path in declared}
    covered = {(meth, re.sub(r"/\d+", "/x", path)) for meth, path in covered}
    assert covered == templates


@pytest.mark.parametrize("name", list(OPS))
async def test_wire_and_result(name: str, cf: ContactflowClient, mocked: aioresponses) -> None:
    op = OPS[name]
    _mock(mocked, op)
    result = await op.call(cf)
    assert result == op.expected
    sent = _sent(mocked, op)
    headers = sent["headers"]
    assert headers["Authorization"] == f"Bearer {TOKEN}"
    assert headers["Accept"] == op.accept
    if op.node:
        assert headers["Node"] == NODE
    else:
        assert "Node" not in headers
    if op.body is None:
        assert sent["data"] is None
        assert "Content-Type" not in headers
    else:
        assert headers["Content-Type"] == "application/json"
        assert orjson.loads(sent["data"]) == op.body


@pytest.mark.parametrize("name", NODE_OPS)
async def test_node_override(name: str, cf: ContactflowClient, mocked: aioresponses) -> None:
    op = OPS[name]
    _mock(mocked, op)
    assert await op.call(cf, node=OTHER_NODE) == op.expected
    assert _sent(mocked, op)["headers"]["Node"] == OTHER_NODE

"""Every operation of both route tables, walked: one valid request, then the invalid ones
the seeds imply (wrong types, missing required fields, bad enums, bad or unknown
UUIDs/ids, unknown keys, no credentials), each answer asserted (status, and the name
the error must carry).  The expectations are written here from the seed documents,
not read from the emulator, so this is the oracle the emulator is held to.

Per operation, besides the cases listed in :data:`WALKS`, every walk also sends:
an undocumented query parameter (400, strict mode), an undocumented body key for
JSON-body operations (400), a malformed value for each path parameter (400
Contactflow / 422 Automizy), an unknown id in the first path parameter (404), no
credentials (401), and for node-scoped Contactflow operations no ``Node`` header
(400).
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Mapping
from typing import Any

import attrs
import orjson
import pytest

from contactflow_automizy._routes import Route
from contactflow_automizy.automizy import routes as az
from contactflow_automizy.contactflow import routes as cf
from contactflow_automizy.emulator import Emulator
from tests.emulator._helpers import Raw

NO_BODY = object()
NAIVE = "2030-01-01T10:00:00"
AWARE = "2030-01-01T10:00:00Z"


@attrs.frozen
class W:
    """A value of the world the walk runs in (an automation's UUID, a list's id...)."""

    name: str


def _resolve(value: Any, world: Mapping[str, Any]) -> Any:
    if isinstance(value, W):
        return world[value.name]
    if isinstance(value, dict):
        return {k: _resolve(v, world) for k, v in value.items()}
    if isinstance(value, list):
        return [_resolve(v, world) for v in value]
    return value


@attrs.frozen
class Bad:
    """One invalid request: the valid one with ``path``/``query`` values replaced and
    ``json`` keys replaced (``None`` removes a key), or the whole body (``body=``)."""

    why: str
    status: int
    names: str | None = None
    path: Mapping[str, Any] = attrs.field(factory=dict)
    query: Mapping[str, Any] = attrs.field(factory=dict)
    json: Mapping[str, Any] = attrs.field(factory=dict)
    body: Any = NO_BODY
    headers: Mapping[str, str] = attrs.field(factory=dict)


@attrs.frozen
class Walk:
    status: int
    path: Mapping[str, Any] = attrs.field(factory=dict)
    query: Mapping[str, Any] = attrs.field(factory=dict)
    json: Any = NO_BODY
    bad: tuple[Bad, ...] = ()
    #: A raw body with its content type (multipart uploads).
    upload: tuple[bytes, str] | None = None


def _type(field: str, value: Any, status: int = 422) -> Bad:
    return Bad(f"{field} of the wrong type", status, field, json={field: value})


def _enum(field: str, value: Any, status: int = 422) -> Bad:
    return Bad(f"{field} outside its enum", status, field, json={field: value})


def _missing(field: str, status: int = 422) -> Bad:
    return Bad(f"{field} missing", status, field, json={field: None})


def _query(name: str, value: str, status: int = 400) -> Bad:
    return Bad(f"query {name}={value}", status, name, query={name: value})


STEP = {"type": "ACTION", "operation": "CLAB_CAMPAIGN", "description": "d"}

CONTACTFLOW: dict[Route, Walk] = {
    cf.GET_CURRENT_USER: Walk(200),
    cf.GET_ACTIONS: Walk(200),
    cf.LIST_NODES: Walk(
        200,
        query={"portfolioUuid": W("portfolio")},
        bad=(
            _query("portfolioUuid", "xyz"),
            _query("workspaceUuid", "xyz"),
            _query("page", "-1"),
            _query("size", "0"),
        ),
    ),
    cf.CREATE_NODE: Walk(
        201,
        json={"name": "n", "groupPk": 1, "created": AWARE},
        bad=(
            _type("uuid", "xyz"),
            _type("name", 5),
            _type("groupPk", "one"),
            _type("userdbId", 1.5),
            _type("active", "yes"),
            _type("created", NAIVE),
            _type("portfolioUuid", "xyz"),
            Bad("an existing uuid", 409, "already exists", json={"uuid": W("node")}),
        ),
    ),
    cf.GET_NODE: Walk(200, path={"nodeUuid": W("node")}),
    cf.UPDATE_NODE: Walk(
        200,
        path={"nodeUuid": W("other_node")},
        json={"active": True},
        bad=(_missing("active"), _type("active", "yes"), _type("hubPhoneField", 5)),
    ),
    cf.DELETE_NODE: Walk(204, path={"nodeUuid": W("other_node")}),
    cf.LIST_SETTINGS: Walk(
        200,
        query={"Category": "INTEGRATION", "Type": "CLAB_API_SOAP"},
        bad=(_query("Category", "OTHER"), _query("Type", "HUB")),
    ),
    cf.CREATE_SETTING: Walk(
        201,
        json={"label": "s", "category": "INTEGRATION", "type": "HUB", "value": {}},
        bad=(
            _enum("category", "OTHER"),
            _enum("type", "SOAP"),
            _type("value", []),
            _type("uuid", "xyz"),
            _type("label", 5),
        ),
    ),
    cf.GET_SETTING: Walk(200, path={"settingUuid": W("setting")}),
    cf.UPDATE_SETTING: Walk(
        200,
        path={"settingUuid": W("setting")},
        json={"label": "t", "type": "CLAB_API_SOAP"},
        bad=(_enum("type", "SOAP"), _type("value", "v")),
    ),
    cf.DELETE_SETTING: Walk(204, path={"settingUuid": W("setting")}),
    cf.LIST_AUTOMATIONS: Walk(
        200,
        query={"status": "RUNNING", "createdAfter": "2000-01-01T00:00:00+01:00", "size": "5"},
        bad=(
            _query("status", "BOGUS"),
            _query("status", "TO_DELETE"),
            _query("category", "Other"),
            _query("stepType", "BOGUS"),
            _query("hasTrigger", "maybe"),
            _query("createdAfter", NAIVE),
            _query("startDateBefore", "yesterday"),
            _query("size", "0"),
        ),
    ),
    cf.CREATE_AUTOMATION: Walk(
        201,
        json={"name": "x", "status": "DRAFT", "startDate": AWARE, "steps": [STEP]},
        bad=(
            _enum("status", "BOGUS"),
            _enum("category", "Other"),
            _type("startDate", NAIVE),
            _type("endDate", "soon"),
            _type("uniqueToken", "yes"),
            _type("steps", {}),
            _type("statistics", []),
            _type("uuid", "xyz"),
            _type("name", 5),
            Bad("an existing uuid", 409, "already exists", json={"uuid": W("automation")}),
        ),
    ),
    cf.GET_AUTOMATION: Walk(200, path={"automationUuid": W("automation")}),
    cf.UPDATE_AUTOMATION: Walk(
        200,
        path={"automationUuid": W("automation")},
        query={"removeExpiredCustomers": "true"},
        json={"name": "y", "status": "PAUSED"},
        bad=(
            _query("removeExpiredCustomers", "maybe"),
            _enum("status", "BOGUS"),
            _type("endDate", NAIVE),
        ),
    ),
    cf.UPDATE_AUTOMATION_STATUS: Walk(
        200,
        path={"automationUuid": W("automation")},
        json={"status": "PAUSED", "name": "z"},
        bad=(
            _enum("status", "BOGUS"),
            _type("name", 5),
            _query("removeExpiredCustomers", "1"),
        ),
    ),
    cf.DELETE_AUTOMATION: Walk(204, path={"automationUuid": W("automation")}),
    cf.GET_STEP_FEEDBACKS: Walk(
        200,
        path={"automationUuid": W("automation"), "stepUuid": W("step")},
        bad=(Bad("an unknown step", 404, "Step", path={"stepUuid": W("random")}),),
    ),
    cf.GET_AUTOMATION_FEEDBACKS: Walk(200, path={"automationUuid": W("automation")}),
    cf.AUTOMATIONS_REPORT: Walk(
        200,
        query={"automationUuid": W("automation"), "status": "DRAFT", "filename": "r"},
        bad=(
            _query("automationUuid", "xyz"),
            _query("status", "TO_ARCHIVE"),
            _query("stepType", "WEBHOOK"),
            _query("hasTrigger", "maybe"),
            _query("createdBefore", NAIVE),
            _query("style", "compact"),  # the report documents no style
        ),
    ),
    cf.AUTOMATION_CATEGORIES_DEPRECATED: Walk(200),
    cf.ADD_CUSTOMER: Walk(
        201,
        path={"automationUuid": W("automation")},
        json={"userPk": "u", "attributes": {"email": "u@example.com"}},
        bad=(
            _type("uuid", "xyz"),
            _type("clabUuid", "xyz"),
            _type("attributes", []),
            _type("userPk", 5),
            _type("automationName", 5),
            Bad("an existing uuid", 409, "already", json={"uuid": W("customer")}),
        ),
    ),
    cf.DELETE_CUSTOMER: Walk(
        204,
        path={"automationUuid": W("automation"), "customerUuid": W("customer")},
        bad=(Bad("an unknown customer", 404, "Customer", path={"customerUuid": W("random")}),),
    ),
    cf.ADD_CUSTOMER_BATCH: Walk(
        200,
        path={"automationUuid": W("automation")},
        json={"packet": "FIRST", "sourceUuid": W("random"), "customers": [{"userPk": "b"}]},
        bad=(
            _enum("packet", "SECOND"),
            _missing("packet"),
            _missing("sourceUuid"),
            _type("sourceUuid", "xyz"),
            _enum("status", "BOGUS"),
            _type("customers", {}),
            _type("customers", [1]),
            _type("notification", []),
            _type("sourceLabel", 5),
            Bad("FIRST of an open source", 409, "already exists", json={"sourceUuid": W("open")}),
            Bad("FIRST of a deleted one", 409, "deleted", json={"sourceUuid": W("deleted")}),
            Bad(
                "MIDDLE of a closed source",
                409,
                "closed",
                json={"packet": "MIDDLE", "sourceUuid": W("closed")},
            ),
            Bad("MIDDLE never opened", 422, "sourceUuid", json={"packet": "MIDDLE"}),
        ),
    ),
    cf.DELETE_CUSTOMER_BATCH: Walk(
        204,
        path={"automationUuid": W("automation")},
        query={"sourceUuid": W("open")},
        bad=(
            Bad("no sourceUuid", 400, "sourceUuid", query={"sourceUuid": None}),
            Bad("a sourceUuid that is no UUID", 404, "xyz", query={"sourceUuid": "xyz"}),
            Bad("a closed source", 409, "closed", query={"sourceUuid": W("closed")}),
            Bad("a deleted source", 404, "not found", query={"sourceUuid": W("deleted")}),
            Bad("an unknown source", 404, "not found", query={"sourceUuid": W("random")}),
        ),
    ),
    cf.GET_TOKEN: Walk(200, path={"tokenUuid": W("token")}),
    cf.SEARCH_TOKENS: Walk(
        200,
        query={"automationUuid": W("automation"), "sort": "recipient", "size": "5"},
        bad=(
            _query("automationUuid", "xyz"),
            _query("stepUuid", "xyz"),
            _query("aggregatedStatus", "DONE"),
            _query("sort", "name"),
            _query("size", "0"),
        ),
    ),
    cf.TOKENS_REPORT: Walk(
        200,
        query={"automationUuid": W("automation"), "aggregatedStatus": "RUNNING"},
        bad=(
            _query("automationUuid", "xyz"),
            _query("aggregatedStatus", "DONE"),
            _query("sort", "recipient"),  # the report documents no sort
        ),
    ),
    cf.EMAIL_DESIGNER_CONFIG: Walk(200),
    cf.LIST_MAIL_MODELS: Walk(200),
    cf.LIST_SMS_MODELS: Walk(200),
    cf.LIST_PAGEBUILDER_TEMPLATES: Walk(200, bad=(_query("page", "-1"),)),
    cf.LIST_PAGEBUILDER_PAGES: Walk(200, path={"templateId": 1}),
    cf.GET_PAGEBUILDER_PAGE: Walk(
        200,
        path={"templateId": 1, "pageId": 1},
        bad=(Bad("an unknown page", 404, "page", path={"pageId": 99}),),
    ),
    cf.SEND_TEST_EMAIL: Walk(
        200,
        json={"email": "qa@example.com", "modelIdentifier": 1, "attributes": []},
        bad=(
            _type("modelIdentifier", "one"),
            _type("attributes", {}),
            _type("email", 5),
            _type("subject", []),
        ),
    ),
    cf.LIST_SEND_SUBSCRIPTIONS: Walk(200),
    cf.LIST_NODE_KPIS: Walk(200, bad=(_query("size", "none"),)),
    cf.TRIGGER_EVENT_DEFINITIONS: Walk(200),
    cf.EVENT_CONTEXT_DEFINITIONS: Walk(200),
    cf.CUSTOMER_DEFINITIONS: Walk(200),
    cf.AUTOMATION_CATEGORIES: Walk(200),
}

CSV = b"email,score\r\nann@example.com,1\r\nnew@example.com,2\r\n"
BOUNDARY = "walk-boundary"
UPLOAD = (
    (
        f"--{BOUNDARY}\r\n"
        'Content-Disposition: form-data; name="file"; filename="c.csv"\r\n'
        "Content-Type: text/csv\r\n\r\n"
    ).encode()
    + CSV
    + f"\r\n--{BOUNDARY}--\r\n".encode(),
    f"multipart/form-data; boundary={BOUNDARY}",
)
PROCESS = {
    "contactListIdList": [W("list")],
    "overwrite": False,
    "fieldList": [
        {"fieldId": None, "headerName": "email", "ignore": False},
        {"fieldId": W("field"), "headerName": "score", "ignore": False},
    ],
    "addContactTagIdList": [W("tag")],
    "removeContactTagIdList": [],
    "notificationEmailAddress": "n@example.com",
}

AUTOMIZY: dict[Route, Walk] = {
    az.CREATE_CONTACT: Walk(
        200,
        json={"emailAddress": "new@example.com", "listId": W("list"), "fields": [W("value")]},
        bad=(
            _missing("emailAddress"),
            _missing("listId"),
            _type("listId", "one"),
            _type("fields", {}),
            _type("emailAddress", 5),
            Bad("an address that is none", 422, "emailAddress", json={"emailAddress": "nope"}),
            Bad("a number as a value", 422, "value", json={"fields": [{"id": 1, "value": 5}]}),
            Bad("a typo in fields", 400, "fields.valeu", json={"fields": [{"id": 1, "valeu": ""}]}),
            Bad("an unknown list", 404, "Contact List not exist", json={"listId": 999}),
            Bad("an unknown field", 404, "Field not exist", json={"fields": [{"id": 999}]}),
            Bad("a taken address", 409, "already exist", json={"emailAddress": "ann@example.com"}),
        ),
    ),
    az.GET_CONTACT: Walk(200, path={"id": W("contact")}),
    az.DELETE_CONTACT: Walk(200, path={"id": W("contact")}),
    az.UPDATE_CONTACT_STATUS: Walk(
        200,
        path={"id": W("contact")},
        json={"status": "BOUNCED"},
        bad=(_enum("status", "GONE"), _missing("status"), _type("status", 5)),
    ),
    az.UPDATE_CONTACT_EMAIL: Walk(
        200,
        path={"id": W("contact")},
        json={"emailAddress": "other@example.com"},
        bad=(
            _missing("emailAddress"),
            _type("emailAddress", 5),
            Bad("a taken address", 409, "already exist", json={"emailAddress": "bob@example.com"}),
        ),
    ),
    az.UPDATE_CONTACT_TAGS: Walk(
        200,
        path={"id": W("contact")},
        json={"tagNameList": ["a", "b"]},
        bad=(_missing("tagNameList"), _type("tagNameList", "a")),
    ),
    az.UPDATE_CONTACT_FIELD: Walk(
        200,
        path={"id": W("contact")},
        json={"fieldId": W("field"), "value": "v"},
        bad=(
            _missing("fieldId"),
            _missing("value"),
            _type("value", 5),
            _type("fieldId", "one"),
            Bad("an unknown field", 404, "Field not exist", json={"fieldId": 999}),
        ),
    ),
    az.SEARCH_CONTACTS: Walk(
        200,
        query={"page": "1", "pageSize": "10"},
        json={
            "scope": {"listId": W("list")},
            "criterion": [[{"type": "EMAIL", "operator": "IN", "value": "a"}]],
        },
        bad=(
            _missing("scope"),
            _missing("criterion"),
            _type("scope", []),
            _type("criterion", {}),
            _query("page", "first", 422),
            Bad("a typo in scope", 400, "scope.listid", json={"scope": {"listid": 1}}),
            Bad(
                "a typo in a condition",
                400,
                "criterion.operater",
                json={"criterion": [[{"type": "EMAIL", "operater": "IN"}]]},
            ),
            Bad(
                "an unknown operator",
                422,
                "operator",
                json={"criterion": [[{"type": "EMAIL", "operator": "LIKE", "value": "a"}]]},
            ),
            Bad("an unknown list", 404, "Contact List not exist", json={"scope": {"listId": 999}}),
        ),
    ),
    az.CREATE_LIST: Walk(
        200,
        json={"name": "N"},
        bad=(
            Bad("no data", 422, "'name' parameter required.", body={}),
            _missing("name"),
            _type("name", 5),
            Bad("an empty name", 422, "name", json={"name": ""}),
        ),
    ),
    az.GET_LIST: Walk(200, path={"id": W("list")}),
    az.LIST_LISTS: Walk(200, bad=(_query("page", "x", 422), _query("pageSize", "0", 422))),
    az.UPDATE_LIST: Walk(200, path={"id": W("list")}, json={"name": "M"}, bad=(_type("name", 5),)),
    az.DELETE_LIST: Walk(200, path={"id": W("list")}),
    az.CREATE_FIELD: Walk(
        200,
        json={"mergeTag": "m2", "label": "L", "type": "STRING"},
        bad=(
            _missing("label"),
            _missing("mergeTag"),
            _enum("type", "DEFAULT"),
            _type("isShownOnModificationForm", "yes"),
            _type("defaultValue", 5),
            Bad("a taken merge tag", 409, "already exist", json={"mergeTag": "firstname"}),
        ),
    ),
    az.GET_FIELD: Walk(200, path={"id": W("field")}),
    az.LIST_FIELDS: Walk(
        200,
        query={"hidden": "false"},
        bad=(_query("hidden", "maybe", 422), _query("pageSize", "0", 422)),
    ),
    az.UPDATE_FIELD: Walk(
        200,
        path={"id": W("field")},
        json={"label": "L2"},
        bad=(
            _type("label", 5),
            _enum("type", "BOGUS"),
            Bad("a taken merge tag", 409, "already exist", json={"mergeTag": "lastname"}),
            Bad("a DEFAULT field's label", 422, "label", path={"id": 1}),
        ),
    ),
    az.DELETE_FIELD: Walk(
        200,
        path={"id": W("field")},
        bad=(Bad("a DEFAULT field", 422, "DEFAULT type Field cannot be deleted", path={"id": 1}),),
    ),
    az.CREATE_TAG: Walk(200, json={"name": "t2"}, bad=(_missing("name"), _type("name", 5))),
    az.GET_TAG: Walk(200, path={"id": W("tag")}),
    az.LIST_TAGS: Walk(200, bad=(_query("pageSize", "-2", 422),)),
    az.UPDATE_TAG: Walk(
        200, path={"id": W("tag")}, json={"name": "t3"}, bad=(_missing("name"), _type("name", []))
    ),
    az.DELETE_TAG: Walk(200, path={"id": W("tag")}),
    az.ANALYZE_IMPORT: Walk(
        200,
        upload=UPLOAD,
        bad=(Bad("no file", 500, "Internal server error", body=None),),
    ),
    az.PROCESS_IMPORT: Walk(
        200,
        path={"importId": W("import")},
        json=PROCESS,
        bad=(
            _missing("overwrite"),
            _missing("fieldList"),
            _type("contactListIdList", "x"),
            _type("overwrite", "no"),
            _type("notificationEmailAddress", 5),
            Bad(
                "a typo in fieldList",
                400,
                "fieldList.header",
                json={"fieldList": [{"fieldId": None, "header": "email"}]},
            ),
            Bad(
                "an unknown list", 404, "Contact List not exist", json={"contactListIdList": [999]}
            ),
            Bad("an unknown tag", 404, "Tag not exist", json={"addContactTagIdList": [999]}),
        ),
    ),
}


# -- the world a walk runs in -------------------------------------------------------------


async def _world(raw: Raw) -> dict[str, Any]:
    """Resources every walk may refer to, made through the API itself."""

    async def ok(status: int, body: Any) -> Any:
        assert status in (200, 201), body
        return body

    world: dict[str, Any] = {"node": raw.emu.node_uuid, "random": str(uuid.uuid4())}
    world["portfolio"] = str(uuid.uuid4())
    node = await ok(*await raw.cf("POST", "/nodes", json={"portfolioUuid": world["portfolio"]}))
    world["other_node"] = node["uuid"]
    setting = await ok(*await raw.cf("POST", "/settings", json={"type": "CLAB_API_SOAP"}))
    world["setting"] = setting["uuid"]
    automation = await ok(*await raw.cf("POST", "/automations", json={"steps": [STEP]}))
    key = world["automation"] = automation["uuid"]
    world["step"] = automation["steps"][0]["uuid"]
    customer = await ok(
        *await raw.cf("POST", f"/automations/{key}/customers", json={"userPk": "c"})
    )
    world["customer"] = customer["uuid"]
    batch = f"/automations/{key}/customers/batch"
    for name, packets in (
        ("open", ["FIRST"]),
        ("closed", ["FIRST", "LAST"]),
        ("deleted", ["FIRST"]),
    ):
        world[name] = str(uuid.uuid4())
        for packet in packets:
            body = {"packet": packet, "sourceUuid": world[name], "customers": [{"userPk": name}]}
            await ok(*await raw.cf("POST", batch, json=body))
    await raw.cf("DELETE", batch, query={"sourceUuid": world["deleted"]})
    tokens = await ok(*await raw.cf("GET", "/tokens", query={"automationUuid": key}))
    world["token"] = tokens["elements"][0]["uuid"]

    made = await ok(*await raw.az("POST", az.CONTACT_MANAGER + "/list", json={"name": "L"}))
    world["list"] = made["id"]
    for email in ("ann@example.com", "bob@example.com"):
        body = {"emailAddress": email, "listId": made["id"]}
        contact = await ok(*await raw.az("POST", az.CONTACT_MANAGER + "/contact", json=body))
        world.setdefault("contact", contact["id"])
    field = {"mergeTag": "score", "label": "Score", "type": "INTEGER"}
    world["field"] = (await ok(*await raw.az("POST", az.CONTACT_MANAGER + "/field", json=field)))[
        "createdField"
    ]["id"]
    world["value"] = {"id": world["field"], "value": "7"}
    world["tag"] = (
        await ok(*await raw.az("POST", az.CONTACT_MANAGER + "/tag", json={"name": "t"}))
    )["id"]
    analysis = await ok(
        *await raw.az(
            "POST",
            az.IMPORT_SERVICE + "/analyze",
            body=UPLOAD[0],
            headers={"Content-Type": UPLOAD[1]},
        )
    )
    world["import"] = analysis["importId"]
    return world


def _path(route: Route, values: Mapping[str, Any]) -> str:
    parts = [part if isinstance(part, str) else str(values[part[0]]) for part in route.segments]
    return "/" + "/".join(parts)


def _apply(walk: Walk, bad: Bad | None, world: Mapping[str, Any]) -> dict[str, Any]:
    """The request of ``walk`` (or of one of its ``bad`` variants), resolved in ``world``."""
    path = {**walk.path, **(bad.path if bad else {})}
    query = {**walk.query, **(bad.query if bad else {})}
    request: dict[str, Any] = {
        "path": _resolve(path, world),
        "query": {k: v for k, v in _resolve(query, world).items() if v is not None},
        "headers": dict(bad.headers) if bad else {},
    }
    body = walk.json
    if bad is not None and bad.body is not NO_BODY:
        body = bad.body
    elif bad is not None and bad.json and isinstance(body, dict):
        body = {k: v for k, v in {**body, **bad.json}.items() if v is not None}
    if body is not NO_BODY and body is not None:
        request["json"] = _resolve(body, world)
    elif walk.upload is not None and (bad is None or bad.body is NO_BODY):
        request["body"], content_type = walk.upload
        request["headers"]["Content-Type"] = content_type
    return request


def _generic(route: Route, walk: Walk, automizy: bool) -> list[Bad]:
    """The invalid requests every operation gets."""
    bad = [Bad("an undocumented query parameter", 400, "zzUnknown", query={"zzUnknown": "1"})]
    if isinstance(walk.json, dict):
        bad.append(Bad("an undocumented body key", 400, "zzUnknown", json={"zzUnknown": 1}))
    for name, kind in (part for part in route.segments if not isinstance(part, str)):
        malformed = {"uuid": "not-a-uuid", "id": "abc", "int": "x1"}[kind]
        bad.append(
            Bad(f"a malformed {name}", 422 if automizy else 400, name, path={name: malformed})
        )
    params = [part for part in route.segments if not isinstance(part, str)]
    if params:
        name, kind = params[0]
        unknown = str(uuid.uuid4()) if kind == "uuid" else 99999
        bad.append(Bad(f"an unknown {name}", 404, None, path={name: unknown}))
    credential = "Api-key" if automizy else "Authorization"
    bad.append(Bad("no credentials", 401, None, headers={credential: "wrong"}))
    if route.node:
        bad.append(Bad("a malformed Node header", 400, "Node", headers={"Node": "node-1"}))
    return bad


WALKS = [(r, w, False) for r, w in CONTACTFLOW.items()] + [
    (r, w, True) for r, w in AUTOMIZY.items()
]
ROUTE_NAMES = {
    route: name
    for table in (cf, az)
    for name, route in vars(table).items()
    if isinstance(route, Route)
}


@pytest.fixture
async def raw() -> AsyncIterator[Raw]:
    async with Emulator() as emu:
        yield Raw(emu)


@pytest.mark.parametrize(
    ("route", "walk", "automizy"), WALKS, ids=[ROUTE_NAMES[route] for route, _, _ in WALKS]
)
async def test_walk(raw: Raw, route: Route, walk: Walk, automizy: bool) -> None:
    world = await _world(raw)
    send = raw.az if automizy else raw.cf
    for bad in [*walk.bad, *_generic(route, walk, automizy)]:
        request = _apply(walk, bad, world)
        status, body = await send(route.method, _path(route, request.pop("path")), **request)
        assert status == bad.status, (bad.why, body)
        if bad.names is not None:
            assert bad.names in orjson.dumps(body).decode(), (bad.why, body)
        _seed_shaped(status, body, automizy)
    request = _apply(walk, None, world)
    status, body = await send(route.method, _path(route, request.pop("path")), **request)
    assert status == walk.status, body


def _seed_shaped(status: int, body: Any, automizy: bool) -> None:
    """An error body in one of the shapes its API's seed shows."""
    if not automizy:
        assert set(body) == {"message", "logref", "errors"}
        return
    if status == 500:
        assert body == "Internal server error"
        return
    shapes = ({"errors"}, {"message"}, {"message", "path"}, {"error", "id"})
    assert set(body) in shapes, body


def test_every_operation_of_both_tables_is_walked() -> None:
    declared = set(ROUTE_NAMES)
    assert {route for route, _, _ in WALKS} == declared
    assert (len(CONTACTFLOW), len(AUTOMIZY)) == (42, 25)
    requests = sum(1 + len(w.bad) + len(_generic(r, w, a)) for r, w, a in WALKS)
    assert requests > 400  # 67 operations; the figure is reported in docs/emulator.md

"""Every Contactflow operation's method, path and Node-header flag, in one table.

The published document (2.49.0) does not show paths; these follow SPEC.md
section 3.  Correct a path here and every caller follows.
"""

from __future__ import annotations

from contactflow_automizy._routes import Route

GET_CURRENT_USER = Route("GET", "/user")
GET_ACTIONS = Route("GET", "/actions", node=True)

LIST_NODES = Route("GET", "/nodes")
CREATE_NODE = Route("POST", "/nodes")
GET_NODE = Route("GET", "/nodes/{nodeUuid:uuid}")
UPDATE_NODE = Route("PATCH", "/nodes/{nodeUuid:uuid}")
DELETE_NODE = Route("DELETE", "/nodes/{nodeUuid:uuid}")

LIST_SETTINGS = Route("GET", "/settings", node=True)
CREATE_SETTING = Route("POST", "/settings", node=True)
GET_SETTING = Route("GET", "/settings/{settingUuid:uuid}", node=True)
UPDATE_SETTING = Route("PUT", "/settings/{settingUuid:uuid}", node=True)
DELETE_SETTING = Route("DELETE", "/settings/{settingUuid:uuid}", node=True)

LIST_AUTOMATIONS = Route("GET", "/automations", node=True)
CREATE_AUTOMATION = Route("POST", "/automations", node=True)
GET_AUTOMATION = Route("GET", "/automations/{automationUuid:uuid}", node=True)
UPDATE_AUTOMATION = Route("PUT", "/automations/{automationUuid:uuid}", node=True)
UPDATE_AUTOMATION_STATUS = Route("PATCH", "/automations/{automationUuid:uuid}", node=True)
DELETE_AUTOMATION = Route("DELETE", "/automations/{automationUuid:uuid}", node=True)
GET_STEP_FEEDBACKS = Route(
    "GET", "/automations/{automationUuid:uuid}/steps/{stepUuid:uuid}/feedbacks", node=True
)
GET_AUTOMATION_FEEDBACKS = Route("GET", "/automations/{automationUuid:uuid}/feedbacks", node=True)
AUTOMATIONS_REPORT = Route("GET", "/automations/reports", node=True)
AUTOMATION_CATEGORIES_DEPRECATED = Route("GET", "/automations/categories", node=True)

ADD_CUSTOMER = Route("POST", "/automations/{automationUuid:uuid}/customers", node=True)
DELETE_CUSTOMER = Route(
    "DELETE", "/automations/{automationUuid:uuid}/customers/{customerUuid:uuid}", node=True
)
ADD_CUSTOMER_BATCH = Route("POST", "/automations/{automationUuid:uuid}/customers/batch", node=True)
DELETE_CUSTOMER_BATCH = Route(
    "DELETE", "/automations/{automationUuid:uuid}/customers/batch", node=True
)

GET_TOKEN = Route("GET", "/tokens/{tokenUuid:uuid}", node=True)
SEARCH_TOKENS = Route("GET", "/tokens", node=True)
TOKENS_REPORT = Route("GET", "/tokens/reports", node=True)

EMAIL_DESIGNER_CONFIG = Route("GET", "/external-contents/email-designer", node=True)
LIST_MAIL_MODELS = Route("GET", "/external-contents/mail-models", node=True)
LIST_SMS_MODELS = Route("GET", "/external-contents/sms-models", node=True)
LIST_PAGEBUILDER_TEMPLATES = Route("GET", "/external-contents/pagebuilder/templates", node=True)
LIST_PAGEBUILDER_PAGES = Route(
    "GET", "/external-contents/pagebuilder/templates/{templateId:int}/pages", node=True
)
GET_PAGEBUILDER_PAGE = Route(
    "GET", "/external-contents/pagebuilder/templates/{templateId:int}/pages/{pageId:int}", node=True
)
SEND_TEST_EMAIL = Route("POST", "/external-contents/email-test", node=True)

LIST_SEND_SUBSCRIPTIONS = Route("GET", "/send-subscriptions", node=True)

LIST_NODE_KPIS = Route("GET", "/kpis/nodes")

TRIGGER_EVENT_DEFINITIONS = Route("GET", "/definitions/trigger-events", node=True)
EVENT_CONTEXT_DEFINITIONS = Route("GET", "/definitions/events-context", node=True)
CUSTOMER_DEFINITIONS = Route("GET", "/definitions/customers", node=True)
AUTOMATION_CATEGORIES = Route("GET", "/definitions/categories", node=True)

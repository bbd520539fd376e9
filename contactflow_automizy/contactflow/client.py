"""``ContactflowClient``: the endpoint mixins composed on the shared base client."""

from __future__ import annotations

from typing import Unpack

from contactflow_automizy import _validate
from contactflow_automizy._auth import BearerAuth, TokenProvider
from contactflow_automizy._config import from_env, required
from contactflow_automizy._options import ClientOptionArgs, ClientOptions
from contactflow_automizy.contactflow.actions import ActionsMixin
from contactflow_automizy.contactflow.automations import AutomationsMixin
from contactflow_automizy.contactflow.definitions import DefinitionsMixin
from contactflow_automizy.contactflow.external_contents import ExternalContentsMixin
from contactflow_automizy.contactflow.kpis import KpisMixin
from contactflow_automizy.contactflow.nodes import NodesMixin
from contactflow_automizy.contactflow.push import BatchUploadMixin
from contactflow_automizy.contactflow.settings import SettingsMixin
from contactflow_automizy.contactflow.subscriptions import SubscriptionsMixin
from contactflow_automizy.contactflow.tokens import TokensMixin
from contactflow_automizy.contactflow.user import UserMixin


class ContactflowClient(
    UserMixin,
    ActionsMixin,
    NodesMixin,
    SettingsMixin,
    AutomationsMixin,
    BatchUploadMixin,
    TokensMixin,
    ExternalContentsMixin,
    SubscriptionsMixin,
    KpisMixin,
    DefinitionsMixin,
):
    """Async client of the Contactflow API 2.49.0.

    ``token`` is a string or an async callable returning one (OAuth2 refresh;
    called again once after a 401).  ``node`` is the default ``Node`` header;
    node-scoped methods take ``node=`` to override it.  Missing arguments fall
    back to ``CONTACTFLOW_TOKEN``, ``CONTACTFLOW_NODE`` and
    ``CONTACTFLOW_BASE_URL``.  Keyword options (``session``, ``timeout``,
    ``max_retries``, ``allow_insecure_http``, ``max_response_bytes``) are
    those of :class:`~contactflow_automizy._options.ClientOptions`.
    """

    def __init__(
        self,
        token: str | TokenProvider | None = None,
        node: str | None = None,
        base_url: str | None = None,
        **options: Unpack[ClientOptionArgs],
    ) -> None:
        resolved_token = token if callable(token) else required(token, "token", "CONTACTFLOW_TOKEN")
        resolved_node = from_env(node, "CONTACTFLOW_NODE")
        self._node = (
            _validate.uuid_text("node", resolved_node) if resolved_node is not None else None
        )
        super().__init__(
            base_url=required(base_url, "base_url", "CONTACTFLOW_BASE_URL"),
            auth=BearerAuth(resolved_token),
            options=ClientOptions(**options),
        )

    @property
    def node(self) -> str | None:
        """The default ``Node`` header value."""
        return self._node

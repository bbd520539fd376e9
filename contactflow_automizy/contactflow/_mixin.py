"""The base every Contactflow endpoint mixin extends: page style and the Node header."""

from __future__ import annotations

from collections.abc import Mapping

from contactflow_automizy._base_client import BaseClient
from contactflow_automizy._pagination import ContactflowPages
from contactflow_automizy._routes import Route
from contactflow_automizy._validate import uuid_text
from contactflow_automizy.errors import ConfigurationError


class ContactflowMixin(BaseClient):
    """Contactflow pages are 0-based ``page``/``size``; node-scoped routes send ``Node``."""

    _page_style = ContactflowPages()
    _default_page_size = 100
    _node: str | None = None

    def _route_headers(self, route: Route, node: str | None) -> Mapping[str, str]:
        if not route.node:
            return {}
        value = node if node is not None else self._node
        if value is None:
            raise ConfigurationError(
                f"{route.method} {route.template} needs a node: pass node= or set CONTACTFLOW_NODE"
            )
        # A canonical UUID holds no character that could split a header.
        return {"Node": uuid_text("node", value)}

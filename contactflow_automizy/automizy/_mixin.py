"""The base every Automizy endpoint mixin extends: 1-based ``page``/``pageSize`` paging."""

from __future__ import annotations

from contactflow_automizy._base_client import BaseClient
from contactflow_automizy._pagination import AutomizyPages


class AutomizyMixin(BaseClient):
    _page_style = AutomizyPages()
    _default_page_size = 100

"""``AutomizyClient``: the endpoint mixins composed on the shared base client."""

from __future__ import annotations

from typing import Unpack

from contactflow_automizy._auth import ApiKeyAuth
from contactflow_automizy._base_client import sdk_calls
from contactflow_automizy._config import from_env, required
from contactflow_automizy._options import ClientOptionArgs, ClientOptions
from contactflow_automizy.automizy.contacts import ContactsMixin
from contactflow_automizy.automizy.csv_import import CsvImportMixin
from contactflow_automizy.automizy.imports import process_import_route
from contactflow_automizy.automizy.lists import ListsMixin
from contactflow_automizy.automizy.tags import TagsMixin

DEFAULT_BASE_URL = "https://api.automizy-gateway-1.com"


@sdk_calls("automizy")
class AutomizyClient(ContactsMixin, ListsMixin, TagsMixin, CsvImportMixin):
    """Async client of the Automizy REST API (contact manager and import service).

    ``api_key`` is sent as ``Api-key``; missing arguments fall back to
    ``AUTOMIZY_API_KEY`` and ``AUTOMIZY_BASE_URL``.  ``process_import_path``
    replaces the import-process path template (below ``base_url``, with one
    ``{importId:id}``), since the seed gives it two ways; see
    :mod:`~contactflow_automizy.automizy.imports`.  Keyword options
    (``session``, ``timeout``, ``max_retries``, ``allow_insecure_http``,
    ``max_response_bytes``) are those of
    :class:`~contactflow_automizy._options.ClientOptions`.
    """

    def __init__(
        self,
        api_key: str | None = None,
        base_url: str | None = None,
        *,
        process_import_path: str | None = None,
        **options: Unpack[ClientOptionArgs],
    ) -> None:
        self._process_import_route = process_import_route(process_import_path)
        super().__init__(
            base_url=from_env(base_url, "AUTOMIZY_BASE_URL") or DEFAULT_BASE_URL,
            auth=ApiKeyAuth(required(api_key, "api_key", "AUTOMIZY_API_KEY")),
            options=ClientOptions(**options),
        )

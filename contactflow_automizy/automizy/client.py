"""``AutomizyClient``: the endpoint mixins composed on the shared base client."""

from __future__ import annotations

from contactflow_automizy._auth import ApiKeyAuth
from contactflow_automizy._base_client import DEFAULT_MAX_RESPONSE_BYTES
from contactflow_automizy._config import from_env, required
from contactflow_automizy._session import Session
from contactflow_automizy._transport import Timeout
from contactflow_automizy.automizy.contacts import ContactsMixin
from contactflow_automizy.automizy.csv_import import CsvImportMixin
from contactflow_automizy.automizy.imports import process_import_route
from contactflow_automizy.automizy.lists import ListsMixin
from contactflow_automizy.automizy.tags import TagsMixin

DEFAULT_BASE_URL = "https://api.automizy-gateway-1.com"


class AutomizyClient(ContactsMixin, ListsMixin, TagsMixin, CsvImportMixin):
    """Async client of the Automizy REST API (contact manager and import service).

    ``api_key`` is sent as ``Api-key``; missing arguments fall back to
    ``AUTOMIZY_API_KEY`` and ``AUTOMIZY_BASE_URL``.  ``process_import_path``
    replaces the import-process path template (below ``base_url``, with one
    ``{importId:id}``), since the seed gives it two ways; see
    :mod:`~contactflow_automizy.automizy.imports`.
    """

    def __init__(
        self,
        api_key: str | None = None,
        base_url: str | None = None,
        *,
        session: Session | None = None,
        timeout: Timeout | float | None = None,
        max_retries: int | None = None,
        allow_insecure_http: bool = False,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
        process_import_path: str | None = None,
    ) -> None:
        self._process_import_route = process_import_route(process_import_path)
        super().__init__(
            base_url=from_env(base_url, "AUTOMIZY_BASE_URL") or DEFAULT_BASE_URL,
            allow_insecure_http=allow_insecure_http,
            auth=ApiKeyAuth(required(api_key, "api_key", "AUTOMIZY_API_KEY")),
            session=session,
            timeout=timeout,
            max_retries=max_retries,
            max_response_bytes=max_response_bytes,
        )

"""Customer tokens: get one, search (paged), and the ZIP report of CSV files."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Unpack

from contactflow_automizy._download import (
    Destination,
    ReportRow,
    ZipLimits,
    iter_zip_csv_rows,
)
from contactflow_automizy._pagination import AsyncPaginator
from contactflow_automizy.contactflow import routes
from contactflow_automizy.contactflow._filters import (
    TOKEN_FILTERS,
    TOKEN_REPORT_FILTERS,
    TokenFilters,
    TokenReportFilters,
    to_query,
)
from contactflow_automizy.contactflow._mixin import ContactflowMixin
from contactflow_automizy.contactflow.models import Token

#: The seed's default page size for ``GET /tokens``.
TOKENS_PAGE_SIZE = 20
_ACCEPT_ZIP = {"Accept": "application/zip, */*;q=0.1"}


class TokensMixin(ContactflowMixin):
    async def get_token(self, token_uuid: str, *, node: str | None = None) -> Token:
        return await self._model(routes.GET_TOKEN, Token, path={"tokenUuid": token_uuid}, node=node)

    def search_tokens(
        self,
        *,
        node: str | None = None,
        page_size: int = TOKENS_PAGE_SIZE,
        prefetch: int = 1,
        **filters: Unpack[TokenFilters],
    ) -> AsyncPaginator[Token]:
        """Current customers of the node by automation, step, customer or recipient (paged;
        ``page_size`` is the wire ``size``)."""
        return self._paged(
            routes.SEARCH_TOKENS,
            Token,
            query=to_query(TOKEN_FILTERS, filters),
            node=node,
            page_size=page_size,
            prefetch=prefetch,
        )

    async def download_tokens_report(
        self, dest: Destination, *, node: str | None = None, **filters: Unpack[TokenReportFilters]
    ) -> int:
        """Stream the ZIP report to a path (replaced atomically) or a binary file;
        return the bytes written.  Nothing is extracted."""
        query = to_query(TOKEN_REPORT_FILTERS, filters)
        return await self._download(
            routes.TOKENS_REPORT, dest, query=query, headers=_ACCEPT_ZIP, node=node
        )

    async def iter_tokens_report(
        self,
        *,
        node: str | None = None,
        limits: ZipLimits | None = None,
        **filters: Unpack[TokenReportFilters],
    ) -> AsyncIterator[ReportRow]:
        """Rows of every CSV file in the ZIP report, each with its member name.

        The archive is spooled to a temporary file and checked against
        ``limits`` (members, total size, compression ratio, unsafe names and
        links) before a row is read; a failed check raises ``ReportError``.
        """
        query = to_query(TOKEN_REPORT_FILTERS, filters)
        async with self._stream(
            routes.TOKENS_REPORT, query=query, headers=_ACCEPT_ZIP, node=node
        ) as response:
            async for row in iter_zip_csv_rows(response.iter_chunks(), limits):
                yield row

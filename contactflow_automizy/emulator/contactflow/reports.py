"""The automations CSV report and the tokens ZIP report, generated from the state as they stream.

Both are produced lazily, a few hundred rows at a time, so a report over a
million customers never sits whole in memory.  The ZIP holds one CSV member per
automation with matching tokens (``<automationUuid>.csv``), written through
:mod:`zipfile` onto a non-seekable sink that is drained after every block.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Generator, Iterable, Iterator, Sequence
from itertools import groupby, islice
from typing import Any

import orjson

from contactflow_automizy._routes import Route
from contactflow_automizy.contactflow import routes
from contactflow_automizy.emulator.api import Call, Handler
from contactflow_automizy.emulator.contactflow.automations import (
    automation_filter,
    node_automations,
)
from contactflow_automizy.emulator.contactflow.tokens import Token, search
from contactflow_automizy.emulator.wire import Reply

__all__ = ["ROUTES"]

ROWS_PER_CHUNK = 500
AUTOMATION_COLUMNS = (
    "uuid",
    "name",
    "status",
    "category",
    "description",
    "created",
    "startDate",
    "endDate",
    "customers",
)
TOKEN_COLUMNS = (
    "uuid",
    "automationUuid",
    "automationName",
    "stepUuid",
    "userPk",
    "clabUuid",
    "recipient",
    "status",
    "enterAutomationDate",
    "attributes",
)
_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


def _csv_block(rows: Iterable[Sequence[Any]]) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    return buffer.getvalue().encode()


def _csv(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Generator[bytes, None, None]:
    yield _csv_block([header])
    rows = iter(rows)
    while block := list(islice(rows, ROWS_PER_CHUNK)):
        yield _csv_block(block)


def _download(body: Generator[bytes, None, None], content_type: str, filename: str) -> Reply:
    safe = _UNSAFE_NAME.sub("_", filename) or "report"
    headers = {
        "Content-Type": content_type,
        "Content-Disposition": f'attachment; filename="{safe}"',
    }
    return Reply(200, headers=headers, stream=body)


def automations_report(call: Call) -> Reply:
    keep = automation_filter(call.query)
    rows = (
        [*(a.data.get(column) for column in AUTOMATION_COLUMNS[:-1]), a.customer_count]
        for a in node_automations(call)
        if keep(a)
    )
    filename = call.query.get("filename", "feedbacks") + ".csv"
    return _download(_csv(AUTOMATION_COLUMNS, rows), "text/csv; charset=utf-8", filename)


def _token_row(token: Token) -> list[Any]:
    view = token.view()
    attributes = view["attributes"]
    view["recipient"] = token.recipient
    view["attributes"] = orjson.dumps(attributes).decode() if attributes is not None else ""
    return [view[column] for column in TOKEN_COLUMNS]


class _Sink:
    """A write-only file for :class:`zipfile.ZipFile`; ``drain()`` hands over what was written."""

    def __init__(self) -> None:
        self._chunks: list[bytes] = []

    def write(self, data: bytes) -> int:
        self._chunks.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        return None

    def drain(self) -> bytes:
        data = b"".join(self._chunks)
        self._chunks.clear()
        return data


def _zip(members: Iterable[tuple[str, Iterator[bytes]]]) -> Generator[bytes, None, None]:
    sink = _Sink()
    with zipfile.ZipFile(sink, "w", zipfile.ZIP_DEFLATED) as archive:  # type: ignore[call-overload]
        for name, blocks in members:
            with archive.open(name, "w") as member:
                for block in blocks:
                    member.write(block)
                    yield sink.drain()
    yield sink.drain()


def tokens_report(call: Call) -> Reply:
    tokens = search(call.state, call.node, call.query)
    members = (
        (f"{automation_uuid}.csv", _csv(TOKEN_COLUMNS, map(_token_row, group)))
        for automation_uuid, group in groupby(tokens, key=lambda t: t.automation.uuid)
    )
    filename = call.query.get("filename", "automations-monitor") + ".zip"
    return _download(_zip(members), "application/zip", filename)


ROUTES: dict[Route, Handler] = {
    routes.AUTOMATIONS_REPORT: automations_report,
    routes.TOKENS_REPORT: tokens_report,
}

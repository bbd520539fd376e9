"""``import_csv``: check a CSV, map its headers to fields, upload it streamed, process it.

Everything that can be refused is refused before the first request, as
:class:`ConfigurationError`: bad ids or notification address, an empty file, a
header line that is not UTF-8, no e-mail column, an explicit mapping naming a
header the file lacks.  Only the header line of a file is read for this; the
rest goes to the server untouched (its encoding is the server's business).

Sources:

* a path: its header line is read, then the file is streamed (re-opened on a retry);
* a binary file object: read from its current position; a seekable one is
  sought back after the header, a non-seekable one gets its header line put
  back in front and is sent once, without retries;
* an iterable or async iterable of dict rows: written as UTF-8 CSV to an
  anonymous temporary file in batches (constant memory; the header is the
  first row's keys), which is then uploaded like a seekable file.  Spooling
  rather than streaming straight to the socket makes the upload retryable and
  lets every row be checked before anything is sent.

Mapping, ``"auto"``: the e-mail column (``email``, ``emailAddress``,
``email_address``, ``E-Mail``, ``mail``..., case-insensitive) gets
``fieldId: null``; every other header is matched to a field by merge tag, then
by label (case-insensitive, trimmed), each field taking at most one column;
the rest is ignored and reported.  Fields come from ``list_fields()`` with the
server's default ``hidden`` filter, so a HIDDEN field the server leaves out
needs an explicit mapping.  Explicit: ``{header: field_id}`` (headers matched
exactly, else case-insensitively), ``None`` marking the e-mail column (found
automatically when no header maps to ``None``); unmapped headers are ignored.
The ``fieldList`` sent is built against the headers the server reports,
matched to the file's exactly, else trimmed and case-insensitively (a server
may keep or drop a BOM).

Cells are sent verbatim: spreadsheet formula guards (``=``, ``+``, ``-``,
``@``) are not applied, since they would alter the data stored in Automizy.

With ``job_id=`` the import is a durable job (SPEC section 8): a completed job
returns its stored result and sends nothing; any other state (never run,
failed, its run killed anywhere) runs the whole import again from the start.
Automizy imports upsert by e-mail address, so a repeated import leaves each
contact once: unlike a batch push, there is nothing of an earlier attempt to
delete first.  The arguments are checked before the job is claimed; the source
is read only once the job is known not to be done.
"""

from __future__ import annotations

import asyncio
import csv
import functools
import io
import os
import re
import tempfile
from collections.abc import AsyncIterable, AsyncIterator, Callable, Iterable, Mapping, Sequence
from typing import IO, TYPE_CHECKING, Any, Literal, TypeAlias, cast

import attrs

from contactflow_automizy import _validate
from contactflow_automizy._multipart import FileSource
from contactflow_automizy._progress import Progress, ProgressCallback
from contactflow_automizy._raw_response import multi_request
from contactflow_automizy.automizy.imports import ImportsMixin
from contactflow_automizy.automizy.models import Field, FieldMapping
from contactflow_automizy.errors import ConfigurationError, ResponseFormatError
from contactflow_automizy.jobs import JobStore, claim_job
from contactflow_automizy.jobs.run import store_for

if TYPE_CHECKING:
    from _typeshed import WriteableBuffer

__all__ = ["IMPORT_KIND", "CsvImportMixin", "CsvImportResult", "CsvSource"]

Row: TypeAlias = Mapping[str, Any]
CsvSource: TypeAlias = FileSource | Iterable[Row] | AsyncIterable[Row]

#: The ``kind`` of an import job in its record.
IMPORT_KIND = "import_csv"
#: A header line longer than this is refused (it is not a CSV header).
MAX_HEADER_BYTES = 1 << 20
#: Rows written to the spool file per worker-thread call: the memory bound for row sources.
ROWS_PER_WRITE = 1000
EMAIL_HEADERS = frozenset({"email", "emailaddress", "mail", "mailaddress"})
_PUNCTUATION = re.compile(r"[\s_.\-]+")


@attrs.frozen
class CsvImportResult:
    """What was imported and how: the id, the ``fieldList`` sent, what was ignored.

    ``rows`` is known for row sources only (files are not read through to
    count them); ``bytes_uploaded`` is the CSV bytes of the upload that succeeded.
    ``already_done``: the call ran a job (``job_id=``) that an earlier run had
    completed, and sent nothing; the other fields are that run's.
    """

    import_id: int
    mapping: list[FieldMapping]
    ignored_headers: list[str]
    rows: int | None
    bytes_uploaded: int
    already_done: bool = False


@attrs.frozen
class _CsvUpload:
    """A CSV ready to upload: its re-openable source, header and row count (when known),
    and how to remove a spooled temporary file."""

    upload: FileSource
    filename: str | None
    header: list[str]
    rows: int | None
    close: Callable[[], None]


def _key(header: str) -> str:
    return header.lstrip("\ufeff").strip().casefold()


def _is_email(header: str) -> bool:
    return _PUNCTUATION.sub("", _key(header)) in EMAIL_HEADERS


# -- reading the header ---------------------------------------------------------


def _read_header(readline: Callable[[int], bytes]) -> bytes:
    """The bytes of the header record: its first line, and the next ones while a quoted
    field is still open (a header cell may hold a newline); at most ``MAX_HEADER_BYTES``."""
    data = b""
    while True:
        line = readline(MAX_HEADER_BYTES + 1 - len(data))
        data += line
        if len(data) > MAX_HEADER_BYTES:
            raise ConfigurationError(f"the CSV header is longer than {MAX_HEADER_BYTES} bytes")
        if not line.endswith(b"\n") or data.count(b'"') % 2 == 0:
            return data


def _parse_header(line: bytes) -> list[str]:
    if len(line) > MAX_HEADER_BYTES:
        raise ConfigurationError(f"the CSV header is longer than {MAX_HEADER_BYTES} bytes")
    try:
        text = line.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ConfigurationError(
            f"the CSV header is not UTF-8 (byte {exc.start}): re-save the file as UTF-8"
        ) from None
    if not text.strip():
        raise ConfigurationError("the CSV is empty: no header line")
    try:
        # newline="": any line ending (\n, \r\n, a lone \r) ends the record, as in a file.
        return next(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        raise ConfigurationError(f"the CSV header cannot be read: {exc}") from None


def _read_line(path: str) -> bytes:
    try:
        with open(path, "rb") as file:
            return _read_header(file.readline)
    except OSError as exc:
        raise ConfigurationError(f"cannot read {path!r}: {exc.strerror or exc}") from None


class _Prefixed(io.RawIOBase):
    """``prefix``, then the rest of ``file``: puts back a header line read from a pipe."""

    def __init__(self, prefix: bytes, file: IO[bytes]) -> None:
        super().__init__()
        self._prefix = prefix
        self._file = file

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: WriteableBuffer) -> int:
        view = memoryview(buffer).cast("B")
        if self._prefix:
            data, self._prefix = self._prefix[: len(view)], self._prefix[len(view) :]
        else:
            data = self._file.read(len(view))
        view[: len(data)] = data
        return len(data)


async def _from_file(file: IO[bytes]) -> _CsvUpload:
    seekable = file.seekable()
    start = file.tell() if seekable else 0
    line = await asyncio.to_thread(_read_header, file.readline)
    header = _parse_header(line)
    if seekable:
        file.seek(start)
        upload: IO[bytes] = file
    else:
        upload = io.BufferedReader(_Prefixed(line, file))
    return _CsvUpload(upload, None, header, None, lambda: None)


# -- spooling rows --------------------------------------------------------------


async def _each(rows: Iterable[Row] | AsyncIterable[Row]) -> AsyncIterator[Row]:
    if isinstance(rows, AsyncIterable):
        async for row in rows:
            yield row
    else:
        for row in rows:
            yield row


def _write(writer: csv.DictWriter[str], rows: list[Row]) -> None:
    try:
        writer.writerows(rows)
    except ValueError as exc:  # a key the first row did not have
        raise ConfigurationError(f"every row must have the first row's keys: {exc}") from None


async def _spool(rows: Iterable[Row] | AsyncIterable[Row]) -> _CsvUpload:
    spool = tempfile.TemporaryFile()  # noqa: SIM115 - returned open; closed by the caller
    text = io.TextIOWrapper(spool, encoding="utf-8", newline="")
    try:
        writer: csv.DictWriter[str] | None = None
        batch: list[Row] = []
        count = 0
        async for row in _each(rows):
            if not isinstance(row, Mapping):
                raise ConfigurationError(f"rows must be mappings, got {type(row).__name__}")
            if writer is None:
                if not row or not all(isinstance(key, str) for key in row):
                    raise ConfigurationError("the first row must have string keys (the header)")
                writer = csv.DictWriter(text, fieldnames=list(row), extrasaction="raise")
                writer.writeheader()
            batch.append(row)
            if len(batch) >= ROWS_PER_WRITE:
                await asyncio.to_thread(_write, writer, batch)
                count, batch = count + len(batch), []
        if writer is None:
            raise ConfigurationError("no rows to import")
        await asyncio.to_thread(_write, writer, batch)
        count += len(batch)
        text.flush()
    except BaseException:
        text.close()
        raise
    text.detach()
    spool.seek(0)
    return _CsvUpload(spool, "contacts.csv", list(writer.fieldnames), count, spool.close)


async def _prepare(source: CsvSource) -> _CsvUpload:
    if isinstance(source, str | os.PathLike):
        path = os.fspath(source)
        header = _parse_header(await asyncio.to_thread(_read_line, path))
        return _CsvUpload(path, None, header, None, lambda: None)
    if isinstance(source, bytes | bytearray):
        raise ConfigurationError("pass a path, a binary file object or rows, not bytes")
    if hasattr(source, "read"):
        return await _from_file(cast(IO[bytes], source))
    return await _spool(source)


# -- mapping --------------------------------------------------------------------


def _email_column(header: Sequence[str], taken: Iterable[str] = ()) -> str:
    excluded = set(taken)
    found = [name for name in header if name not in excluded and _is_email(name)]
    if not found:
        raise ConfigurationError(
            "the CSV has no e-mail column (email, emailAddress, email_address, e-mail, mail...);"
            " name one with mapping={header: None, ...}"
        )
    if len(found) > 1:
        raise ConfigurationError(
            f"several e-mail columns {found!r}: choose one with mapping={{header: None, ...}}"
        )
    return found[0]


def _header_named(header: Sequence[str], name: str) -> str | None:
    if name in header:
        return name
    return next((h for h in header if _key(h) == _key(name)), None)


def _check_explicit(mapping: Mapping[str, int | None]) -> dict[str, int | None]:
    return {
        name: None if field_id is None else _validate.positive_int(f"mapping[{name!r}]", field_id)
        for name, field_id in mapping.items()
    }


def _explicit_plan(
    header: Sequence[str], mapping: Mapping[str, int | None]
) -> dict[str, int | None]:
    plan: dict[str, int | None] = {}
    for name, field_id in mapping.items():
        found = _header_named(header, name)
        if found is None:
            raise ConfigurationError(f"mapping names {name!r}, not a header of the CSV {header!r}")
        plan[found] = field_id
    emails = [name for name, field_id in plan.items() if field_id is None]
    if len(emails) > 1:
        raise ConfigurationError(f"mapping marks several e-mail columns: {emails!r}")
    if not emails:
        plan[_email_column(header, taken=plan)] = None
    return plan


def _auto_plan(header: Sequence[str], email: str, fields: Sequence[Field]) -> dict[str, int | None]:
    by_tag: dict[str, int] = {}
    by_label: dict[str, int] = {}
    for field in fields:
        if field.id is None:
            continue
        if field.merge_tag:
            by_tag.setdefault(_key(field.merge_tag), field.id)
        if field.label:
            by_label.setdefault(_key(field.label), field.id)
    plan: dict[str, int | None] = {email: None}
    used: set[int] = set()
    for name in header:
        if name in plan or not _key(name):
            continue
        field_id = by_tag.get(_key(name)) or by_label.get(_key(name))
        if field_id is not None and field_id not in used:
            plan[name] = field_id
            used.add(field_id)
    return plan


def _field_list(
    server_headers: Sequence[str], plan: Mapping[str, int | None]
) -> tuple[list[FieldMapping], list[str]]:
    """One entry per header the server read; each planned header is used once."""
    remaining = dict(plan)
    mappings: list[FieldMapping] = []
    ignored: list[str] = []
    for name in server_headers:
        local = _header_named(list(remaining), name)
        if local is None:
            mappings.append(FieldMapping(field_id=None, header_name=name, ignore=True))
            ignored.append(name)
        else:
            mappings.append(
                FieldMapping(field_id=remaining.pop(local), header_name=name, ignore=False)
            )
    if not any(m.field_id is None and not m.ignore for m in mappings):
        raise ResponseFormatError(
            f"the import service did not report the e-mail column among {list(server_headers)!r}"
        )
    return mappings, ignored


# -- the whole import -----------------------------------------------------------


async def _import(
    client: ImportsMixin,
    source: CsvSource,
    lists: list[int],
    explicit: dict[str, int | None] | None,
    overwrite: bool,
    add: list[int],
    remove: list[int],
    notification_email: str | None,
    on_progress: ProgressCallback | None,
) -> CsvImportResult:
    prepared = await _prepare(source)
    try:
        if explicit is not None:
            plan = _explicit_plan(prepared.header, explicit)
        else:
            email = _email_column(prepared.header)
            plan = _auto_plan(prepared.header, email, await client.list_fields().to_list())

        uploaded = 0

        def progress(sent: Progress) -> None:
            nonlocal uploaded
            uploaded = sent.done
            if on_progress is not None:
                on_progress(sent)

        analysis = await client.analyze_import(
            prepared.upload, filename=prepared.filename, on_progress=progress
        )
        if analysis.import_id is None:
            raise ResponseFormatError("the import service returned no importId")
        field_list, ignored = _field_list(analysis.headers, plan)
        await client.process_import(
            analysis.import_id,
            lists,
            field_list,
            overwrite=overwrite,
            add_contact_tag_ids=add,
            remove_contact_tag_ids=remove,
            notification_email=notification_email,
        )
    finally:
        prepared.close()
    return CsvImportResult(
        import_id=analysis.import_id,
        mapping=field_list,
        ignored_headers=ignored,
        rows=prepared.rows,
        bytes_uploaded=uploaded,
    )


class CsvImportMixin(ImportsMixin):
    @multi_request
    async def import_csv(
        self,
        source: CsvSource,
        *,
        list_ids: Iterable[int],
        mapping: Literal["auto"] | Mapping[str, int | None] = "auto",
        overwrite: bool = False,
        add_tag_ids: Iterable[int] = (),
        remove_tag_ids: Iterable[int] = (),
        notification_email: str | None = None,
        on_progress: ProgressCallback | None = None,
        job_id: str | None = None,
        job_store: JobStore | None = None,
    ) -> CsvImportResult:
        """Check, map, upload and process a CSV into ``list_ids`` in one call; see
        :mod:`.csv_import` for the rules.

        ``job_id`` makes it a durable job kept in ``job_store`` or the session's:
        once it completed, running it again returns its result (``already_done``)
        and sends nothing."""
        lists = _validate.positive_ints("list_ids", list_ids)
        if not lists:
            raise ConfigurationError("list_ids: a contact must go to at least one list")
        add = _validate.positive_ints("add_tag_ids", add_tag_ids)
        remove = _validate.positive_ints("remove_tag_ids", remove_tag_ids)
        if notification_email is not None:
            _validate.email_address("notification_email", notification_email)
        if isinstance(mapping, str):
            if mapping != "auto":
                raise ConfigurationError(f"mapping must be 'auto' or a mapping, got {mapping!r}")
            explicit = None
        else:
            explicit = _check_explicit(mapping)

        upload = functools.partial(
            _import,
            self,
            source,
            lists,
            explicit,
            overwrite,
            add,
            remove,
            notification_email,
            on_progress,
        )
        store = store_for(job_id, job_store, self.session.job_store)
        if store is None:
            return await upload()
        assert job_id is not None
        target = ",".join(str(i) for i in sorted(set(lists)))
        async with claim_job(store, job_id, IMPORT_KIND, target) as run:
            if run.done:
                return attrs.evolve(run.result_as(CsvImportResult), already_done=True)
            await run.start_attempt()
            result = await upload()
            await run.finish(result)
            return result

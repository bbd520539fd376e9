"""``import_csv`` fuzzed against the emulator: awkward CSV in, the same cells out.

Headers and cells with commas, quotes, CR/LF, NUL, a BOM and any Unicode;
files with ``\\n``, ``\\r\\n`` or lone ``\\r`` line endings, with or without a
BOM, fully quoted or not; rows given as dicts; arbitrary bytes.  The emulator
runs in-process (one per example) so hundreds of imports take seconds.

Cells are sent unchanged, including formula-like ones (``=``, ``+``, ``-``,
``@``): the SDK does not apply spreadsheet-injection guards because they would
alter the data stored in Automizy (documented in ``automizy/csv_import.py``).
Whoever exports those contacts to a spreadsheet must escape them there.

Fixed here (``automizy/csv_import.py``): a header cell holding a quoted newline made
a valid file look as if it had no e-mail column; a file with lone ``\\r`` line
endings raised ``_csv.Error`` instead of an SDK error.
"""

from __future__ import annotations

import asyncio
import csv
import io
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from contactflow_automizy import AutomizyClient, ConfigurationError, Session
from contactflow_automizy.automizy.csv_import import CsvImportResult, _is_email, _key
from contactflow_automizy.emulator import Emulator
from contactflow_automizy.errors import ContactflowAutomizyError
from tests.reliability.conftest import FUZZ, count, fuzz

T = TypeVar("T")
FIRSTNAME_FIELD = 1  # the emulator's built-in "firstname" field

CELL = st.text(max_size=20) | st.sampled_from(
    ["a,b", 'say "hi"', "line\nbreak", "cr\rlf\r\n", "\ufeffbom", "", " pad ", "=1+2", "\x00"]
)
EMAIL = st.from_regex(r"[a-z0-9]{1,8}@[a-z]{1,6}\.(com|org|hu)", fullmatch=True)
RESERVED = {"firstname", "lastname", "first name", "last name"}
HEADER = st.text(min_size=1, max_size=12).filter(
    lambda h: not _is_email(h) and _key(h) not in RESERVED and _key(h) != ""
)


def run(scenario: Callable[[AutomizyClient, int, Emulator], Awaitable[T]]) -> tuple[T, Emulator]:
    """Run ``scenario(az, list_id, emu)`` on a fresh in-process emulator."""
    emu = Emulator(random_seed=1)

    async def main() -> T:
        async with Session(transport=emu.transport(), max_retries=0) as session:
            az = AutomizyClient(emu.api_key, emu.automizy_url, session=session)
            list_id = (await az.create_list("fuzz")).id
            assert list_id is not None
            return await scenario(az, list_id, emu)

    return asyncio.run(main()), emu


@st.composite
def tables(draw: st.DrawFn) -> tuple[list[str], list[dict[str, str]]]:
    extra = draw(st.lists(HEADER, max_size=4, unique_by=_key))
    header = ["email", "firstname", *extra]
    order = draw(st.permutations(header))
    emails = draw(st.lists(EMAIL, min_size=1, max_size=6, unique_by=str.lower))
    rows = [
        {name: (email if name == "email" else draw(CELL)) for name in order} for email in emails
    ]
    return list(order), rows


def _stored_rows(emu: Emulator, result: CsvImportResult) -> list[dict[str, str]]:
    record = emu.state.imports[result.import_id]
    text = record.data.decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text, newline="")))


def _check_contacts(emu: Emulator, rows: list[dict[str, str]], list_id: int) -> None:
    for row in rows:
        contact = emu.state.contact_by_email(row["email"])
        assert contact is not None and list_id in contact.lists
        value = row["firstname"].strip()
        assert contact.fields.get(FIRSTNAME_FIELD, "") == value


@FUZZ
@given(table=tables())
def test_rows_reach_the_server_unchanged(table: tuple[list[str], list[dict[str, str]]]) -> None:
    header, rows = table

    async def scenario(az: AutomizyClient, list_id: int, emu: Emulator) -> CsvImportResult:
        return await az.import_csv(rows, list_ids=[list_id])

    result, emu = run(scenario)
    stored = _stored_rows(emu, result)
    assert [dict(r) for r in stored] == rows, "a cell changed on the way"
    assert result.rows == len(rows)
    mapped = {m.header_name: m.field_id for m in result.mapping if not m.ignore}
    assert mapped == {"email": None, "firstname": FIRSTNAME_FIELD}
    assert set(result.ignored_headers) == set(header) - {"email", "firstname"}
    _check_contacts(emu, rows, result_list(emu))
    count("fuzz", "csv_row_imports", 1)


def result_list(emu: Emulator) -> int:
    (list_id,) = emu.state.lists
    return list_id


@st.composite
def files(draw: st.DrawFn) -> tuple[bytes, list[dict[str, str]]]:
    header, rows = draw(tables())
    terminator = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    quoting = draw(st.sampled_from([csv.QUOTE_MINIMAL, csv.QUOTE_ALL]))
    cells = [v for r in rows for v in (*r.values(), *r)] + list(header)
    if terminator == "\r":  # a lone CR inside a cell would then be ambiguous to any reader
        assume(not any("\r" in v or "\n" in v for v in cells))
    if terminator == "\n" and quoting == csv.QUOTE_MINIMAL:
        # the csv module quotes only the terminator's characters: an unquoted lone CR
        # in a cell is a line break to every reader, so such a file is not the table.
        assume(not any("\r" in v for v in cells))
    out = io.StringIO(newline="")
    writer = csv.DictWriter(out, fieldnames=header, lineterminator=terminator, quoting=quoting)
    writer.writeheader()
    writer.writerows(rows)
    bom = draw(st.booleans())
    return (b"\xef\xbb\xbf" if bom else b"") + out.getvalue().encode("utf-8"), rows


@fuzz(100)
@given(data=files(), kind=st.sampled_from(["path", "bytesio", "pipe"]))
def test_files_are_uploaded_byte_for_byte(
    data: tuple[bytes, list[dict[str, str]]], kind: str, tmp_path_factory: pytest.TempPathFactory
) -> None:
    content, rows = data
    path = tmp_path_factory.mktemp("csv") / "c.csv"
    path.write_bytes(content)

    async def scenario(az: AutomizyClient, list_id: int, emu: Emulator) -> CsvImportResult:
        if kind == "path":
            return await az.import_csv(path, list_ids=[list_id])
        if kind == "bytesio":
            return await az.import_csv(io.BytesIO(content), list_ids=[list_id])
        with _Pipe(content) as pipe:
            return await az.import_csv(pipe, list_ids=[list_id])

    result, emu = run(scenario)
    assert emu.state.imports[result.import_id].data == content, "the upload was altered"
    assert result.bytes_uploaded == len(content)
    mapped = {m.header_name: m.field_id for m in result.mapping if not m.ignore}
    assert set(mapped.values()) == {None, FIRSTNAME_FIELD}
    _check_contacts(emu, rows, result_list(emu))
    count("fuzz", "csv_file_imports", 1)


class _Pipe(io.RawIOBase):
    """A non-seekable binary stream (like a pipe or a socket)."""

    def __init__(self, data: bytes) -> None:
        super().__init__()
        self._data = io.BytesIO(data)

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False

    def readinto(self, buffer: Any) -> int:
        chunk = self._data.read(len(buffer))
        buffer[: len(chunk)] = chunk
        return len(chunk)

    def __enter__(self) -> io.BufferedReader:  # type: ignore[override]
        return io.BufferedReader(self)

    def __exit__(self, *exc: object) -> None:
        self.close()


@FUZZ
@given(
    prefix=st.text(max_size=10),
    bad=st.binary(min_size=1, max_size=4).filter(lambda b: not _utf8(b)),
)
def test_a_header_that_is_not_utf8_is_refused_clearly(prefix: str, bad: bytes) -> None:
    content = prefix.encode() + bad + b",email\na@b.co,1\n"
    assume(not _utf8(content.split(b"\n")[0]))

    async def scenario(az: AutomizyClient, list_id: int, emu: Emulator) -> None:
        with pytest.raises(ConfigurationError, match="not UTF-8") as info:
            await az.import_csv(io.BytesIO(content), list_ids=[list_id])
        assert "re-save the file as UTF-8" in str(info.value)
        assert not emu.state.imports  # refused before any upload

    run(scenario)
    count("fuzz", "csv_non_utf8_headers", 1)


def _utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


@FUZZ
@given(content=st.binary(max_size=300) | st.text(max_size=300).map(str.encode))
def test_any_bytes_import_or_raise_an_sdk_error(content: bytes) -> None:
    async def scenario(az: AutomizyClient, list_id: int, emu: Emulator) -> None:
        try:
            await az.import_csv(io.BytesIO(b"email," + content), list_ids=[list_id])
        except ContactflowAutomizyError:
            count("fuzz", "csv_any_bytes_refused", 1)
        else:
            count("fuzz", "csv_any_bytes_imported", 1)

    run(scenario)


# -- fixed cases, kept as plain tests ----------------------------------------------


def _import_bytes(content: bytes) -> tuple[CsvImportResult, Emulator]:
    async def scenario(az: AutomizyClient, list_id: int, emu: Emulator) -> CsvImportResult:
        return await az.import_csv(io.BytesIO(content), list_ids=[list_id])

    return run(scenario)


def test_a_header_cell_with_a_newline() -> None:
    """Fixed: only the first physical line was read as the header."""
    result, emu = _import_bytes(b'"first\nname",email,firstname\n"x\ny",a@b.co,Ann\n')
    assert [m.header_name for m in result.mapping] == ["first\nname", "email", "firstname"]
    contact = emu.state.contact_by_email("a@b.co")
    assert contact is not None and contact.fields[FIRSTNAME_FIELD] == "Ann"


def test_lone_cr_line_endings() -> None:
    """Fixed: raised ``_csv.Error`` (not an SDK error)."""
    result, emu = _import_bytes(b"email,firstname\ra@b.co,Ann\rb@b.co,Bob\r")
    assert emu.state.imports[result.import_id].result == {"created": 2, "updated": 0, "skipped": 0}


def test_header_too_long_or_unterminated_quote_is_a_configuration_error(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    path.write_bytes(b'"' + b"x" * (1 << 20) + b"\n" + b"y\n" * 10)

    async def scenario(az: AutomizyClient, list_id: int, emu: Emulator) -> None:
        with pytest.raises(ConfigurationError, match="longer than"):
            await az.import_csv(path, list_ids=[list_id])
        with pytest.raises(ConfigurationError, match="e-mail column"):
            await az.import_csv(io.BytesIO(b'"email,x\na@b.co,1\n'), list_ids=[list_id])
        with pytest.raises(ConfigurationError, match="empty"):
            await az.import_csv(io.BytesIO(b"\r\n\r\n"), list_ids=[list_id])
        assert not emu.state.imports

    run(scenario)


FORMULAS = ['=HYPERLINK("http://x","y")', "+1+1", "-2+3", "@SUM(A1)", "=cmd|' /C calc'!A0"]


@pytest.mark.parametrize("source", ["rows", "file"])
def test_formula_like_cells_are_sent_unchanged(source: str) -> None:
    """Documented behaviour: no ``'`` prefix or other spreadsheet guard is added."""
    rows = [{"email": f"f{i}@x.com", "firstname": f} for i, f in enumerate(FORMULAS)]
    out = io.StringIO(newline="")
    writer = csv.DictWriter(out, fieldnames=["email", "firstname"])
    writer.writeheader()
    writer.writerows(rows)

    async def scenario(az: AutomizyClient, list_id: int, emu: Emulator) -> CsvImportResult:
        data: Any = rows if source == "rows" else io.BytesIO(out.getvalue().encode())
        return await az.import_csv(data, list_ids=[list_id])

    result, emu = run(scenario)
    assert [dict(r) for r in _stored_rows(emu, result)] == rows
    for row in rows:
        contact = emu.state.contact_by_email(row["email"])
        assert contact is not None and contact.fields[FIRSTNAME_FIELD] == row["firstname"]
    count("abuse", "formula_cells", len(FORMULAS))


def test_rows_with_keys_missing_or_extra() -> None:
    async def scenario(az: AutomizyClient, list_id: int, emu: Emulator) -> None:
        with pytest.raises(ConfigurationError, match="first row's keys"):
            await az.import_csv(
                [{"email": "a@b.co"}, {"email": "c@d.co", "x": 1}], list_ids=[list_id]
            )
        with pytest.raises(ConfigurationError, match="string keys"):
            await az.import_csv([{1: "a@b.co"}], list_ids=[list_id])  # type: ignore[dict-item]
        with pytest.raises(ConfigurationError, match="mappings"):
            await az.import_csv([["a@b.co"]], list_ids=[list_id])  # type: ignore[list-item]
        result = await az.import_csv(
            [{"email": "a@b.co", "firstname": 7}, {"email": "c@d.co"}], list_ids=[list_id]
        )
        assert result.rows == 2
        assert not [i for i in emu.state.imports.values() if i.result is None]

    run(scenario)

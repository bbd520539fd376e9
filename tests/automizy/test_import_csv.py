"""``import_csv``: sources, automatic and explicit mapping, and refusals before upload."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import orjson
import pytest
from aioresponses import CallbackResult, aioresponses

from contactflow_automizy import AutomizyClient, ConfigurationError, ResponseFormatError
from contactflow_automizy.automizy.csv_import import CsvImportResult
from contactflow_automizy.automizy.models import FieldMapping
from tests.automizy.conftest import CONTACT_MANAGER_URL, IMPORT_SERVICE_URL, Call, calls, parse_form

FIELDS_URL = CONTACT_MANAGER_URL + "/field?page=1&pageSize=100"
FIELDS = [
    {"id": 1, "mergeTag": "firstname", "label": "First Name", "type": "STRING"},
    {"id": 2, "mergeTag": "lastname", "label": "Last name", "type": "STRING"},
    {"id": 3, "mergeTag": "city", "label": "Town", "type": "STRING"},
    {"id": 4, "mergeTag": "town", "label": "City", "type": "STRING"},
    {"id": 5, "mergeTag": "EMAIL", "label": "E-mail", "type": "DEFAULT"},
]
CSV = (
    b"Email,First Name,LASTNAME,City,Town ,Unknown\r\n"
    b"a@example.com,Ann,Lee,Rome,Roma,?\r\n"
    b"b@example.com,Bob,Ray,Oslo,Oslo,!\r\n"
)
HEADERS = ["Email", "First Name", "LASTNAME", "City", "Town ", "Unknown"]


def analyze_echoing_headers(uploads: list[bytes]) -> Callable[..., CallbackResult]:
    """An analyze endpoint that keeps the uploaded CSV and reports its header line."""

    def reply(url: Any, **kwargs: Any) -> CallbackResult:
        [part] = parse_form(kwargs["headers"]["Content-Type"], kwargs["data"])
        uploads.append(part.content)
        first = part.content.split(b"\n", 1)[0].rstrip(b"\r").decode("utf-8")
        return CallbackResult(payload={"importId": 31, "headers": first.split(",")})

    return reply


@pytest.fixture
def uploads(mocked: aioresponses) -> list[bytes]:
    received: list[bytes] = []
    fields_page = {"totalItems": 5, "totalPages": 1, "currentPage": 1, "items": FIELDS}
    mocked.get(FIELDS_URL, payload=fields_page)
    mocked.post(IMPORT_SERVICE_URL + "/analyze", callback=analyze_echoing_headers(received))
    mocked.post(IMPORT_SERVICE_URL + "/31/process", payload={"success": True})
    return received


def process_call(mocked: aioresponses) -> Call:
    [call] = [c for c in calls(mocked) if c.url.path.endswith("/process")]
    return call


def m(field_id: int | None, header: str, ignore: bool = False) -> FieldMapping:
    return FieldMapping(field_id=field_id, header_name=header, ignore=ignore)


AUTO_MAPPING = [
    m(None, "Email"),  # the e-mail column, although field 5's merge tag is "EMAIL"
    m(1, "First Name"),  # by label
    m(2, "LASTNAME"),  # by merge tag, case-insensitive
    m(3, "City"),  # merge tag "city" wins over field 4's label "City"
    m(4, "Town "),  # merge tag "town", trimmed
    m(None, "Unknown", ignore=True),
]


async def test_auto_mapping_from_a_path(
    az: AutomizyClient, mocked: aioresponses, uploads: list[bytes], tmp_path: Path
) -> None:
    path = tmp_path / "contacts.csv"
    path.write_bytes(CSV)

    result = await az.import_csv(
        path,
        list_ids=[7, 8],
        overwrite=True,
        add_tag_ids=[1],
        remove_tag_ids=[2, 3],
        notification_email="ops@example.com",
    )

    assert uploads == [CSV]
    assert result == CsvImportResult(
        import_id=31,
        mapping=AUTO_MAPPING,
        ignored_headers=["Unknown"],
        rows=None,
        bytes_uploaded=len(CSV),
    )
    assert process_call(mocked).json == {
        "contactListIdList": [7, 8],
        "overwrite": True,
        "fieldList": [mapping.to_dict() for mapping in AUTO_MAPPING],
        "addContactTagIdList": [1],
        "removeContactTagIdList": [2, 3],
        "notificationEmailAddress": "ops@example.com",
    }


async def test_a_field_takes_one_column_and_the_rest_is_reported(
    az: AutomizyClient, mocked: aioresponses, uploads: list[bytes]
) -> None:
    csv = b"e-mail,firstname,First Name,\r\nx@example.com,A,B,C\r\n"
    result = await az.import_csv(io.BytesIO(csv), list_ids=[1])
    assert result.mapping == [
        m(None, "e-mail"),
        m(1, "firstname"),
        m(None, "First Name", ignore=True),
        m(None, "", ignore=True),
    ]
    assert result.ignored_headers == ["First Name", ""]


async def test_explicit_mapping_skips_the_field_lookup(
    az: AutomizyClient, mocked: aioresponses, uploads: list[bytes]
) -> None:
    csv = b"Mail Address,Name,Other\r\nx@example.com,X,Y\r\n"
    result = await az.import_csv(io.BytesIO(csv), list_ids=[1], mapping={"name": 9})
    assert result.mapping == [m(None, "Mail Address"), m(9, "Name"), m(None, "Other", True)]
    assert not any(c.url.path.endswith("/field") for c in calls(mocked))


async def test_explicit_mapping_may_name_the_email_column(
    az: AutomizyClient, mocked: aioresponses, uploads: list[bytes]
) -> None:
    csv = b"login,email\r\nx@example.com,backup@example.com\r\n"
    result = await az.import_csv(io.BytesIO(csv), list_ids=[1], mapping={"login": None})
    assert result.mapping == [m(None, "login"), m(None, "email", ignore=True)]


async def test_a_non_seekable_file_gets_its_header_back(
    az: AutomizyClient, mocked: aioresponses, uploads: list[bytes]
) -> None:
    class Pipe(io.BytesIO):
        def seekable(self) -> bool:
            return False

    result = await az.import_csv(Pipe(CSV), list_ids=[1])
    assert uploads == [CSV]
    assert result.bytes_uploaded == len(CSV)


async def test_a_file_object_is_read_from_where_it_stands(
    az: AutomizyClient, mocked: aioresponses, uploads: list[bytes]
) -> None:
    file = io.BytesIO(b"preamble\n" + CSV)
    file.readline()
    await az.import_csv(file, list_ids=[1])
    assert uploads == [CSV]


async def test_rows_from_an_async_generator(
    az: AutomizyClient, mocked: aioresponses, uploads: list[bytes]
) -> None:
    async def rows() -> AsyncIterator[dict[str, Any]]:
        for i in range(2500):  # more than one spool batch
            yield {"emailAddress": f"u{i}@example.com", "firstname": f"N{i}", "age": i or None}

    result = await az.import_csv(rows(), list_ids=[1])

    [upload] = uploads
    lines = upload.decode().splitlines()
    assert lines[:3] == ["emailAddress,firstname,age", "u0@example.com,N0,", "u1@example.com,N1,1"]
    assert len(lines) == 2501
    assert result.rows == 2500
    assert result.bytes_uploaded == len(upload)
    assert result.mapping == [m(None, "emailAddress"), m(1, "firstname"), m(None, "age", True)]


async def test_rows_from_a_plain_list(
    az: AutomizyClient, mocked: aioresponses, uploads: list[bytes]
) -> None:
    rows = [{"Mail": "a@example.com", "City": "Rome, Italy"}, {"Mail": "b@example.com"}]
    result = await az.import_csv(rows, list_ids=[1])
    assert uploads == [b'Mail,City\r\na@example.com,"Rome, Italy"\r\nb@example.com,\r\n']
    assert (result.rows, result.mapping) == (2, [m(None, "Mail"), m(3, "City")])


async def test_a_bom_kept_by_the_server_still_matches(
    az: AutomizyClient, mocked: aioresponses, uploads: list[bytes], tmp_path: Path
) -> None:
    path = tmp_path / "bom.csv"
    path.write_bytes(b"\xef\xbb\xbfemail,Town\r\nx@example.com,Rome\r\n")
    result = await az.import_csv(str(path), list_ids=[1])
    assert result.mapping == [m(None, "\ufeffemail"), m(4, "Town")]


async def test_headers_the_server_adds_are_ignored(
    az: AutomizyClient, mocked: aioresponses
) -> None:
    mocked.post(
        IMPORT_SERVICE_URL + "/analyze", payload={"importId": 5, "headers": ["EMAIL", "extra"]}
    )
    mocked.post(IMPORT_SERVICE_URL + "/5/process", payload={"success": True})
    result = await az.import_csv(io.BytesIO(b"email\nx@example.com\n"), list_ids=[1], mapping={})
    assert result.mapping == [m(None, "EMAIL"), m(None, "extra", ignore=True)]


async def test_no_email_column_reported_by_the_server_stops_before_processing(
    az: AutomizyClient, mocked: aioresponses
) -> None:
    mocked.post(IMPORT_SERVICE_URL + "/analyze", payload={"importId": 5, "headers": ["name"]})
    with pytest.raises(ResponseFormatError, match="e-mail column"):
        await az.import_csv(io.BytesIO(b"email\nx@example.com\n"), list_ids=[1], mapping={})
    assert [c.url.path.rsplit("/", 1)[-1] for c in calls(mocked)] == ["analyze"]


REFUSALS: dict[str, tuple[Any, dict[str, Any], str]] = {
    "empty file": (b"", {}, "empty"),
    "blank header": (b"\r\nx@example.com\r\n", {}, "empty"),
    "no e-mail column": (b"name,city\nA,B\n", {}, "no e-mail column"),
    "two e-mail columns": (b"email,E-Mail\n", {}, "several e-mail columns"),
    "not UTF-8": ("email,prénom\n".encode("latin-1"), {}, "not UTF-8"),
    "unknown header in mapping": (b"email,name\n", {"mapping": {"nom": 3}}, "'nom'"),
    "two e-mail columns in mapping": (
        b"a,b\n",
        {"mapping": {"a": None, "b": None}},
        "several e-mail",
    ),
    "e-mail column mapped to a field": (b"email\n", {"mapping": {"email": 3}}, "no e-mail"),
    "bad field id in mapping": (b"email,n\n", {"mapping": {"n": 0}}, "positive integer"),
    "bad mapping mode": (b"email\n", {"mapping": "guess"}, "'auto'"),
    "no list": (b"email\n", {"list_ids": []}, "at least one list"),
    "bad list id": (b"email\n", {"list_ids": ["1"]}, "positive integer"),
    "bad tag id": (b"email\n", {"add_tag_ids": [0]}, "positive integer"),
    "bad notification e-mail": (b"email\n", {"notification_email": "ops"}, "e-mail address"),
    "header line too long": (b"email," + b"x" * (1 << 20) + b"\n", {}, "longer than"),
    "no rows": ([], {}, "no rows"),
    "rows that are not mappings": ([["email"]], {}, "mappings"),
    "row with a key the first lacks": (
        [{"email": "a@example.com"}, {"email": "b@example.com", "x": 1}],
        {},
        "first row's keys",
    ),
    "bytes instead of a file": (b"bytes", {"as_bytes": True}, "not bytes"),
    "missing path": (Path("/nonexistent/x.csv"), {}, "cannot read"),
}


@pytest.mark.parametrize("name", list(REFUSALS))
async def test_refused_before_anything_is_sent(
    name: str, az: AutomizyClient, mocked: aioresponses
) -> None:
    source, options, message = REFUSALS[name]
    options = {"list_ids": [1], **options}
    if isinstance(source, bytes) and not options.pop("as_bytes", False):
        source = io.BytesIO(source)
    with pytest.raises(ConfigurationError, match=message):
        await az.import_csv(source, **options)
    assert mocked.requests == {}


def test_result_mapping_serialises_like_the_seed() -> None:
    body = orjson.loads(orjson.dumps([x.to_dict() for x in AUTO_MAPPING[:1]]))
    assert body == [{"fieldId": None, "headerName": "Email", "ignore": False}]

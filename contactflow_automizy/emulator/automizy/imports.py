"""CSV imports: analyze (multipart upload, read the headers, keep the file), then process.

Processing really imports: each row's e-mail column (the ``fieldList`` entry
with ``fieldId: null`` and ``ignore: false``) finds or creates a contact; mapped
columns set field values (on an existing contact only when ``overwrite`` is
true or the field is still empty; empty cells never erase); the contact joins
every list of ``contactListIdList``, gains ``addContactTagIdList`` and loses
``removeContactTagIdList``.  Rows without a valid address are skipped and
counted.  The outcome is kept in ``state.imports[id].result``; an import is
processed once (again: 409).  Processing is served at both URLs the seed
shows: ``IS/{importId}/process`` and ``IS/import/{importId}/process``.
"""

from __future__ import annotations

import csv
import io
import re
from email.message import Message
from typing import Any

from contactflow_automizy._routes import Route
from contactflow_automizy.automizy import routes
from contactflow_automizy.emulator.api import Call, Operation
from contactflow_automizy.emulator.automizy.common import (
    body_object,
    invalid,
    is_email,
    ok,
    path_error,
    validate,
)
from contactflow_automizy.emulator.checks import array, boolean, string
from contactflow_automizy.emulator.state import Contact, Import, State
from contactflow_automizy.emulator.wire import ApiError, Reply, text_reply

__all__ = ["ROUTES", "form_file"]

PROCESS = {
    "contactListIdList": array,
    "overwrite": boolean,
    "fieldList": array,
    "addContactTagIdList": array,
    "removeContactTagIdList": array,
    "notificationEmailAddress": string,
}
#: Each of ``fieldList``: ``{"fieldId": 1, "headerName": "asd", "ignore": false}``.
FIELD_LIST_ENTRY = ("fieldId", "headerName", "ignore")
_PART_END = re.compile(rb"\r?\n\Z")


def _header_params(name: str, value: str) -> Message:
    message = Message()
    message[name] = value
    return message


def form_file(
    body: bytes, content_type: str, part: str = "file"
) -> tuple[str | None, bytes] | None:
    """The file named ``part`` of a ``multipart/form-data`` body: (filename, bytes), or None."""
    boundary = _header_params("Content-Type", content_type).get_param("boundary")
    if not content_type.lower().startswith("multipart/form-data") or not isinstance(boundary, str):
        return None
    for chunk in body.split(b"--" + boundary.encode())[1:]:
        head, sep, data = chunk.partition(b"\r\n\r\n")
        if not sep:
            continue
        headers = Message()
        for line in head.decode("utf-8", "replace").strip().splitlines():
            name, _, value = line.partition(":")
            headers[name.strip()] = value.strip()
        disposition = headers.get("Content-Disposition", "")
        params = _header_params("Content-Disposition", disposition)
        if params.get_param("name", header="content-disposition") == part:
            filename = params.get_param("filename", header="content-disposition")
            return (filename if isinstance(filename, str) else None), _PART_END.sub(b"", data)
    return None


def _rows(data: bytes) -> csv.DictReader[str]:
    return csv.DictReader(io.StringIO(data.decode("utf-8-sig", "replace"), newline=""))


def analyze(call: Call) -> Reply:
    upload = form_file(call.request.body, call.request.headers.get("Content-Type", ""))
    if upload is None:
        return text_reply(500, "Internal server error")
    filename, data = upload
    headers = list(_rows(data).fieldnames or [])
    record = Import(id=call.state.next_id("import"), filename=filename, data=data, headers=headers)
    call.state.imports[record.id] = record
    return ok({"importId": record.id, "headers": headers})


def _ids(call: Call, ids: list[Any], table: dict[int, Any], what: str) -> list[int]:
    for item in ids:
        if not isinstance(item, int):
            raise invalid([("id", f'"{what}" ids must be numbers')])
        if item not in table:
            raise path_error(call, f"{what} not exist")
    return ids


def _mapping(call: Call, record: Import, field_list: list[Any]) -> tuple[str, dict[str, int]]:
    """(e-mail header, {header: field id}) from ``fieldList``."""
    email_headers: list[str] = []
    mapping: dict[str, int] = {}
    for entry in field_list:
        if isinstance(entry, dict):
            call.known_keys(entry, FIELD_LIST_ENTRY, "fieldList")
        if not isinstance(entry, dict) or not isinstance(entry.get("headerName"), str):
            raise invalid(
                [("fieldList", '"fieldList" must be an array of {fieldId, headerName, ignore}')]
            )
        header = entry["headerName"]
        if entry.get("ignore"):
            continue
        if header not in record.headers:
            raise invalid([("fieldList", f'"{header}" is not a header of the import')])
        field_id = entry.get("fieldId")
        if field_id is None:
            email_headers.append(header)
        elif field_id not in call.state.fields:
            raise ApiError(404, {"message": "Field not exist"})
        else:
            mapping[header] = field_id
    if len(email_headers) != 1:
        raise invalid(
            [("fieldList", '"fieldList" must map exactly one e-mail column (fieldId null)')]
        )
    return email_headers[0], mapping


def _import_row(
    state: State, contact: Contact, values: dict[int, str], overwrite: bool, body: dict[str, Any]
) -> None:
    for field_id, value in values.items():
        if value and (overwrite or not contact.fields.get(field_id)):
            contact.fields[field_id] = value
    for list_id in body["contactListIdList"]:
        state.join_list(contact, state.lists[list_id])
    contact.tags.update(dict.fromkeys(body["addContactTagIdList"]))
    for tag_id in body["removeContactTagIdList"]:
        contact.tags.pop(tag_id, None)


def process(call: Call) -> Reply:
    state = call.state
    record = state.imports.get(call.params["importId"])
    if record is None:
        raise path_error(call, "Import not exist")
    body = body_object(call)
    validate(body, PROCESS, required=[k for k in PROCESS if k != "notificationEmailAddress"])
    _ids(call, body["contactListIdList"], state.lists, "Contact List")
    _ids(call, [*body["addContactTagIdList"], *body["removeContactTagIdList"]], state.tags, "Tag")
    email_header, mapping = _mapping(call, record, body["fieldList"])
    if record.result is not None:
        raise path_error(call, "Import already processed", 409)
    result = {"created": 0, "updated": 0, "skipped": 0}
    for row in _rows(record.data):
        email = (row.get(email_header) or "").strip()
        if not is_email(email):
            result["skipped"] += 1
            continue
        contact = state.contact_by_email(email)
        result["updated" if contact else "created"] += 1
        contact = contact or state.add_contact(email)
        contact.imports.add(record.id)
        values = {field_id: (row.get(header) or "").strip() for header, field_id in mapping.items()}
        _import_row(state, contact, values, body["overwrite"], body)
    record.result = result
    return ok({"success": True})


#: The form of the process URL in the seed's example call.
PROCESS_IMPORT_EXAMPLE = Route("POST", routes.IMPORT_SERVICE + "/import/{importId:id}/process")
ROUTES: dict[Route, Operation] = {
    routes.ANALYZE_IMPORT: Operation(analyze),
    routes.PROCESS_IMPORT: Operation(process, body=PROCESS),
    PROCESS_IMPORT_EXAMPLE: Operation(process, body=PROCESS),
}

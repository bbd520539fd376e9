"""Imports: upload a CSV for analysis (streamed multipart), then process it.

Quirk: the seed gives the process URL two ways, ``<import service>/{importId}/process`` in
its heading and ``<import service>/import/{id}/process`` in its example.  We use the heading's;
``AutomizyClient(process_import_path=routes.PROCESS_IMPORT_EXAMPLE_PATH)`` (or
any template below ``base_url`` with one ``{importId:id}``) switches.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from contactflow_automizy import _validate
from contactflow_automizy._multipart import FileSource, file_upload
from contactflow_automizy._progress import ProgressCallback
from contactflow_automizy._routes import Route
from contactflow_automizy.automizy import routes
from contactflow_automizy.automizy.fields import FieldsMixin
from contactflow_automizy.automizy.models import FieldMapping, ImportAnalysis, ImportProcess
from contactflow_automizy.errors import ConfigurationError


def process_import_route(template: str | None) -> Route:
    """The process-import route, from the default or a user's path template."""
    if template is None:
        return routes.PROCESS_IMPORT
    try:
        route = Route("POST", template)  # parses the template: an unknown kind is a ValueError
    except ValueError as exc:
        raise ConfigurationError(f"process_import_path: {exc}") from None
    if not template.startswith("/") or route.param_names != ("importId",):
        raise ConfigurationError(
            "process_import_path must start with '/' and contain one {importId:id}, "
            f"got {template!r}"
        )
    return route


class ImportsMixin(FieldsMixin):
    """The two raw import calls; ``import_csv`` (in :mod:`.csv_import`) builds on them."""

    _process_import_route: Route = routes.PROCESS_IMPORT

    async def analyze_import(
        self,
        file: FileSource,
        *,
        filename: str | None = None,
        on_progress: ProgressCallback | None = None,
    ) -> ImportAnalysis:
        """Upload a CSV (path or binary file object) as multipart part ``file``, streamed.

        Returns the import id and the headers the server read.  A path or a
        seekable file is re-read on a retry; a non-seekable one is sent once,
        without retries.  ``on_progress`` gets a :class:`Progress` in file bytes.
        """
        upload = file_upload(file, filename=filename, on_progress=on_progress)
        client = self if upload.replayable else self.with_options(max_retries=0)
        return await client._model(
            routes.ANALYZE_IMPORT,
            ImportAnalysis,
            content=upload.factory,
            headers={"Content-Type": upload.content_type},
        )

    async def process_import(
        self,
        import_id: int,
        contact_list_ids: Iterable[int],
        field_list: Iterable[FieldMapping | Mapping[str, Any]],
        overwrite: bool = False,
        add_contact_tag_ids: Iterable[int] = (),
        remove_contact_tag_ids: Iterable[int] = (),
        notification_email: str | None = None,
    ) -> None:
        """Start importing an analyzed CSV into lists, with one mapping per header.

        ``field_list`` maps every header: the e-mail column has ``field_id=None``
        and ``ignore=False``; columns to skip have ``ignore=True``.
        """
        list_ids = _validate.positive_ints("contact_list_ids", contact_list_ids)
        if not list_ids:
            raise ConfigurationError("contact_list_ids: a contact must go to at least one list")
        body = ImportProcess(
            contact_list_id_list=list_ids,
            overwrite=bool(overwrite),
            field_list=[self._as_model(FieldMapping, item, {}) for item in field_list],
            add_contact_tag_id_list=_validate.positive_ints(
                "add_contact_tag_ids", add_contact_tag_ids
            ),
            remove_contact_tag_id_list=_validate.positive_ints(
                "remove_contact_tag_ids", remove_contact_tag_ids
            ),
            notification_email_address=None
            if notification_email is None
            else _validate.email_address("notification_email", notification_email),
        )
        await self._json(
            self._process_import_route,
            path={"importId": _validate.positive_int("import_id", import_id)},
            json=body,
        )

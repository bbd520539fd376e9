"""Custom fields: create, get, list, update, delete.

Two seed quirks live here:

* ``create_field`` answers ``"createdField": {id, label, mergeTag}``: a wrapper
  (shown without its outer braces); we unwrap it, accepting the braced form, the
  bare member exactly as printed, and an unwrapped field;
* updates use ``POST /field/{id}`` (not PATCH/PUT).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import orjson

from contactflow_automizy import _validate
from contactflow_automizy._converter import structure
from contactflow_automizy._pagination import AsyncPaginator
from contactflow_automizy.automizy import routes
from contactflow_automizy.automizy._mixin import AutomizyMixin
from contactflow_automizy.automizy.models import CreatableFieldTypeName, Field, FieldType
from contactflow_automizy.errors import ConfigurationError, ResponseFormatError

_WRAPPER = b'"createdField"'


#: ``DEFAULT`` fields (e-mail, names) exist already; the API refuses to create one.
_CREATABLE_TYPES = tuple(t for t in FieldType if t is not FieldType.DEFAULT)


def created_field(raw: bytes) -> Field:
    """The field in a ``create_field`` answer, wrapped or not."""
    text = raw.strip()
    try:
        body = orjson.loads(b"{" + text + b"}" if text.startswith(_WRAPPER) else text)
    except orjson.JSONDecodeError as exc:
        raise ResponseFormatError("create_field: the answer is not JSON") from exc
    if isinstance(body, Mapping) and "createdField" in body:
        body = body["createdField"]
    return structure(body, Field)


def _optional(**values: Any) -> dict[str, Any]:
    return {key: value for key, value in values.items() if value is not None}


class FieldsMixin(AutomizyMixin):
    async def create_field(
        self,
        merge_tag: str,
        label: str,
        type: FieldType | CreatableFieldTypeName,
        default_value: str | None = None,
        is_shown_on_modification_form: bool | None = None,
    ) -> Field:
        """Create a field (``DEFAULT`` is refused: only built-in fields have it).

        Returns the unwrapped ``createdField`` (``id``, ``label``, ``merge_tag``).
        """
        body = {
            "mergeTag": _validate.text("merge_tag", merge_tag),
            "label": _validate.text("label", label),
            "type": _validate.enum_member("type", FieldType, type, allowed=_CREATABLE_TYPES),
            **_optional(
                defaultValue=default_value,
                isShownOnModificationForm=is_shown_on_modification_form,
            ),
        }
        response = await self._request(routes.CREATE_FIELD, json=body, buffered=True)
        return created_field(await response.read())

    async def get_field(self, field_id: int) -> Field:
        return await self._model(routes.GET_FIELD, Field, path={"id": field_id})

    def list_fields(
        self, *, hidden: bool | None = None, page_size: int | None = None, prefetch: int = 1
    ) -> AsyncPaginator[Field]:
        """Every field (paged); ``hidden`` includes (True) or excludes (False) HIDDEN ones."""
        return self._paged(
            routes.LIST_FIELDS,
            Field,
            page_size=page_size,
            prefetch=prefetch,
            query={"hidden": hidden},
        )

    async def update_field(
        self,
        field_id: int,
        *,
        merge_tag: str | None = None,
        label: str | None = None,
        default_value: str | None = None,
        is_shown_on_modification_form: bool | None = None,
    ) -> None:
        """Change what is given (``POST``, per the seed); 409 if the merge tag is taken.

        Built-in ``DEFAULT`` fields accept only ``default_value`` and
        ``is_shown_on_modification_form``; the server refuses the rest.
        """
        body = _optional(
            mergeTag=None if merge_tag is None else _validate.text("merge_tag", merge_tag),
            label=None if label is None else _validate.text("label", label),
            defaultValue=default_value,
            isShownOnModificationForm=is_shown_on_modification_form,
        )
        if not body:
            raise ConfigurationError("update_field: nothing to update")
        await self._json(routes.UPDATE_FIELD, path={"id": field_id}, json=body)

    async def delete_field(self, field_id: int) -> None:
        """Delete a field; built-in ``DEFAULT`` fields answer 422."""
        await self._json(routes.DELETE_FIELD, path={"id": field_id})

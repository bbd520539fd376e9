"""Every Automizy operation's method and path, in one table.

``CM`` and ``IS`` are the two service prefixes of SPEC.md section 4.  The seed
gives the import-process URL two ways (``IS/{importId}/process`` in its
heading, ``IS/import/{id}/process`` in its example); we use the heading's,
and ``AutomizyClient(process_import_path=...)`` can override it.
"""

from __future__ import annotations

from contactflow_automizy._routes import Route

CM = "/contact-manager-service-http/public/api/contact-manager"
IS = "/import-service-http/public/api/import-service"

CREATE_CONTACT = Route("POST", CM + "/contact")
GET_CONTACT = Route("GET", CM + "/contact/{id:id}")
DELETE_CONTACT = Route("DELETE", CM + "/contact/{id:id}")
UPDATE_CONTACT_STATUS = Route("PATCH", CM + "/contact/{id:id}/status")
UPDATE_CONTACT_EMAIL = Route("PATCH", CM + "/contact/{id:id}/email-address")
# Replacing a contact's tags or one field value is a set, not an append: safe to repeat.
UPDATE_CONTACT_TAGS = Route("POST", CM + "/contact/{id:id}/tag", idempotent=True)
UPDATE_CONTACT_FIELD = Route("POST", CM + "/contact/{id:id}/field", idempotent=True)
# A read-only search sent as POST.
SEARCH_CONTACTS = Route("POST", CM + "/contact/criterion", idempotent=True)

CREATE_LIST = Route("POST", CM + "/list")
GET_LIST = Route("GET", CM + "/list/{id:id}")
LIST_LISTS = Route("GET", CM + "/list")
UPDATE_LIST = Route("PATCH", CM + "/list/{id:id}")
DELETE_LIST = Route("DELETE", CM + "/list/{id:id}")

CREATE_FIELD = Route("POST", CM + "/field")
GET_FIELD = Route("GET", CM + "/field/{id:id}")
LIST_FIELDS = Route("GET", CM + "/field")
# The seed updates fields and tags with POST; the update itself is idempotent.
UPDATE_FIELD = Route("POST", CM + "/field/{id:id}", idempotent=True)
DELETE_FIELD = Route("DELETE", CM + "/field/{id:id}")

CREATE_TAG = Route("POST", CM + "/tag")
GET_TAG = Route("GET", CM + "/tag/{id:id}")
LIST_TAGS = Route("GET", CM + "/tag")
UPDATE_TAG = Route("POST", CM + "/tag/{id:id}", idempotent=True)
DELETE_TAG = Route("DELETE", CM + "/tag/{id:id}")

ANALYZE_IMPORT = Route("POST", IS + "/analyze")
PROCESS_IMPORT = Route("POST", IS + "/{importId:id}/process")
#: The other form the seed shows (its example call), for ``process_import_path=``.
PROCESS_IMPORT_EXAMPLE_PATH = IS + "/import/{importId:id}/process"

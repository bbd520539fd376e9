"""Every Automizy operation's method and path, in one table.

``CONTACT_MANAGER`` and ``IMPORT_SERVICE`` are the path prefixes of the two
Automizy services (SPEC.md section 4).  The seed gives the import-process URL
two ways (``<import service>/{importId}/process`` in its heading,
``<import service>/import/{id}/process`` in its example); we use the heading's,
and ``AutomizyClient(process_import_path=...)`` can override it.
"""

from __future__ import annotations

from contactflow_automizy._routes import Route

CONTACT_MANAGER = "/contact-manager-service-http/public/api/contact-manager"
IMPORT_SERVICE = "/import-service-http/public/api/import-service"

CREATE_CONTACT = Route("POST", CONTACT_MANAGER + "/contact")
GET_CONTACT = Route("GET", CONTACT_MANAGER + "/contact/{id:id}")
DELETE_CONTACT = Route("DELETE", CONTACT_MANAGER + "/contact/{id:id}")
UPDATE_CONTACT_STATUS = Route("PATCH", CONTACT_MANAGER + "/contact/{id:id}/status")
UPDATE_CONTACT_EMAIL = Route("PATCH", CONTACT_MANAGER + "/contact/{id:id}/email-address")
# Replacing a contact's tags or one field value is a set, not an append: safe to repeat.
UPDATE_CONTACT_TAGS = Route("POST", CONTACT_MANAGER + "/contact/{id:id}/tag", idempotent=True)
UPDATE_CONTACT_FIELD = Route("POST", CONTACT_MANAGER + "/contact/{id:id}/field", idempotent=True)
# A read-only search sent as POST.
SEARCH_CONTACTS = Route("POST", CONTACT_MANAGER + "/contact/criterion", idempotent=True)

CREATE_LIST = Route("POST", CONTACT_MANAGER + "/list")
GET_LIST = Route("GET", CONTACT_MANAGER + "/list/{id:id}")
LIST_LISTS = Route("GET", CONTACT_MANAGER + "/list")
UPDATE_LIST = Route("PATCH", CONTACT_MANAGER + "/list/{id:id}")
DELETE_LIST = Route("DELETE", CONTACT_MANAGER + "/list/{id:id}")

CREATE_FIELD = Route("POST", CONTACT_MANAGER + "/field")
GET_FIELD = Route("GET", CONTACT_MANAGER + "/field/{id:id}")
LIST_FIELDS = Route("GET", CONTACT_MANAGER + "/field")
# The seed updates fields and tags with POST; the update itself is idempotent.
UPDATE_FIELD = Route("POST", CONTACT_MANAGER + "/field/{id:id}", idempotent=True)
DELETE_FIELD = Route("DELETE", CONTACT_MANAGER + "/field/{id:id}")

CREATE_TAG = Route("POST", CONTACT_MANAGER + "/tag")
GET_TAG = Route("GET", CONTACT_MANAGER + "/tag/{id:id}")
LIST_TAGS = Route("GET", CONTACT_MANAGER + "/tag")
UPDATE_TAG = Route("POST", CONTACT_MANAGER + "/tag/{id:id}", idempotent=True)
DELETE_TAG = Route("DELETE", CONTACT_MANAGER + "/tag/{id:id}")

ANALYZE_IMPORT = Route("POST", IMPORT_SERVICE + "/analyze")
PROCESS_IMPORT = Route("POST", IMPORT_SERVICE + "/{importId:id}/process")
#: The other form the seed shows (its example call), for ``process_import_path=``.
PROCESS_IMPORT_EXAMPLE_PATH = IMPORT_SERVICE + "/import/{importId:id}/process"

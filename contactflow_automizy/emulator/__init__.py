r"""A local emulator of the Contactflow and Automizy APIs: in-memory state, switchable faults.

``Emulator`` serves both APIs on one aiohttp.web server bound to loopback;
``emu.transport()`` serves them in-process, without sockets, through the SDK's
``Transport`` protocol.  ``Faults`` injects latency, 429/5xx answers and
dropped connections, repeatably for a given ``random_seed``.

Strict by default: ``Emulator(strict=True)`` answers a query parameter or JSON
body key the seed does not document for the operation with a 400 naming it (in
that API's error shape), so a typo in the code under test fails its test;
``strict=False`` (CLI ``--lenient``) ignores such keys and never stores them.
Strict is the constructor's default, not only the tests', because the emulator
exists to test code against the API documents: a lenient default would let a
misspelt key pass every test and be ignored, or refused, in production.

Tests steer it from the same process (``emu.state``, ``emu.faults``,
``emu.hold(...)``) or, when it runs in its own process (``contactflow-automizy
emulator``, ``python -m contactflow_automizy emulator``), through the control
endpoints under ``/_emulator/`` (never under either API's prefixes, never
faulted, either API's credential required); :mod:`~.control` documents each:

* ``POST /_emulator/holds`` arms a hold (:mod:`~.holds`: catch a request, e.g.
  ``{"route": "ADD_CUSTOMER_BATCH", "packet": "FIRST"}``, until released), and
  ``DELETE /_emulator/holds/{id}`` stops it catching;
* ``GET /_emulator/held`` lists the requests held, with whether their client is
  gone; ``POST /_emulator/release`` lets them through (or drops them);
* ``GET /_emulator/sources?automation=<uuid>`` lists an automation's batch
  sources (open, closed, deleted) with their customer counts,
  ``GET /_emulator/customers?automation=<uuid>`` its customers, and
  ``GET /_emulator/contacts?list=<id>`` a list's contacts;
* ``GET /_emulator/requests`` lists every API request received, with its
  arrival time, so a test can measure the request rate the server saw.

Layout: one handler module per SDK section, named as the SDK module of that
section (``emulator/contactflow/nodes.py`` serves what
``contactflow/nodes.py`` calls); helpers shared by one API's handlers are in
its ``common.py``.

What the emulator shares with the SDK, and what it does not
-------------------------------------------------------------
**Routes are shared.**  The router is built from the SDK's route tables
(``contactflow/routes.py``, ``automizy/routes.py``) and their parsed
segments, because the Contactflow seed shows no paths at all: the paths are
SPEC.md's decision, recorded once in those tables, and a second copy here
could only drift from them.

**What the API accepts is an independent oracle of the seeds.**  Enums,
field types, required fields and error bodies are written here again, from
the seed documents, never imported from the SDK's models, enums or
validation.  A wrong value in an SDK enum (a missing status, a misspelt
step type) therefore makes the SDK's tests against the emulator fail instead
of agreeing with itself.  Where the seeds are silent the emulator's own rule
is documented where it is implemented.

Where the seeds are silent
--------------------------
What the emulator does where the seeds decide nothing, and why (also in
``docs/emulator.md``, which a test keeps identical).  Invented strictness is kept
only where it protects a user's data, and says so.

| rule | the emulator | why |
| --- | --- | --- |
| Contactflow paths | as SPEC.md section 3 and the SDK's `contactflow/routes.py` | the seed shows none |
| Contactflow paging | `page` 0-based, `size` default 20; a negative page or a size under 1 is a 400; any paged operation takes them | SPEC.md section 3; the seed lists them for the token search only |
| Automizy paging | `page` 1-based, `pageSize` default 10; not a number or under 1 is the seed's 422 `"page" must be a number` | the seed's shapes |
| Credentials | Contactflow: no or wrong Bearer token is a 401; Automizy: no or wrong `Api-key` a 401 `{message, path}` | both seeds require them and show no answer |
| `Node` header | missing or not a UUID: 400; unknown or disabled node: 404 | a disabled node is "not operational, not usable or visible" |
| Malformed path ids | Contactflow: 400; Automizy: the seed's 422 `{"errors": [{"field": "id", "message": "\"id\" must be a number"}]}` | Automizy's shape is the seed's; Contactflow shows none |
| Unknown path or method | 404 / 405 in the API's error shape | common HTTP |
| `null` values | count as absent (an optional field) | JSON servers commonly do |
| Date-times | need a UTC offset (RFC 3339); a naive one is a 422 in a body, a 400 in a query | `date-time` means RFC 3339; taking naive as UTC would hide a user's time-zone bug |
| Query booleans | `true`/`false` (any case); anything else a 400 (Automizy 422) | `boolean` |
| Blank strings | accepted where the seed says `string`, except an Automizy list name (422 "not allowed to be empty") | the seed types only; Automizy's messages are Joi's, whose strings refuse "" |
| Create with an existing `uuid` | 409 (node, setting, automation, customer) | **invented, kept**: silently replacing an existing resource would hide a user's bug |
| Server-owned fields | `created` and `createdBy` set by the server; steps get UUIDs; `statistics` computed (`customers`, `batchSources`); defaults `status` DRAFT, `category` Custom, `uniqueToken`/`removeActionPrimary` false | the seed's samples show these fields on answers |
| PUT of an automation or setting | replaces the resource: fields not sent fall back to defaults | PUT semantics |
| PATCH of an automation without `status` | renames only | the seed requires neither field |
| `removeExpiredCustomers` | only on PAUSED → RUNNING (as the seed says) removes every customer not in a still-open batch | the seed does not define "expired" |
| Batch `packet` and `sourceUuid` | required (422 without) | **invented, kept**: a batch without them cannot be tracked or rolled back |
| Batch sources | FIRST for a source UUID that exists in any state (open, closed, deleted, any automation) is a 409; DELETE of a closed source 409, of an unknown or deleted one 404; MIDDLE/LAST to a closed source 409, to one never opened or deleted 422 | SPEC.md section 11 (durable jobs rely on exactly this); a UUID opens one source, once |
| Batch `status` in a packet | checked against the seed's enum, then ignored | the server owns a source's status |
| DELETE of a batch | `sourceUuid` missing: 400; not a UUID: 404 (names no source) | the seed types it `string` |
| Customers of an archived automation | accepted | the seed says nothing; refusing them (as before) invented an error users might handle |
| Tokens | one per customer, on the automation's first step, status READY (aggregated RUNNING); `recipient` is `attributes.email` | the seed shows one sample token |
| Automation filters | `name`/`description` contain (any case); `status`/`category` any of; date bounds inclusive; `stepType` any step with that operation; `hasTrigger=true` needs trigger events (`false` filters nothing) | the seed's descriptions |
| Filter enums | exactly the seed's list for each operation (`GET /automations` status has no TO_DELETE; the report's has no TO_ARCHIVE/TO_DELETE and its stepType no WEBHOOK/TAG; the settings `Type` filter only CLAB_API_SOAP) | the seed lists them per operation |
| Reports | CSV columns uuid, name, status, category, description, created, startDate, endDate, customers; the ZIP holds one CSV per automation; `filename` defaults as the seed says, reduced to safe characters | the seed shows no report content |
| Catalogues | mail and SMS models, PageBuilder templates and pages, definitions, send subscriptions, Email Designer: fixed samples | no content services behind the emulator |
| Test e-mails | recorded in `state.test_emails`; answered `{message, logref: null, errors: []}` | the seed's answer shape |
| Deleting a node | deletes its automations and settings | they cannot outlive it |
| Contact e-mail addresses | unique per account, any case: creating or renaming onto a taken one is a 409 `Contact already exist` | the seed says so for renaming; creating is **extended**, which protects users from duplicate contacts |
| Contact e-mail format | a 422 `"emailAddress" must be a valid email` for one that is no address | **invented, kept**: the real service cannot store a non-address; protects users' data |
| Tag names | unique: a duplicate at create or rename is a 409 | **invented, kept**: contacts are tagged by name, duplicates would be ambiguous |
| Merge tags | unique (any case): 409 | the seed says so for updates; create is extended |
| DEFAULT fields | `firstname` (id 1) and `lastname` (id 2) exist; cannot be deleted (the seed's 422) or have merge tag, label or type changed (422) | the seed's sample search and its DEFAULT update table |
| Field type on update | may change (the update example sends `type`) | the seed's example |
| Contact tags | replaced by the named ones; missing tags are created | the seed's "Array of tag names" |
| Field values | strings (`fields[].value` at create too) | the seed types `value` as string |
| Contact status | UNSUBSCRIBED sets `unsubscribeDate`; ACTIVE clears it | the contact sample's fields |
| Deleting a list or tag | removes it from its contacts; the contacts stay | the seed's "can't create a contact that doesn't belong to a list" covers creation only |
| Contact search | a scope (`listId`, `search {operator, value}`, `contactStatus`) then criterion groups: OR across groups, AND within one; operators IS/EQ, IS_NOT/NEQ, IN, NOT_IN, STARTS_WITH, ENDS_WITH, GT/GTE/LT/LTE, EMPTY, NOT_EMPTY; types FIELD, EMAIL, STATUS, TAG, LIST, IMPORT; anything else a 422; an unknown list a 404 | the seed shows the shapes, not the logic |
| Import analysis | the first CSV row is the headers; the file is kept for processing | the seed's answer |
| Import processing | upsert by e-mail (a repeated import leaves each contact once); `overwrite` replaces non-empty values; empty cells never erase; rows without a valid address are skipped; served at both URLs the seed shows | SPEC.md section 8; the seed's descriptions |
| Import references | exactly one e-mail column (`fieldId: null`) else 422; a header not in the file 422; an unknown list, tag or field 404 | **invented, kept**: importing into a list or field that does not exist would lose data silently |
| Processing an import twice | 409 `Import already processed` | **invented, kept**: the import service keeps each import's state; a double processing becomes visible |
| Unknown query parameters and body keys | strict (default): 400 naming the key; lenient: ignored, never stored | issue 16: typos must fail tests |
"""

from contactflow_automizy.emulator.app import build_app
from contactflow_automizy.emulator.backend import Backend
from contactflow_automizy.emulator.faults import Faults
from contactflow_automizy.emulator.server import Emulator
from contactflow_automizy.emulator.state import State
from contactflow_automizy.emulator.transport import EmulatorTransport

__all__ = ["Backend", "Emulator", "EmulatorTransport", "Faults", "State", "build_app"]

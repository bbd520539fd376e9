"""A local emulator of the Contactflow and Automizy APIs: in-memory state, switchable faults.

``Emulator`` serves both APIs on one aiohttp.web server bound to loopback;
``emu.transport()`` serves them in-process, without sockets, through the SDK's
``Transport`` protocol.  ``Faults`` injects latency, 429/5xx answers and
dropped connections, repeatably for a given ``random_seed``.

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
  ``GET /_emulator/contacts?list=<id>`` a list's contacts.

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
"""

from contactflow_automizy.emulator.app import build_app
from contactflow_automizy.emulator.backend import Backend
from contactflow_automizy.emulator.faults import Faults
from contactflow_automizy.emulator.server import Emulator
from contactflow_automizy.emulator.state import State
from contactflow_automizy.emulator.transport import EmulatorTransport

__all__ = ["Backend", "Emulator", "EmulatorTransport", "Faults", "State", "build_app"]

"""A local emulator of the Contactflow and Automizy APIs: in-memory state, switchable faults.

``Emulator`` serves both APIs on one aiohttp.web server bound to loopback;
``emu.transport()`` serves them in-process, without sockets, through the SDK's
``Transport`` protocol.  ``Faults`` injects latency, 429/5xx answers and
dropped connections, repeatably for a given ``random_seed``.

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

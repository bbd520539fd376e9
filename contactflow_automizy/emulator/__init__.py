"""A local emulator of the Contactflow and Automizy APIs: in-memory state, switchable faults.

``Emulator`` serves both APIs on one aiohttp.web server bound to loopback;
``emu.transport()`` serves them in-process, without sockets, through the SDK's
``Transport`` protocol.  ``Faults`` injects latency, 429/5xx answers and
dropped connections, deterministically for a given seed.
"""

from contactflow_automizy.emulator.app import build_app
from contactflow_automizy.emulator.backend import Backend
from contactflow_automizy.emulator.faults import Faults
from contactflow_automizy.emulator.server import Emulator
from contactflow_automizy.emulator.state import State
from contactflow_automizy.emulator.transport import EmulatorTransport

__all__ = ["Backend", "Emulator", "EmulatorTransport", "Faults", "State", "build_app"]

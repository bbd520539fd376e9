"""What each transport cannot do, and why: the per-backend capability table.

Socket-level tests run on every backend (the ``backend`` fixture in
``tests/conftest.py``).  A test of something a backend cannot do calls
:func:`require` with the capability; on that backend the case is skipped with
the reason written here, never silently.  Each entry was measured (see
``contactflow_automizy/_pyreqwest.py``), and a test asserts what the backend
does instead (``tests/test_pyreqwest_transport.py``).
"""

from __future__ import annotations

import pytest

#: capability -> backend -> why it cannot.
MISSING: dict[str, dict[str, str]] = {
    "ssl_context": {
        "pyreqwest": "rustls takes no ssl.SSLContext: PyreqwestTransport refuses one "
        "with ConfigurationError (test_options_pyreqwest_cannot_honour_are_refused)",
    },
    "deadline_connect_phase": {
        "pyreqwest": "a deadline running out while connecting fires reqwest's per-request "
        "total timer (the client's connect timer is the one it was built with: only a "
        "client first built under this deadline has it shrunk), whose error carries no "
        "phase: reported request_sent=True "
        "(SPEC 11: a timeout of unknown phase counts as sent); no retry is lost, "
        "as no time is left",
    },
}


def require(backend: str, capability: str) -> None:
    """Skip this case on ``backend`` when the table says it lacks ``capability``."""
    reason = MISSING[capability].get(backend)
    if reason is not None:
        pytest.skip(f"{backend} cannot: {reason}")

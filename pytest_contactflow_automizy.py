"""A pytest plugin: the emulator and ready clients as fixtures for your own tests.

Installed with the package and registered under the ``pytest11`` entry point, so
``pip install contactflow_automizy`` is enough; a test is then three lines::

    async def test_signup(cfa_automizy):
        list_ = await cfa_automizy.create_list("newsletter")
        assert list_.id is not None

Fixtures (all function-scoped, so no state leaks from one test to the next):

- ``cfa_emulator``: a fresh ``Emulator`` served in-process (no socket); its
  state is ``cfa_emulator.state``.
- ``cfa_emulator_server``: the same, served on a free loopback port, for code
  that builds its own clients from URLs or speaks HTTP itself (``.contactflow_url``,
  ``.automizy_url``, ``.token``, ``.api_key``, ``.node_uuid``).
- ``cfa_session``: a ``Session`` bound to ``cfa_emulator``'s in-process transport.
- ``cfa_contactflow`` / ``cfa_automizy``: a ``ContactflowClient`` /
  ``AutomizyClient`` on that session, with the emulator's credentials.
- ``cfa_faults``: the emulator's live ``Faults``; set ``cfa_faults.rate_503 = 1.0``
  (or ``routes=``, ``methods=``) inside a test.

The emulator is strict: a body key or query parameter the API documents do not
know (a typo such as ``startdate``) is answered with a 400 naming it, so the test
that sends it fails.  ``@pytest.mark.cfa_emulator(strict=False)`` makes it ignore
them for one test; the marker passes any other ``Emulator`` option too.  The
clients retry without sleeping (back-off delays are skipped), so a test of a
retried fault takes no wall-clock time.

Decisions: the plugin imports neither aiohttp nor the SDK when pytest loads it —
they are imported inside the fixtures — so a project that has the package
installed pays nothing in the tests that do not use it.  That is why the plugin
is this top-level module beside the package and not ``contactflow_automizy.testing``:
importing any submodule runs the package's ``__init__``, which loads aiohttp.
With plugin autoloading off (``PYTEST_DISABLE_PLUGIN_AUTOLOAD=1``), name it in a
conftest: ``pytest_plugins = ["pytest_contactflow_automizy"]``.  Fixture names
carry a ``cfa_`` prefix so they never shadow a project's own ``emulator`` or
``client`` fixtures.  The async fixtures need an asyncio plugin in the user's
project (pytest-asyncio in auto mode, or ``@pytest.mark.asyncio`` tests); they are
declared with plain ``pytest.fixture`` and work under pytest-asyncio's auto mode.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from contactflow_automizy import AutomizyClient, ContactflowClient, Session
    from contactflow_automizy.emulator import Emulator, Faults

__all__ = [
    "cfa_automizy",
    "cfa_contactflow",
    "cfa_emulator",
    "cfa_emulator_server",
    "cfa_faults",
    "cfa_session",
]

#: The random seed every plugin emulator uses, so generated ids repeat from run to run.
RANDOM_SEED = 0


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "cfa_emulator(**options): options of the plugin's emulator for this test, e.g. "
        "strict=False to ignore unknown body keys and query parameters",
    )


def _new_emulator(request: pytest.FixtureRequest) -> Emulator:
    """The plugin's emulator: strict, so a misspelt key fails the test that sends it.

    ``@pytest.mark.cfa_emulator(strict=False, ...)`` on a test (or a class or module)
    passes other options to ``Emulator`` for that test.
    """
    from contactflow_automizy.emulator import Emulator

    marker = request.node.get_closest_marker("cfa_emulator")
    options: dict[str, Any] = {"strict": True, "random_seed": RANDOM_SEED}
    if marker is not None:
        options.update(marker.kwargs)
    return Emulator(**options)


async def _no_sleep(seconds: float) -> None:
    """Retries in tests are immediate: the back-off's length is not what a test checks."""


@pytest.fixture
def cfa_emulator(request: pytest.FixtureRequest) -> Emulator:
    """A fresh emulator served in-process (use its ``transport()``; no socket is opened)."""
    return _new_emulator(request)


@pytest.fixture
async def cfa_emulator_server(request: pytest.FixtureRequest) -> AsyncIterator[Emulator]:
    """A fresh emulator served on ``127.0.0.1`` at a free port, stopped after the test."""
    async with _new_emulator(request) as emulator:
        yield emulator


@pytest.fixture
def cfa_faults(cfa_emulator: Emulator) -> Faults:
    """The in-process emulator's fault settings; change them inside the test."""
    return cfa_emulator.faults


@pytest.fixture
async def cfa_session(cfa_emulator: Emulator) -> AsyncIterator[Session]:
    """A session whose requests go to ``cfa_emulator`` in-process; retries do not sleep."""
    from contactflow_automizy import Session

    async with Session(transport=cfa_emulator.transport(), sleep=_no_sleep) as session:
        yield session


@pytest.fixture
def cfa_contactflow(cfa_emulator: Emulator, cfa_session: Session) -> ContactflowClient:
    """A Contactflow client on the emulator, with its token and node."""
    from contactflow_automizy import ContactflowClient

    return ContactflowClient(
        cfa_emulator.token,
        cfa_emulator.node_uuid,
        cfa_emulator.contactflow_url,
        session=cfa_session,
    )


@pytest.fixture
def cfa_automizy(cfa_emulator: Emulator, cfa_session: Session) -> AutomizyClient:
    """An Automizy client on the emulator, with its API key."""
    from contactflow_automizy import AutomizyClient

    return AutomizyClient(cfa_emulator.api_key, cfa_emulator.automizy_url, session=cfa_session)

"""Every code example in ``docs/`` runs as a test, against the emulator (sybil).

sybil collects each fenced ```` ```python ```` block of ``docs/**/*.md`` as a test
item; the blocks of one page run in order in one namespace, as a reader would
type them.  Chosen over pytest-examples because sybil shares a namespace across a
page's blocks, marks an intentionally unrunnable block with an invisible HTML
comment (``<!-- skip: next "why" -->``), needs no other package, and reports each
block as its own test at its line; pytest-examples runs each block alone and pulls
in black.

Each page gets its own emulator, served on a loopback port by an event loop in a
background thread, and its settings in the environment (``CONTACTFLOW_BASE_URL``,
``CONTACTFLOW_TOKEN``, ``CONTACTFLOW_NODE``, ``AUTOMIZY_BASE_URL``,
``AUTOMIZY_API_KEY``): examples are complete programs that build their clients from
the environment and call ``asyncio.run()``, exactly as a user's script does.  A
block may also use top-level ``await`` (it then runs on the page's own event loop,
kept from block to block).  The page's namespace holds ``emulator`` for checks in
invisible blocks (``<!-- invisible-code-block: python ... -->``), and
``start_redis()``, which starts a real redis-server for the page (stopped with the
page) and puts its URL in ``CFA_REDIS_URL``.

A ```` ```console ```` block is a shell session: each ``$ `` line runs in bash in
the page's temporary directory, with the page's environment, and must exit 0 (what
follows a command is its sample output, not compared).  ```` ```bash ```` blocks are
instructions that are not run (installs, servers that run until Ctrl-C).

A block titled as a test file (```` ```python title="test_signup.py" ````) is a
user's test suite: it is written to a temporary directory, beside any
``conftest.py`` block of the same page, and run by pytest in a subprocess, with
the package's pytest plugin loaded from its entry point; it must pass.
"""

from __future__ import annotations

import ast
import asyncio
import contextlib
import inspect
import os
import re
import subprocess
import sys
import tempfile
import textwrap
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from sybil import Document, Example, Region, Sybil
from sybil.parsers.markdown import SkipParser
from sybil.parsers.markdown.lexers import DirectiveInHTMLCommentLexer, FencedCodeBlockLexer

from contactflow_automizy.emulator import Emulator
from tests.services import redis_server

DOCS = Path(__file__).resolve().parent.parent / "docs"
#: What a Python fence's info string must be.
PYTHON_INFO = re.compile(r'python(?: title="(?P<title>[\w.\-/]+)")?')
PYTEST_INI = """\
[pytest]
asyncio_mode = auto
asyncio_default_fixture_loop_scope = function
"""
TIMEOUT = 120


class ThreadedEmulator:
    """An emulator on ``127.0.0.1`` served by its own event loop in a daemon thread.

    A thread, so that an example's ``asyncio.run()`` (a new loop in the main thread)
    can reach it while the page's code runs.
    """

    def __init__(self) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self.emulator = Emulator(random_seed=0)

    def start(self) -> Emulator:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self.emulator.start(), self._loop).result(TIMEOUT)
        return self.emulator

    def stop(self) -> None:
        asyncio.run_coroutine_threadsafe(self.emulator.close(), self._loop).result(TIMEOUT)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(TIMEOUT)
        self._loop.close()


def client_environment(emulator: Emulator) -> dict[str, str]:
    """The variables the clients read when built without arguments."""
    return {
        "CONTACTFLOW_BASE_URL": emulator.contactflow_url,
        "CONTACTFLOW_TOKEN": emulator.token,
        "CONTACTFLOW_NODE": emulator.node_uuid,
        "AUTOMIZY_BASE_URL": emulator.automizy_url,
        "AUTOMIZY_API_KEY": emulator.api_key,
    }


def setup_page(namespace: dict[str, Any]) -> None:
    resources = contextlib.ExitStack()
    server = ThreadedEmulator()
    emulator = server.start()
    resources.callback(server.stop)
    saved = dict(os.environ)
    resources.callback(lambda: (os.environ.clear(), os.environ.update(saved)))

    def start_redis() -> str:
        url = resources.enter_context(redis_server.start_redis()).url
        os.environ["CFA_REDIS_URL"] = url
        return url

    namespace.update(
        __name__="__main__",  # a page runs as a script does
        __resources__=resources,
        __runner__=resources.enter_context(asyncio.Runner()),
        __files__=resources.enter_context(tempfile.TemporaryDirectory(prefix="cfa-docs-")),
        emulator=emulator,
        start_redis=start_redis,
    )
    os.environ.update(client_environment(emulator))


def teardown_page(namespace: dict[str, Any]) -> None:
    namespace["__resources__"].close()


def run_block(example: Example) -> None:
    """Run one block in the page's namespace; top-level ``await`` runs on the page's loop."""
    __tracebackhide__ = True
    source = "\n" * (example.line + example.parsed.line_offset) + example.parsed
    code = compile(
        source, example.path, "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT, dont_inherit=True
    )
    namespace = example.namespace
    if code.co_flags & inspect.CO_COROUTINE:
        namespace["__runner__"].run(eval(code, namespace))
    else:
        exec(code, namespace)


def run_test_file(example: Example, title: str) -> None:
    """Write the block as the file it is titled; run pytest when it is a test module."""
    folder = Path(example.namespace["__files__"])
    (folder / "pytest.ini").write_text(PYTEST_INI)
    (folder / title).write_text(textwrap.dedent(example.parsed))
    if not title.startswith("test_"):
        return
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", title],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
    )
    assert done.returncode == 0, f"{title} failed under pytest:\n{done.stdout}\n{done.stderr}"


def run_console(example: Example) -> None:
    """Run each ``$ `` line of a console block; every command must succeed."""
    folder = example.namespace["__files__"]
    commands = [line[2:] for line in str(example.parsed).splitlines() if line.startswith("$ ")]
    assert commands, "a console block without a `$ ` command line"
    for command in commands:
        done = subprocess.run(
            ["bash", "-euo", "pipefail", "-c", command],
            cwd=folder,
            capture_output=True,
            text=True,
            timeout=TIMEOUT,
        )
        assert done.returncode == 0, f"$ {command}\n{done.stdout}\n{done.stderr}"


class ConsoleBlocks:
    """The parser for ```` ```console ```` fences (see the module's docstring)."""

    def __init__(self) -> None:
        self._lexer = FencedCodeBlockLexer(
            language="console", mapping={"language": "info", "source": "source"}
        )

    def __call__(self, document: Document) -> Iterable[Region]:
        for region in self._lexer(document):
            region.parsed = region.lexemes["source"]
            region.evaluator = run_console
            yield region


class PythonBlocks:
    """The parser for ```` ```python ```` fences: plain ones run, titled ones are files.

    Every fence whose language starts with ``py`` is taken, and one that is not exactly
    ``python`` or ``python title="..."`` fails the collection, so no Python example
    can slip past the tests under another spelling (``py``, ``pycon``, ``python3``).
    """

    def __init__(self) -> None:
        self._lexer = FencedCodeBlockLexer(
            language=r"py[^\n]*", mapping={"language": "info", "source": "source"}
        )
        self._invisible = DirectiveInHTMLCommentLexer(
            directive=r"invisible-code-block", arguments="python"
        )

    def __call__(self, document: Document) -> Iterable[Region]:
        for region in self._lexer(document):
            match = PYTHON_INFO.fullmatch(region.lexemes["info"].strip())
            if match is None:
                raise ValueError(
                    f"{document.path}: fence {region.lexemes['info']!r} at offset "
                    f'{region.start}: write ```python or ```python title="name.py"'
                )
            yield self._region(region, match["title"])
        for region in self._invisible(document):
            yield self._region(region, None)

    @staticmethod
    def _region(region: Region, title: str | None) -> Region:
        region.parsed = region.lexemes["source"]
        if title is None:
            region.evaluator = run_block
        else:
            region.evaluator = lambda example: run_test_file(example, title)
        return region


docs_examples = Sybil(
    parsers=[PythonBlocks(), ConsoleBlocks(), SkipParser()],
    patterns=["*.md"],
    path=str(DOCS),
    setup=setup_page,
    teardown=teardown_page,
    name="docs",
)

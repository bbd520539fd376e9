"""Choosing the event loop: ``--loop uvloop`` on the command line and the benchmarks."""

from __future__ import annotations

import asyncio
import sys

import pytest
import uvloop

from contactflow_automizy import ConfigurationError
from contactflow_automizy._loop import run
from tests.test_cli import run_cli


async def _loop_type() -> type:
    return type(asyncio.get_running_loop())


def test_run_uses_the_loop_it_is_asked_for() -> None:
    assert run(_loop_type(), "uvloop") is uvloop.Loop
    assert run(_loop_type(), "asyncio") is not uvloop.Loop


def test_an_unknown_or_missing_loop_is_a_configuration_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with pytest.raises(ConfigurationError, match="unknown event loop 'trio'"):
        run(_loop_type(), "trio")
    monkeypatch.setitem(sys.modules, "uvloop", None)  # as if not installed
    with pytest.raises(ConfigurationError, match=r"contactflow_automizy\[fast\]"):
        run(_loop_type(), "uvloop")


async def test_the_demo_runs_on_uvloop() -> None:
    code, out, err = await run_cli(
        "--loop", "uvloop", "demo", "--customers", "2000", "--contacts", "100"
    )
    assert code == 0, err
    assert "every record sent was stored" in out


async def test_the_suite_runs_on_the_loop_pytest_was_asked_for(
    request: pytest.FixtureRequest,
) -> None:
    on_uvloop = isinstance(asyncio.get_running_loop(), uvloop.Loop)
    assert on_uvloop is (request.config.getoption("--loop") == "uvloop")

"""The pytest plugin shipped with the package, exercised as a user would, through pytester.

Each test writes a user's test file into a fresh directory and runs pytest on it in a
subprocess: the plugin is found through its ``pytest11`` entry point, exactly as in a
project that only did ``pip install contactflow_automizy``.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

pytest_plugins = ["pytester"]

USER_INI = """
[pytest]
asyncio_mode = auto
asyncio_default_fixture_loop_scope = function
"""


def run_user_tests(pytester: pytest.Pytester, source: str) -> pytest.RunResult:
    pytester.makeini(USER_INI)
    pytester.makepyfile(test_user=textwrap.dedent(source))
    return pytester.runpytest_subprocess("-p", "no:cacheprovider", "-q")


def test_a_three_line_test_runs_against_the_in_process_emulator(pytester: pytest.Pytester) -> None:
    result = run_user_tests(
        pytester,
        """
        async def test_signup(cfa_automizy, cfa_emulator):
            created = await cfa_automizy.create_list("newsletter")
            assert cfa_emulator.state.lists[created.id].name == "newsletter"

        async def test_automation(cfa_contactflow):
            automation = await cfa_contactflow.create_automation(name="welcome")
            assert (await cfa_contactflow.get_automation(automation.uuid)).name == "welcome"
        """,
    )
    result.assert_outcomes(passed=2)


def test_each_test_gets_a_fresh_emulator(pytester: pytest.Pytester) -> None:
    result = run_user_tests(
        pytester,
        """
        import pytest

        @pytest.mark.parametrize("run", [1, 2])
        async def test_fresh(cfa_automizy, cfa_emulator, run):
            assert not cfa_emulator.state.lists
            await cfa_automizy.create_list(f"list {run}")
            assert len(cfa_emulator.state.lists) == 1
        """,
    )
    result.assert_outcomes(passed=2)


def test_the_socket_variant_serves_clients_built_from_urls(pytester: pytest.Pytester) -> None:
    result = run_user_tests(
        pytester,
        """
        from contactflow_automizy import AutomizyClient

        async def test_over_loopback(cfa_emulator_server):
            assert cfa_emulator_server.automizy_url.startswith("http://127.0.0.1:")
            async with AutomizyClient(
                cfa_emulator_server.api_key, cfa_emulator_server.automizy_url
            ) as az:
                created = await az.create_list("over a socket")
            assert created.id in cfa_emulator_server.state.lists
        """,
    )
    result.assert_outcomes(passed=1)


def test_a_fault_makes_the_users_test_fail_as_it_should(pytester: pytest.Pytester) -> None:
    result = run_user_tests(
        pytester,
        """
        async def test_survives_a_flaky_server(cfa_automizy, cfa_faults):
            cfa_faults.rate_500 = 1.0
            await cfa_automizy.create_list("never stored")
        """,
    )
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*InternalServerError*"])


def test_retried_faults_are_survived_without_waiting(pytester: pytest.Pytester) -> None:
    result = run_user_tests(
        pytester,
        """
        import time

        async def test_retried(cfa_automizy, cfa_faults, cfa_emulator):
            cfa_faults.rate_503 = 0.5
            cfa_faults.retry_after = 30
            cfa_faults.random_seed = 3
            started = time.monotonic()
            for i in range(5):
                await cfa_automizy.create_list(f"list {i}")
            assert len(cfa_emulator.state.lists) == 5
            assert time.monotonic() - started < 5, "retries must not sleep in tests"
        """,
    )
    result.assert_outcomes(passed=1)


def test_the_emulator_is_strict_unless_a_test_says_otherwise(pytester: pytest.Pytester) -> None:
    result = run_user_tests(
        pytester,
        """
        import pytest
        from contactflow_automizy import BadRequestError, ContactflowClient

        TYPO = {"name": "welcome", "startdate": "2026-01-01T00:00:00Z"}

        async def test_a_typo_fails(cfa_contactflow):
            with pytest.raises(BadRequestError, match="startdate"):
                await cfa_contactflow.create_automation(TYPO)

        @pytest.mark.cfa_emulator(strict=False)
        async def test_lenient_ignores_it(cfa_contactflow, cfa_emulator):
            created = await cfa_contactflow.create_automation(TYPO)
            assert created.uuid in cfa_emulator.state.automations

        @pytest.mark.cfa_emulator(strict=False)
        async def test_the_marker_reaches_the_socket_variant(cfa_emulator_server):
            emu = cfa_emulator_server
            async with ContactflowClient(emu.token, emu.node_uuid, emu.contactflow_url) as cf:
                created = await cf.create_automation(TYPO)
            assert created.uuid in emu.state.automations
        """,
    )
    result.assert_outcomes(passed=3)


def test_loading_the_plugin_imports_neither_aiohttp_nor_the_sdk() -> None:
    code = textwrap.dedent(
        """
        import sys
        import pytest_contactflow_automizy
        roots = {"aiohttp", "contactflow_automizy"}
        loaded = sorted(m for m in sys.modules if m.split(".")[0] in roots)
        assert not loaded, loaded
        """
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_the_plugin_is_registered_as_a_pytest11_entry_point() -> None:
    from importlib.metadata import entry_points

    plugins = {ep.name: ep.value for ep in entry_points(group="pytest11")}
    assert plugins.get("contactflow_automizy") == "pytest_contactflow_automizy"


def test_with_autoloading_off_the_plugin_is_named_in_a_conftest(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", "1")
    plugins = ["pytest_asyncio.plugin", "pytest_contactflow_automizy"]
    pytester.makeconftest(f"pytest_plugins = {plugins!r}")
    result = run_user_tests(
        pytester,
        """
        async def test_named(cfa_contactflow):
            assert (await cfa_contactflow.get_current_user()).base is not None
        """,
    )
    result.assert_outcomes(passed=1)

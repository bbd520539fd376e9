"""A type checker catches enum-value and keyword typos in user code (SPEC section 10, "Types").

``user_typos.py`` holds the mistakes; each is marked ``# expect: <error code>``
and must fail ``mypy --strict`` with that code on that line, and nowhere else.
Its twin ``user_fixed.py`` must pass.  One mypy run checks both (about 2 s).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from mypy import api

HERE = Path(__file__).parent
ROOT = HERE.parent.parent
TYPOS = HERE / "user_typos.py"
FIXED = HERE / "user_fixed.py"
_EXPECT = re.compile(r"#\s*expect:\s*([\w-]+)")
_ERROR = re.compile(r"^(?P<path>[^:]+):(?P<line>\d+): error: .*\[(?P<code>[\w-]+)\]$")


def expected_errors(path: Path) -> dict[int, str]:
    """``{line: error code}`` from the ``# expect:`` markers."""
    return {
        number: match[1]
        for number, text in enumerate(path.read_text().splitlines(), start=1)
        if (match := _EXPECT.search(text))
    }


@pytest.fixture(scope="module")
def mypy_errors(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[int, str]]:
    """mypy's errors by file name, then line: one strict run over both user files."""
    stdout, stderr, _ = api.run(
        [
            "--strict",
            "--config-file",
            str(ROOT / "pyproject.toml"),
            "--cache-dir",
            str(tmp_path_factory.mktemp("mypy-cache")),
            "--show-error-codes",
            "--no-error-summary",
            "--no-pretty",
            str(TYPOS),
            str(FIXED),
        ]
    )
    assert not stderr, stderr
    errors: dict[str, dict[int, str]] = {}
    for line in stdout.splitlines():
        if (match := _ERROR.match(line)) is not None:
            found = errors.setdefault(Path(match["path"]).name, {})
            assert int(match["line"]) not in found, f"two errors on one line: {stdout}"
            found[int(match["line"])] = match["code"]
        else:
            assert ": note: " in line, f"unexpected mypy output: {line}"
    return errors


def test_the_typo_file_marks_the_two_typos_of_the_issue() -> None:
    source = TYPOS.read_text()
    assert 'status=["RUNNIN"]' in source and "create_automation(nmae=" in source
    assert len(expected_errors(TYPOS)) >= 2


def test_every_typo_fails_mypy_strict_on_its_line(mypy_errors: dict[str, dict[int, str]]) -> None:
    assert mypy_errors.get(TYPOS.name) == expected_errors(TYPOS)


def test_the_corrected_twin_passes_mypy_strict(mypy_errors: dict[str, dict[int, str]]) -> None:
    assert FIXED.name not in mypy_errors

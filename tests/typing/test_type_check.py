"""A type checker catches enum-value and keyword typos in user code (SPEC section 10, "Types").

``user_typos.py`` holds the mistakes; a comment ``# expect: <mypy code>
<pyright rule>`` above each says that the next line must fail ``mypy --strict``
with that code and pyright in strict mode with that rule; no other line may fail.  Its twin
``user_fixed.py`` must pass both.  One run of each checker covers both files
(about 2-3 s each).

Pyright is run as basedpyright (a pyright fork; same checker, same rules): it
ships its own Node.js in a wheel and so works offline, where the ``pyright``
wrapper on PyPI downloads its npm package on first use.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from mypy import api

HERE = Path(__file__).parent
ROOT = HERE.parent.parent
TYPOS = HERE / "user_typos.py"
FIXED = HERE / "user_fixed.py"
_EXPECT = re.compile(r"\s*# expect: ([\w-]+) (\w+)")
_MYPY_ERROR = re.compile(r"^(?P<path>[^:]+):(?P<line>\d+): error: .*\[(?P<code>[\w-]+)\]$")

#: ``{file name: {line: code or rule}}``
Errors = dict[str, dict[int, str]]


def expected(path: Path, checker: int) -> dict[int, str]:
    """``{line: code}`` from the ``# expect:`` comments; ``checker`` 1 is mypy, 2 pyright."""
    return {
        number + 1: match[checker]
        for number, text in enumerate(path.read_text().splitlines(), start=1)
        if (match := _EXPECT.fullmatch(text))
    }


def add_error(errors: Errors, path: str, line: int, code: str, output: str) -> None:
    found = errors.setdefault(Path(path).name, {})
    assert line not in found, f"two errors on line {line} of {path}: {output}"
    found[line] = code


@pytest.fixture(scope="module")
def mypy_errors(tmp_path_factory: pytest.TempPathFactory) -> Errors:
    """mypy's errors: one strict run over both user files."""
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
    errors: Errors = {}
    for line in stdout.splitlines():
        if (match := _MYPY_ERROR.match(line)) is not None:
            add_error(errors, match["path"], int(match["line"]), match["code"], stdout)
        else:
            assert ": note: " in line, f"unexpected mypy output: {line}"
    return errors


@pytest.fixture(scope="module")
def pyright_errors(tmp_path_factory: pytest.TempPathFactory) -> Errors:
    """pyright's errors (strict mode; warnings ignored): one run over both user files."""
    project = tmp_path_factory.mktemp("pyright")
    config = project / "pyrightconfig.json"
    config.write_text(json.dumps({"typeCheckingMode": "strict", "pythonVersion": "3.11"}))
    done = subprocess.run(
        [
            *(sys.executable, "-m", "basedpyright", "--outputjson"),
            *("--project", str(config), "--pythonpath", sys.executable),
            *(str(TYPOS), str(FIXED)),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    report = json.loads(done.stdout)  # exits 1 when it finds errors: the report says which
    assert report["summary"]["filesAnalyzed"] == 2, done.stdout
    errors: Errors = {}
    for diagnostic in report["generalDiagnostics"]:
        if diagnostic["severity"] == "error":
            line = diagnostic["range"]["start"]["line"] + 1  # 0-based in the report
            add_error(errors, diagnostic["file"], line, diagnostic.get("rule", ""), done.stdout)
    return errors


def test_the_typo_file_has_the_two_typos_of_the_issue() -> None:
    source = TYPOS.read_text()
    assert 'status=["RUNNIN"]' in source and "create_automation(nmae=" in source
    assert len(expected(TYPOS, 1)) == source.count("    # expect:") >= 2


def test_every_typo_fails_mypy_strict_on_its_line(mypy_errors: Errors) -> None:
    assert mypy_errors.get(TYPOS.name) == expected(TYPOS, 1)


def test_the_corrected_twin_passes_mypy_strict(mypy_errors: Errors) -> None:
    assert FIXED.name not in mypy_errors


def test_every_typo_fails_pyright_on_its_line(pyright_errors: Errors) -> None:
    assert pyright_errors.get(TYPOS.name) == expected(TYPOS, 2)


def test_the_corrected_twin_passes_pyright(pyright_errors: Errors) -> None:
    assert FIXED.name not in pyright_errors

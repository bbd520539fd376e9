"""The collector of the documentation's examples (tests/docs_examples.py) itself: it finds
the examples, refuses a Python block it would not run, and a failing example fails."""

from __future__ import annotations

from pathlib import Path

import pytest
from sybil import Document

from tests.docs_examples import DOCS, docs_examples


def examples(path: Path) -> list[object]:
    return list(Document.parse(str(path), *docs_examples.parsers))


def test_every_guide_page_with_a_subject_has_examples() -> None:
    placeholders = {"jobs.md", "observability.md", "proxies-and-tls.md"}
    pages = [p for p in sorted((DOCS / "guide").glob("*.md")) if p.name not in placeholders]
    assert pages
    empty = [p.name for p in pages if not examples(p)]
    assert not empty, f"guide pages without a runnable example: {empty}"


def test_a_python_block_under_another_spelling_is_refused(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text("# Page\n\n```py\nprint('never run')\n```\n")
    with pytest.raises(ValueError, match="write ```python"):
        examples(page)


def test_a_failing_example_fails(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text("# Page\n\n```python\nx = 1\n```\n\n```python\nassert x == 2\n```\n")
    first, second = examples(page)
    namespace: dict[str, object] = {}
    first.namespace = second.namespace = namespace  # type: ignore[attr-defined]
    first.evaluate()  # type: ignore[attr-defined]
    with pytest.raises(AssertionError):
        second.evaluate()  # type: ignore[attr-defined]


def test_top_level_await_runs_on_the_pages_loop(tmp_path: Path) -> None:
    import asyncio

    page = tmp_path / "page.md"
    page.write_text(
        "```python\nimport asyncio\nawait asyncio.sleep(0)\n"
        "loop = asyncio.get_running_loop()\n```\n"
        "\n```python\nawait asyncio.sleep(0)\nassert asyncio.get_running_loop() is loop\n```\n"
    )
    first, second = examples(page)
    with asyncio.Runner() as runner:
        namespace: dict[str, object] = {"__runner__": runner}
        first.namespace = second.namespace = namespace  # type: ignore[attr-defined]
        first.evaluate()  # type: ignore[attr-defined]
        second.evaluate()  # type: ignore[attr-defined]

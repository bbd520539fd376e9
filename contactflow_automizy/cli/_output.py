"""Terminal output: progress bars, the summary table and one-line errors (rich).

rich comes with the ``cli`` extra; the SDK itself never imports this module.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from contactflow_automizy import _progress

console = Console()
err_console = Console(stderr=True)


class Bar:
    """One progress bar, fed by the SDK's ``on_progress`` callbacks."""

    def __init__(self, progress: Progress, task: TaskID) -> None:
        self._progress = progress
        self._task = task

    def update(self, done: int, total: int | None = None) -> None:
        self._progress.update(self._task, completed=done, total=total)

    def __call__(self, progress: _progress.Progress) -> None:
        self.update(progress.done)


@contextmanager
def progress_bars() -> Iterator[Progress]:
    """A live progress display (plain lines when the output is not a terminal)."""
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=False,
    ) as progress:
        yield progress


def plain(line: str) -> None:
    """A line printed exactly as given: no markup (``[::1]`` stays), no wrapping, so a shell
    line stays one line on a narrow or non-terminal output."""
    console.print(line, markup=False, highlight=False, soft_wrap=True)


def add_bar(progress: Progress, description: str, total: int | None) -> Bar:
    return Bar(progress, progress.add_task(description, total=total))


def summary(title: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    table = Table(title=title)
    for i, column in enumerate(columns):
        table.add_column(column, justify="left" if i == 0 else "right")
    for row in rows:
        table.add_row(*(_cell(v) for v in row))
    console.print(table)


def _cell(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.2f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def error(message: str) -> None:
    err_console.print(f"[red]error:[/red] {escape(message)}", highlight=False, soft_wrap=True)

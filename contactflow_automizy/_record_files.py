"""Customer and contact files: CSV or JSON Lines, read lazily line by line.

Shared by the command line (``push-customers``) and the queue workers
(:mod:`contactflow_automizy.workers`), which is why it is a core module.

A CSV column named like a customer field (``uuid``, ``userPk``, ``clabUuid``,
``automationUuid``, ``automationName``; snake_case accepted) fills that field;
every other column goes into ``attributes``.  A JSON Lines file holds one
customer object (wire format) per line.  Nothing is read ahead of what the
upload consumes, so a file of any size streams in constant memory.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson

from contactflow_automizy._converter import to_camel
from contactflow_automizy.errors import ConfigurationError

CUSTOMER_FIELDS = frozenset({"uuid", "userPk", "clabUuid", "automationUuid", "automationName"})


def _customer_from_row(row: dict[str, str]) -> dict[str, Any]:
    customer: dict[str, Any] = {}
    attributes: dict[str, Any] = {}
    for key, value in row.items():
        if key is None:  # more cells than headers
            raise ConfigurationError("a CSV row has more cells than the header")
        wire = to_camel(key.strip())
        if wire in CUSTOMER_FIELDS:
            if value:
                customer[wire] = value
        else:
            attributes[key] = value
    if attributes:
        customer["attributes"] = attributes
    return customer


def is_json_lines(path: Path) -> bool:
    """Whether ``path`` is read as JSON Lines (``.jsonl``, ``.ndjson``, ``.json``) or as CSV."""
    return path.suffix.lower() in (".jsonl", ".ndjson", ".json")


def read_customers(path: Path) -> Iterator[dict[str, Any]]:
    """Customers from ``path`` (``.jsonl``/``.ndjson`` as JSON Lines, anything else as CSV)."""
    if is_json_lines(path):
        yield from read_json_lines(path)
    else:
        yield from _csv(path)


def read_json_lines(path: Path) -> Iterator[dict[str, Any]]:
    """One JSON object per non-blank line of ``path``; anything else is a ConfigurationError."""
    with path.open("rb") as handle:
        for number, line in enumerate(handle, 1):
            if not line.strip():
                continue
            try:
                item = orjson.loads(line)
            except orjson.JSONDecodeError as exc:
                raise ConfigurationError(f"{path}:{number}: not valid JSON ({exc})") from None
            if not isinstance(item, dict):
                raise ConfigurationError(f"{path}:{number}: expected a JSON object per line")
            yield item


def _csv(path: Path) -> Iterator[dict[str, Any]]:
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            if not reader.fieldnames:
                raise ConfigurationError(f"{path}: empty CSV file")
            for row in reader:
                yield _customer_from_row(row)
    except UnicodeDecodeError:
        raise ConfigurationError(f"{path}: not UTF-8 text") from None


def count_lines(path: Path) -> int:
    """Records in ``path`` (lines minus a CSV header), for the progress bar's total."""
    with path.open("rb") as handle:
        lines = sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 20), b""))
    return max(0, lines - (0 if is_json_lines(path) else 1))

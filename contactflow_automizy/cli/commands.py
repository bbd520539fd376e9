"""The working commands: emulator, push-customers, import-csv, worker, report."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
from datetime import datetime
from pathlib import Path
from typing import Any

from contactflow_automizy import AutomizyClient, ContactflowClient, Session
from contactflow_automizy._record_files import count_lines, read_customers
from contactflow_automizy.cli import _output, parse_pairs
from contactflow_automizy.errors import ConfigurationError


def contactflow_client(args: argparse.Namespace, session: Session) -> ContactflowClient:
    return ContactflowClient(
        args.token,
        args.node,
        args.contactflow_url,
        session=session,
        max_retries=args.max_retries,
        allow_insecure_http=args.allow_insecure_http,
    )


def automizy_client(args: argparse.Namespace, session: Session) -> AutomizyClient:
    return AutomizyClient(
        args.api_key,
        args.automizy_url,
        session=session,
        max_retries=args.max_retries,
        allow_insecure_http=args.allow_insecure_http,
    )


def _existing_file(name: str) -> Path:
    path = Path(name)
    if not path.is_file():
        raise ConfigurationError(f"no such file: {name}")
    return path


async def emulator(args: argparse.Namespace) -> int:
    from contactflow_automizy.emulator import Emulator, Faults

    faults = Faults.parse(args.faults, args.random_seed) if args.faults else None
    emu = Emulator(
        args.host,
        args.port,
        faults=faults,
        random_seed=args.random_seed,
        token=args.token,
        api_key=args.api_key,
        node_uuid=args.node,
        strict=not args.lenient,
    )
    async with emu:
        _output.console.print(f"Contactflow emulator: {emu.contactflow_url}")
        _output.console.print(f"Automizy emulator:    {emu.automizy_url}")
        _output.console.print(f"node:                 {emu.node_uuid}")
        if args.token is None or args.api_key is None:
            # Only the emulator's own generated demo credentials are shown; ones the
            # user chose are never echoed.
            _output.console.print("generated credentials (export them for the SDK):")
            if args.token is None:
                _output.console.print(f"  export CONTACTFLOW_TOKEN={emu.token}")
            if args.api_key is None:
                _output.console.print(f"  export AUTOMIZY_API_KEY={emu.api_key}")
        _output.console.print("Ctrl-C to stop.")
        await asyncio.Event().wait()
    return 0


async def push_customers(args: argparse.Namespace) -> int:
    path = _existing_file(args.file)
    total = count_lines(path)
    async with Session() as session:
        cf = contactflow_client(args, session)
        with _output.progress_bars() as progress:
            bar = _output.add_bar(progress, "customers", total)
            result = await cf.push_customers(
                args.automation_uuid,
                read_customers(path),
                packet_size=args.packet_size,
                concurrency=args.concurrency,
                source_label=args.source_label,
                on_progress=bar,
            )
    _output.summary(
        "push-customers",
        ["source", "customers", "packets", "requests", "retries", "elapsed s", "customers/s"],
        [
            [
                result.source_uuid,
                result.customers,
                result.packets,
                result.requests,
                result.retries,
                result.elapsed,
                result.customers_per_second,
            ]
        ],
    )
    return 0


def _mapping(values: list[str]) -> str | dict[str, int | None]:
    if not values or values == ["auto"]:
        return "auto"
    out: dict[str, int | None] = {}
    for header, value in parse_pairs(values, "--map").items():
        try:
            out[header] = int(value) if value else None
        except ValueError:
            raise ConfigurationError(f"--map {header}= needs a field id, got {value!r}") from None
    return out


async def import_csv(args: argparse.Namespace) -> int:
    path = _existing_file(args.file)
    size = path.stat().st_size
    async with Session() as session:
        az = automizy_client(args, session)
        with _output.progress_bars() as progress:
            bar = _output.add_bar(progress, "upload bytes", size)
            result = await az.import_csv(
                path,
                list_ids=args.list_id,
                mapping=_mapping(args.map),  # type: ignore[arg-type]
                overwrite=args.overwrite,
                add_tag_ids=args.add_tag_id,
                remove_tag_ids=args.remove_tag_id,
                notification_email=args.notification_email,
                on_progress=bar,
            )
    mapped = [m.header_name for m in result.mapping if not m.ignore]
    _output.summary(
        "import-csv",
        ["import id", "bytes", "mapped headers", "ignored headers"],
        [
            [
                result.import_id,
                result.bytes_uploaded,
                ", ".join(mapped),
                ", ".join(result.ignored_headers) or "-",
            ]
        ],
    )
    return 0


async def worker(args: argparse.Namespace) -> int:
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(process)d %(name)s %(levelname)s %(message)s"
    )
    from contactflow_automizy.workers import broker
    from contactflow_automizy.workers.run import run_worker

    with contextlib.suppress(asyncio.CancelledError):  # SIGTERM or Ctrl-C: shut down cleanly
        await run_worker(broker)
    return 0


_LIST_FILTERS = frozenset({"status", "category"})


def _filter_value(name: str, value: str) -> Any:
    """CLI text to the typed filter value the SDK checks."""
    if name in _LIST_FILTERS:
        return [v.strip() for v in value.split(",") if v.strip()]
    if name.endswith(("_before", "_after")):
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            raise ConfigurationError(
                f"{name} must be an ISO-8601 date-time, got {value!r}"
            ) from None
    if name.startswith("has_"):
        if value.lower() not in ("true", "false"):
            raise ConfigurationError(f"{name} must be true or false, got {value!r}")
        return value.lower() == "true"
    return value


async def report(args: argparse.Namespace) -> int:
    filters = {k: _filter_value(k, v) for k, v in parse_pairs(args.filter, "--filter").items()}
    async with Session() as session:
        cf = contactflow_client(args, session)
        with _output.progress_bars() as progress:
            bar = _output.add_bar(progress, f"{args.kind} report", None)
            if args.kind == "automations":
                written = await cf.download_automations_report(args.output, **filters)
            else:
                written = await cf.download_tokens_report(args.output, **filters)
            bar.update(written, written)
    _output.console.print(f"wrote {written:,} bytes to {args.output}")
    return 0

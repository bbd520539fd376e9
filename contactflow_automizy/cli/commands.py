"""The working commands: emulator, push-customers, import-csv, worker, report, jobs."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import shlex
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

from contactflow_automizy import AutomizyClient, ContactflowClient, Session
from contactflow_automizy._config import from_env
from contactflow_automizy._converter import converter
from contactflow_automizy._record_files import count_lines, read_customers
from contactflow_automizy.cli import _output, parse_pairs
from contactflow_automizy.errors import ConfigurationError
from contactflow_automizy.jobs import TransactionalJobStore
from contactflow_automizy.jobs.urls import ENV_VAR, job_store_from_url

if TYPE_CHECKING:
    from contactflow_automizy.emulator import Emulator


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


def job_store(args: argparse.Namespace) -> TransactionalJobStore:
    """The job store of ``--job-store`` or ``CFA_JOB_STORE``; a ConfigurationError without."""
    url = from_env(args.job_store, ENV_VAR)
    if url is None:
        raise ConfigurationError(
            f"name a job store: --job-store sqlite:///jobs.sqlite (or redis://...), "
            f"or set {ENV_VAR}"
        )
    return job_store_from_url(url)


@asynccontextmanager
async def job_session(args: argparse.Namespace) -> AsyncIterator[Session]:
    """A session with the :func:`job_store` when one is named or ``--job-id`` needs one."""
    if args.job_id is None and from_env(args.job_store, ENV_VAR) is None:
        async with Session() as session:
            yield session
        return
    async with job_store(args) as store, Session(job_store=store) as session:
        yield session


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
        _output.console.print("settings for the SDK and the command line (paste into a shell):")
        settings = _client_settings(
            emu, token_given=args.token is not None, key_given=args.api_key is not None
        )
        for line in settings:
            _output.plain(f"  {line}")
        _output.console.print("Ctrl-C to stop.")
        await asyncio.Event().wait()
    return 0


def _client_settings(emu: Emulator, *, token_given: bool, key_given: bool) -> list[str]:
    """Every environment variable a client needs to reach ``emu``, as shell lines.

    Only the emulator's own generated credentials are shown; ones the user chose
    are never echoed (they may be real secrets), a comment stands in for them.
    """
    return [
        f"export CONTACTFLOW_BASE_URL={shlex.quote(emu.contactflow_url)}",
        f"export CONTACTFLOW_NODE={shlex.quote(emu.node_uuid)}",
        "# CONTACTFLOW_TOKEN: the value given with --token"
        if token_given
        else f"export CONTACTFLOW_TOKEN={shlex.quote(emu.token)}",
        f"export AUTOMIZY_BASE_URL={shlex.quote(emu.automizy_url)}",
        "# AUTOMIZY_API_KEY: the value given with --api-key"
        if key_given
        else f"export AUTOMIZY_API_KEY={shlex.quote(emu.api_key)}",
    ]


async def push_customers(args: argparse.Namespace) -> int:
    path = _existing_file(args.file)
    total = count_lines(path)
    async with job_session(args) as session:
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
                job_id=args.job_id,
            )
    _output.summary(
        "push-customers (already done: nothing sent)" if result.already_done else "push-customers",
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
    async with job_session(args) as session:
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
                job_id=args.job_id,
            )
    mapped = [m.header_name for m in result.mapping if not m.ignore]
    _output.summary(
        "import-csv (already done: nothing sent)" if result.already_done else "import-csv",
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


async def jobs_list(args: argparse.Namespace) -> int:
    async with job_store(args) as store:
        records = await store.list(args.state)
    _output.summary(
        "jobs",
        ["job id", "kind", "target", "state", "attempts", "sources", "lease owner", "updated"],
        [
            [
                r.job_id,
                r.kind,
                r.target,
                r.state.value,
                r.attempt,
                ", ".join(f"{s.uuid[:8]} {s.state.value}" for s in r.sources) or "-",
                r.lease.owner if r.lease is not None else "-",
                r.updated_at.isoformat(timespec="seconds"),
            ]
            for r in records
        ],
    )
    return 0


async def jobs_show(args: argparse.Namespace) -> int:
    async with job_store(args) as store:
        record = await store.get(args.job_id)
    if record is None:
        raise ConfigurationError(f"no job {args.job_id!r} in the job store")
    _output.console.print_json(orjson.dumps(converter.unstructure(record)).decode())
    return 0


async def jobs_cleanup(args: argparse.Namespace) -> int:
    async with job_store(args) as store, Session() as session:
        cf = contactflow_client(args, session)
        cleaned = await cf.cleanup_jobs(job_store=store, dry_run=args.dry_run, grace=args.grace)
    _output.summary(
        "jobs cleanup (dry run: nothing deleted)" if args.dry_run else "jobs cleanup",
        ["job id", "automation", "source", "was", "now"],
        [
            [c.job_id, c.automation_uuid, c.source_uuid, c.was.value, c.now.value if c.now else "-"]
            for c in cleaned
        ],
    )
    return 0

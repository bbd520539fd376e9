"""The ``contactflow-automizy`` command line: demo, emulator, push-customers, import-csv,
worker, report, jobs.

Settings come from flags or the SDK's environment variables
(``CONTACTFLOW_BASE_URL``, ``CONTACTFLOW_TOKEN``, ``CONTACTFLOW_NODE``,
``AUTOMIZY_API_KEY``, ``AUTOMIZY_BASE_URL``, and ``CFA_JOB_STORE`` for
``--job-store``).  Long work shows a progress bar;
a failure prints one ``error:`` line (secrets never included) and exits 1.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Coroutine, Sequence
from typing import Any

from contactflow_automizy._loop import LOOPS, run
from contactflow_automizy.errors import ContactflowAutomizyError

Command = Callable[[argparse.Namespace], Coroutine[Any, Any, int]]


def _connection_flags(
    parser: argparse.ArgumentParser, *, contactflow: bool, automizy: bool
) -> None:
    group = parser.add_argument_group("connection (flags win over environment variables)")
    if contactflow:
        group.add_argument("--contactflow-url", help="Contactflow base URL [CONTACTFLOW_BASE_URL]")
        group.add_argument("--token", help="Contactflow OAuth2 token [CONTACTFLOW_TOKEN]")
        group.add_argument("--node", help="Contactflow node UUID [CONTACTFLOW_NODE]")
    if automizy:
        group.add_argument("--automizy-url", help="Automizy base URL [AUTOMIZY_BASE_URL]")
        group.add_argument("--api-key", help="Automizy API key [AUTOMIZY_API_KEY]")
    group.add_argument(
        "--max-retries", type=int, default=3, help="retries per request (default: 3)"
    )
    group.add_argument(
        "--allow-insecure-http",
        action="store_true",
        help="allow plain http:// to a non-loopback host",
    )


def _job_flags(parser: argparse.ArgumentParser, *, job_id: bool) -> None:
    group = parser.add_argument_group("durable jobs")
    if job_id:
        group.add_argument(
            "--job-id",
            help="run as this durable job: exactly once however often it is run, "
            "killed or not (needs a job store)",
        )
    group.add_argument(
        "--job-store",
        metavar="URL",
        help="sqlite:///path (SQLite file) or redis://host:port/db [CFA_JOB_STORE]",
    )


def build_parser() -> argparse.ArgumentParser:
    from contactflow_automizy.cli import commands, demo

    parser = argparse.ArgumentParser(
        prog="contactflow-automizy",
        description="Move customer data into Contactflow automations and Automizy lists.",
    )
    parser.add_argument(
        "--loop",
        choices=LOOPS,
        default="asyncio",
        help="event loop to run on (uvloop needs the 'fast' extra; default: asyncio)",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser(
        "demo",
        help="run the main job against the built-in emulator (no network needed)",
        description=(
            "Start the emulator in-process, create an automation and a list, push generated "
            "customers through one transactional batch and import a generated CSV of "
            "contacts, with progress bars and a summary. Light faults (429/503) are injected "
            "by default so the retries are visible; --faults '' turns them off."
        ),
    )
    p.add_argument(
        "--customers", type=int, default=100_000, help="customers to push (default: 100000)"
    )
    p.add_argument(
        "--contacts", type=int, default=20_000, help="contacts to import (default: 20000)"
    )
    p.add_argument("--packet-size", type=int, default=1000, help="customers per batch packet")
    p.add_argument("--concurrency", type=int, default=4, help="MIDDLE packets in flight")
    p.add_argument(
        "--faults",
        default="rate_429=0.01,rate_503=0.01,retry_after=0.2",
        help="emulator faults, e.g. 'latency=0.01,rate_503=0.05' (default: light 429/503)",
    )
    p.add_argument(
        "--random-seed",
        "--seed",
        dest="random_seed",
        type=int,
        default=0,
        help="random seed for generated data and faults (--seed: deprecated alias)",
    )
    p.set_defaults(func=demo.run)

    p = sub.add_parser(
        "emulator",
        help="serve the Contactflow and Automizy emulator until interrupted",
        description="Serve both emulated APIs on one local port, with optional faults.",
    )
    p.add_argument("--host", default="127.0.0.1", help="address to bind (default: 127.0.0.1)")
    p.add_argument("--port", type=int, default=8080, help="port (default: 8080; 0 = any free)")
    p.add_argument("--faults", default="", help="e.g. 'rate_429=0.1,retry_after=1,latency=0.02'")
    p.add_argument(
        "--random-seed",
        "--seed",
        dest="random_seed",
        type=int,
        default=0,
        help="random seed for generated ids and faults (--seed: deprecated alias)",
    )
    p.add_argument("--token", help="Contactflow token to accept (default: generated)")
    p.add_argument("--api-key", help="Automizy API key to accept (default: generated)")
    p.add_argument("--node", help="node UUID to provision (default: generated)")
    p.add_argument(
        "--lenient",
        action="store_true",
        help="ignore query parameters and body keys the API documents do not list "
        "(default: answer them with a 400 naming the key)",
    )
    p.set_defaults(func=commands.emulator)

    p = sub.add_parser(
        "push-customers",
        help="push a CSV or JSON Lines file of customers into an automation as one batch",
        description=(
            "Stream FILE (CSV, or JSON Lines for .jsonl/.ndjson) into AUTOMATION_UUID as one "
            "transactional batch: FIRST, MIDDLE packets in parallel, LAST; rolled back if a "
            "packet fails. CSV columns uuid/userPk/clabUuid/automationUuid/automationName fill "
            "those fields, other columns become attributes."
        ),
    )
    p.add_argument("automation_uuid", metavar="AUTOMATION_UUID")
    p.add_argument("file", metavar="FILE")
    p.add_argument(
        "--packet-size", type=int, default=1000, help="customers per packet (default: 1000)"
    )
    p.add_argument(
        "--concurrency", type=int, default=4, help="MIDDLE packets in flight (default: 4)"
    )
    p.add_argument("--source-label", help="label of the batch source")
    _job_flags(p, job_id=True)
    _connection_flags(p, contactflow=True, automizy=False)
    p.set_defaults(func=commands.push_customers)

    p = sub.add_parser(
        "import-csv",
        help="import a CSV of contacts into Automizy lists",
        description=(
            "Upload FILE (streamed) and import it into the given lists. --map auto (default) "
            "maps headers to fields by merge tag or label; or give header=fieldId pairs "
            "(header= alone marks the e-mail column)."
        ),
    )
    p.add_argument("file", metavar="FILE")
    p.add_argument(
        "--list-id", type=int, action="append", required=True, help="target list id (repeatable)"
    )
    p.add_argument(
        "--map",
        action="append",
        default=[],
        metavar="auto|HEADER=FIELD_ID",
        help="field mapping (repeatable)",
    )
    p.add_argument("--overwrite", action="store_true", help="overwrite existing contacts' data")
    p.add_argument(
        "--add-tag-id", type=int, action="append", default=[], help="tag to add (repeatable)"
    )
    p.add_argument(
        "--remove-tag-id", type=int, action="append", default=[], help="tag to remove (repeatable)"
    )
    p.add_argument("--notification-email", help="address told when the import completes")
    _job_flags(p, job_id=True)
    _connection_flags(p, contactflow=False, automizy=True)
    p.set_defaults(func=commands.import_csv)

    p = sub.add_parser(
        "worker",
        help="run one queue worker (taskiq on Redis) for push and import jobs",
        description=(
            "Serve push_customers_job and import_csv_job from the Redis queue, one job at a "
            "time, until SIGTERM or Ctrl-C. Settings come from the environment: CFA_REDIS_URL, "
            "CFA_RATE_LIMIT, CFA_JOB_STORE, CFA_QUEUE, CFA_QUEUE_IDLE_TIMEOUT, ... (see "
            "contactflow_automizy/workers/settings.py) and the API clients' CONTACTFLOW_* and "
            "AUTOMIZY_* variables. Needs the workers extra."
        ),
    )
    p.set_defaults(func=commands.worker)

    p = sub.add_parser(
        "report",
        help="download the automations CSV or the tokens ZIP report",
        description="Stream a report to a file, filtered by --filter NAME=VALUE flags.",
    )
    p.add_argument("kind", choices=["automations", "tokens"])
    p.add_argument("-o", "--output", required=True, help="file to write (replaced atomically)")
    p.add_argument(
        "--filter",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="report filter in snake_case, e.g. status=RUNNING (repeatable)",
    )
    _connection_flags(p, contactflow=True, automizy=False)
    p.set_defaults(func=commands.report)

    p = sub.add_parser(
        "jobs",
        help="list and show durable jobs, and clean up the batch sources dead runs left",
        description="Read the job store (--job-store or CFA_JOB_STORE) and settle what "
        "killed runs left behind.",
    )
    jobs = p.add_subparsers(dest="jobs_command", required=True, metavar="JOBS_COMMAND")
    q = jobs.add_parser("list", help="list the jobs, oldest first")
    q.add_argument("--state", choices=["running", "failed", "done"], help="only jobs in this state")
    _job_flags(q, job_id=False)
    q.set_defaults(func=commands.jobs_list)
    q = jobs.add_parser("show", help="show one job's record as JSON")
    q.add_argument("job_id", metavar="JOB_ID")
    _job_flags(q, job_id=False)
    q.set_defaults(func=commands.jobs_show)
    q = jobs.add_parser(
        "cleanup",
        help="delete batch sources of dead runs, and late ones after the grace period",
        description="Delete the open batch sources of push jobs that are not done and whose "
        "lease expired, and sources whose FIRST packet may have arrived late (unknown) once "
        "the grace period has passed.",
    )
    q.add_argument("--dry-run", action="store_true", help="only say what would be deleted")
    q.add_argument(
        "--grace",
        type=float,
        default=600.0,
        help="seconds an unknown source is left alone (default: 600)",
    )
    _job_flags(q, job_id=False)
    _connection_flags(q, contactflow=True, automizy=False)
    q.set_defaults(func=commands.jobs_cleanup)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script; returns the exit code."""
    try:
        from contactflow_automizy.cli import _output
    except ImportError:  # rich is in the [cli] extra
        print(
            "error: the command line needs the cli extra: pip install 'contactflow_automizy[cli]'",
            file=sys.stderr,
        )
        return 2
    args = build_parser().parse_args(argv)
    func: Command = args.func
    try:
        return run(func(args), args.loop)
    except KeyboardInterrupt:
        _output.error("interrupted")
        return 130
    except ContactflowAutomizyError as exc:
        _output.error(str(exc))
        return 1
    except OSError as exc:
        _output.error(f"{exc.strerror or exc}: {exc.filename}" if exc.filename else str(exc))
        return 1


def parse_pairs(pairs: Sequence[str], what: str) -> dict[str, Any]:
    """``NAME=VALUE`` flags to a dict; a malformed one is a ConfigurationError."""
    from contactflow_automizy.errors import ConfigurationError

    out: dict[str, Any] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise ConfigurationError(f"{what} must look like NAME=VALUE, got {pair!r}")
        out[name.strip()] = value
    return out

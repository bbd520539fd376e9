"""``python -m tests.services.fleet_worker ATTEMPTS_FILE``: ``contactflow-automizy worker``,
also writing each job attempt's events (``started``, ``done``, ``busy``, ``failed``) to
ATTEMPTS_FILE as JSON Lines, one write per line, so a ``kill -9`` loses none written."""

from __future__ import annotations

import logging
import os
import sys

import orjson

from contactflow_automizy.cli import main


class AttemptLog(logging.Handler):
    def __init__(self, path: str) -> None:
        super().__init__()
        self.fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)

    def emit(self, record: logging.LogRecord) -> None:
        if hasattr(record, "event"):
            line = {"at": record.created, "pid": os.getpid(), "job": record.job_id}
            os.write(self.fd, orjson.dumps({**line, "event": record.event}) + b"\n")


if __name__ == "__main__":
    logger = logging.getLogger("contactflow_automizy.workers")
    logger.setLevel(logging.INFO)
    logger.addHandler(AttemptLog(sys.argv[1]))
    sys.exit(main(["worker"]))

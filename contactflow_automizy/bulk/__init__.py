"""Bulk work: transactional customer batches, streamed CSV imports, concurrent mapping."""

from contactflow_automizy.bulk.batches import PushResult
from contactflow_automizy.bulk.concurrent import Outcome, iter_concurrent, map_concurrent
from contactflow_automizy.bulk.csv_import import CsvImportResult

__all__ = ["CsvImportResult", "Outcome", "PushResult", "iter_concurrent", "map_concurrent"]

"""Generic bulk work: concurrent mapping and lazy streams, for any API.

API-specific bulk code lives with its API (``contactflow.batch_upload``,
``automizy.csv_import``): this package imports no API package, so either
client can be imported without the other.
"""

from contactflow_automizy.bulk.concurrent import Outcome, iter_concurrent, map_concurrent

__all__ = ["Outcome", "iter_concurrent", "map_concurrent"]

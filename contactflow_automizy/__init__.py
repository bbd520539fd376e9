"""Async Python SDK for Contactflow automations and Automizy contact lists."""

from contactflow_automizy._converter import Model
from contactflow_automizy._download import ReportRow, ZipLimits
from contactflow_automizy._mock import MockResponse, MockTransport
from contactflow_automizy._pagination import AsyncPaginator, Page
from contactflow_automizy._progress import Progress
from contactflow_automizy._public import report_as_public
from contactflow_automizy._ratelimit import LocalRateLimiter, RateLimiter
from contactflow_automizy._response import Response
from contactflow_automizy._retry import RetryPolicy
from contactflow_automizy._session import Session, SessionStats
from contactflow_automizy._transport import AiohttpTransport, Request, Timeout, Transport
from contactflow_automizy._version import __version__
from contactflow_automizy.automizy import AutomizyClient
from contactflow_automizy.automizy.csv_import import CsvImportResult
from contactflow_automizy.bulk import Outcome, iter_concurrent, map_concurrent
from contactflow_automizy.contactflow import ContactflowClient
from contactflow_automizy.contactflow.batch_upload import PushResult
from contactflow_automizy.errors import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    BatchUploadError,
    ConfigurationError,
    ConflictError,
    ContactflowAutomizyError,
    InternalServerError,
    JobInProgressError,
    LeaseLostError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ReportError,
    ResponseFormatError,
    ResponseTooLargeError,
    UnprocessableEntityError,
)
from contactflow_automizy.jobs import JobStore, MemoryJobStore, SQLiteJobStore

__all__ = [
    "APIConnectionError",
    "APIStatusError",
    "APITimeoutError",
    "AiohttpTransport",
    "AsyncPaginator",
    "AuthenticationError",
    "AutomizyClient",
    "BadRequestError",
    "BatchUploadError",
    "ConfigurationError",
    "ConflictError",
    "ContactflowAutomizyError",
    "ContactflowClient",
    "CsvImportResult",
    "InternalServerError",
    "JobInProgressError",
    "JobStore",
    "LeaseLostError",
    "LocalRateLimiter",
    "MemoryJobStore",
    "MockResponse",
    "MockTransport",
    "Model",
    "NotFoundError",
    "Outcome",
    "Page",
    "PermissionDeniedError",
    "Progress",
    "PushResult",
    "RateLimitError",
    "RateLimiter",
    "ReportError",
    "ReportRow",
    "Request",
    "Response",
    "ResponseFormatError",
    "ResponseTooLargeError",
    "RetryPolicy",
    "SQLiteJobStore",
    "Session",
    "SessionStats",
    "Timeout",
    "Transport",
    "UnprocessableEntityError",
    "ZipLimits",
    "__version__",
    "iter_concurrent",
    "map_concurrent",
]

report_as_public(__name__, globals(), __all__)

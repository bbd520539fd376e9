"""Async Python SDK for Contactflow automations and Automizy contact lists."""

from contactflow_automizy._converter import Model, ResponseFormatError
from contactflow_automizy._download import ReportError, ReportRow, ZipLimits
from contactflow_automizy._mock import MockResponse, MockTransport
from contactflow_automizy._pagination import AsyncPaginator, Page
from contactflow_automizy._progress import Progress
from contactflow_automizy._pyreqwest import PyreqwestTransport
from contactflow_automizy._response import Response
from contactflow_automizy._retry import RetryPolicy
from contactflow_automizy._session import Session, SessionStats
from contactflow_automizy._transport import AiohttpTransport, Request, Timeout, Transport
from contactflow_automizy._version import __version__
from contactflow_automizy.automizy import AutomizyClient
from contactflow_automizy.bulk import (
    CsvImportResult,
    Outcome,
    PushResult,
    iter_concurrent,
    map_concurrent,
)
from contactflow_automizy.contactflow import ContactflowClient
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
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    ResponseTooLargeError,
    UnprocessableEntityError,
)

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
    "MockResponse",
    "MockTransport",
    "Model",
    "NotFoundError",
    "Outcome",
    "Page",
    "PermissionDeniedError",
    "Progress",
    "PushResult",
    "PyreqwestTransport",
    "RateLimitError",
    "ReportError",
    "ReportRow",
    "Request",
    "Response",
    "ResponseFormatError",
    "ResponseTooLargeError",
    "RetryPolicy",
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

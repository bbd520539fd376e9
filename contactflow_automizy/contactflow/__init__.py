"""The Contactflow API 2.49.0: client, models and route table."""

from contactflow_automizy._download import ReportRow, ZipLimits
from contactflow_automizy.contactflow.client import ContactflowClient
from contactflow_automizy.errors import ReportError

__all__ = ["ContactflowClient", "ReportError", "ReportRow", "ZipLimits"]

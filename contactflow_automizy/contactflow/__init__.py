"""The Contactflow API 2.49.0: client, models and route table."""

from contactflow_automizy._download import ReportError, ReportRow, ZipLimits
from contactflow_automizy.contactflow.client import ContactflowClient

__all__ = ["ContactflowClient", "ReportError", "ReportRow", "ZipLimits"]

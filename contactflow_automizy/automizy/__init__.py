"""The Automizy REST API: client, models and route table."""

from contactflow_automizy.automizy.client import AutomizyClient

__all__ = ["AutomizyClient"]

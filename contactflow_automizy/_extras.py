"""Optional dependencies: imported when first needed, with the extra to install when missing."""

from __future__ import annotations

import importlib
from types import ModuleType

from contactflow_automizy.errors import ConfigurationError


def require(module: str, extra: str) -> ModuleType:
    """Import ``module``, or raise a ConfigurationError naming the extra that provides it."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise ConfigurationError(
            f"{module} is not installed: pip install 'contactflow_automizy[{extra}]'"
        ) from exc

"""Public classes report the top-level package as their ``__module__``.

Pickle stores a class by ``__module__`` and name.  A ``PushResult`` or a
``NotFoundError`` pickled by a worker (a job queue's result, a
``multiprocessing`` answer) must still load after the class moves between
private modules, so every class the package exports says it lives in
``contactflow_automizy`` itself, where it is always importable (SPEC
section 11).  It also makes reprs and tracebacks show the name users import.

``typing.get_type_hints`` looks names up in the module ``__module__`` names,
so each class's own annotations are resolved first, while its defining module
is still the one named; subclasses elsewhere (every model extends ``Model``)
keep resolving.
"""

from __future__ import annotations

import inspect
import typing
from collections.abc import Iterable, Mapping


def report_as_public(package: str, namespace: Mapping[str, object], names: Iterable[str]) -> None:
    """Make every class among ``namespace[name]`` report ``package`` as its module."""
    for name in names:
        cls = namespace[name]
        if not isinstance(cls, type) or cls.__module__ == package:
            continue
        own = inspect.get_annotations(cls)
        if own:
            hints = typing.get_type_hints(cls, include_extras=True)
            cls.__annotations__ = {key: hints[key] for key in own}
        cls.__module__ = package

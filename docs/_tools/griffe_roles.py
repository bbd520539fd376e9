"""A griffe extension: Sphinx roles in the package's docstrings rendered as code.

The docstrings cross-reference with reStructuredText roles (``:class:`Page```,
``:meth:`~x.Client.paginate```), which Markdown shows verbatim.  They become
inline code with the name as written (``~`` keeps the last part only), so the
source stays readable in an editor and the site shows what it means.
"""

from __future__ import annotations

import re
from typing import Any

import griffe

ROLE = re.compile(r":(?:class|meth|func|attr|mod|data|exc|obj):`(~?)([^`]+)`")


def _code(match: re.Match[str]) -> str:
    short, name = match.groups()
    return f"`{name.rsplit('.', 1)[-1] if short else name}`"


class SphinxRolesAsCode(griffe.Extension):
    """Rewrite each docstring's roles once the object tree is complete."""

    def on_object(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        if obj.docstring is not None:
            obj.docstring.value = ROLE.sub(_code, obj.docstring.value)

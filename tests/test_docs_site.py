"""The documentation site: it builds with warnings as errors, and its API reference has a
documented entry for every public name.

The site is built once per module into a temporary directory, as CI and Read the Docs
build it (``mkdocs build --strict``); the reference is then read from the HTML, where
mkdocstrings gives each documented object an element whose id is its dotted path.
"""

from __future__ import annotations

import importlib
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import griffe
import pytest

ROOT = Path(__file__).resolve().parent.parent
#: The modules whose ``__all__`` is public API: each name needs a reference entry.
PUBLIC_MODULES = [
    "contactflow_automizy",
    "contactflow_automizy.errors",
    "contactflow_automizy.emulator",
    "contactflow_automizy.jobs",
    "contactflow_automizy.redis",
    "contactflow_automizy.workers",
    "pytest_contactflow_automizy",
]
ANCHOR = re.compile(r'\bid="([A-Za-z_][\w.]*)"')


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("site")
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    return out


@pytest.fixture(scope="module")
def anchors(site: Path) -> set[str]:
    return {a for page in site.rglob("*.html") for a in ANCHOR.findall(page.read_text())}


def public_names() -> Iterator[tuple[str, str]]:
    for module_name in PUBLIC_MODULES:
        module = importlib.import_module(module_name)
        for name in module.__all__:
            yield module_name, name


def public_paths(obj: object) -> set[str]:
    """Every public dotted path under which ``obj`` is exported."""
    paths = set()
    for module_name, name in public_names():
        if getattr(importlib.import_module(module_name), name) is obj:
            paths.add(f"{module_name}.{name}")
    return paths


def test_the_public_modules_export_something() -> None:
    assert len(list(public_names())) > 50


@pytest.mark.parametrize(("module_name", "name"), list(public_names()))
def test_every_public_name_has_a_reference_entry(
    anchors: set[str], module_name: str, name: str
) -> None:
    obj = getattr(importlib.import_module(module_name), name)
    documented = public_paths(obj) & anchors
    assert documented, f"{module_name}.{name} has no entry in the API reference (docs/reference/)"


@pytest.fixture(scope="module")
def source_trees() -> dict[str, griffe.Object | griffe.Alias]:
    """The public modules as mkdocstrings reads them (statically, with griffe)."""
    return {name: griffe.load(name, search_paths=[str(ROOT)]) for name in PUBLIC_MODULES}


@pytest.mark.parametrize(("module_name", "name"), list(public_names()))
def test_every_public_name_has_a_docstring(
    source_trees: dict[str, griffe.Object | griffe.Alias], module_name: str, name: str
) -> None:
    assert source_trees[module_name][name].docstring, f"{module_name}.{name} needs a docstring"


def test_the_reference_reaches_into_the_clients_methods(anchors: set[str]) -> None:
    """Methods of the clients come from mixins; the reference must show them all."""
    from contactflow_automizy import AutomizyClient, ContactflowClient

    for client in (ContactflowClient, AutomizyClient):
        public = {n for n in dir(client) if not n.startswith("_")}
        methods = {n for n in public if callable(getattr(client, n))}
        prefix = f"contactflow_automizy.{client.__name__}."
        missing = {n for n in methods if prefix + n not in anchors}
        assert not missing, f"{client.__name__}: {sorted(missing)}"

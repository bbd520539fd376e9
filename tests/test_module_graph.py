"""The package's shape: every module imports on its own, imports form no cycle, and
data flows one way (core and ``bulk/`` below the API packages, which ignore each other).

The graph is read from the source with ``ast``, so it covers modules no test
imports.  A module importing ``a.b.c`` runs the ``__init__`` of ``a.b`` first, so
each import also counts as an import of the target's parent packages, except
the top-level package and the importing module's own parents (those are being
imported already when the module runs: every Python package works that way).
``python -m tests.test_module_graph`` prints the graph and its cycles.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import contactflow_automizy

PACKAGE = "contactflow_automizy"
ROOT = Path(contactflow_automizy.__file__).parent
API_PACKAGES = (f"{PACKAGE}.contactflow", f"{PACKAGE}.automizy")
EMULATOR = f"{PACKAGE}.emulator"

#: Third-party packages the fork server loads once, so that each forked child pays
#: only for the package's own modules.  Top-level packages only: they load what
#: ``import aiohttp`` loads in any fresh interpreter, so a module that uses
#: ``aiohttp.web`` without importing it still fails here.
PRELOAD = ("aiohttp", "attrs", "cattrs", "orjson", "yarl", "multidict", "rich")

#: One fresh interpreter per module, forked (a few at a time) from one that has not
#: imported the package.
FORK_SERVER = r"""
import importlib, os, sys, traceback
for name in sys.argv[1].split(","):
    try:
        importlib.import_module(name)
    except ImportError:
        pass
running = 0
for module in sys.argv[2:]:
    if running == (os.cpu_count() or 1):
        os.wait()
        running -= 1
    if os.fork() == 0:
        try:
            importlib.import_module(module)
        except BaseException:
            os.write(1, f"=== {module}\n{traceback.format_exc()}".encode())
            os._exit(1)
        os._exit(0)
    running += 1
while running:
    os.wait()
    running -= 1
"""


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


@cache
def modules() -> dict[str, Path]:
    return {module_name(path): path for path in sorted(ROOT.rglob("*.py"))}


def _is_package(name: str) -> bool:
    return modules()[name].name == "__init__.py"


def _parents(name: str) -> list[str]:
    parts = name.split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts))]


def _imports(tree: ast.AST, module: str, *, module_level: bool) -> Iterator[tuple[str, int]]:
    """``(imported module, line)`` for every import of the package; ``module_level``
    skips imports inside functions (they run later, when the graph is complete)."""
    package = module if _is_package(module) else module.rpartition(".")[0]

    def visit(node: ast.AST) -> Iterator[tuple[str, int]]:
        for child in ast.iter_child_nodes(node):
            if module_level and isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            if isinstance(child, ast.Import):
                for alias in child.names:
                    yield alias.name, child.lineno
            elif isinstance(child, ast.ImportFrom):
                base = child.module or ""
                if child.level:
                    anchor = package.split(".")[: len(package.split(".")) - child.level + 1]
                    base = ".".join([*anchor, base] if base else anchor)
                yield base, child.lineno
                for alias in child.names:
                    yield f"{base}.{alias.name}", child.lineno
            yield from visit(child)

    for target, line in visit(tree):
        if target in modules():
            yield target, line


def import_graph(*, module_level: bool = True) -> dict[str, dict[str, int]]:
    """module -> {module it makes Python import: line of the import}."""
    graph: dict[str, dict[str, int]] = {}
    for name, path in modules().items():
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        edges: dict[str, int] = {}
        own_parents = set(_parents(name))
        for target, line in _imports(tree, name, module_level=module_level):
            for runs in [*_parents(target)[1:], target]:
                if runs != name and runs not in own_parents:
                    edges.setdefault(runs, line)
        graph[name] = edges
    return graph


def cycles(graph: dict[str, dict[str, int]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def connect(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph[node]:
            if target not in index:
                connect(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in graph:
        if node not in index:
            connect(node)
    return found


def _describe(graph: dict[str, dict[str, int]], component: list[str]) -> str:
    members = set(component)
    return "\n".join(
        f"  {source} -> {target} (line {line})"
        for source in component
        for target, line in sorted(graph[source].items())
        if target in members
    )


def _in(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def test_the_graph_sees_the_package() -> None:
    """Guards the guard: a walk that found nothing would prove nothing."""
    graph = import_graph()
    assert len(graph) > 50
    assert f"{PACKAGE}.contactflow.customers" in graph[f"{PACKAGE}.contactflow.batch_upload"]
    assert f"{PACKAGE}.bulk" in graph[f"{PACKAGE}.contactflow.batch_upload"]
    assert cycles({"a": {"b": 1}, "b": {"c": 2}, "c": {"a": 3}, "d": {"a": 4}}) == [["a", "b", "c"]]


def test_module_level_imports_form_no_cycle() -> None:
    graph = import_graph()
    found = cycles(graph)
    assert not found, "import cycles:\n" + "\n\n".join(_describe(graph, c) for c in found)


def test_data_flows_one_way() -> None:
    """Core (``_*.py``, ``errors``) and ``bulk/`` import no API package; the two API
    packages import neither each other nor the emulator.  Imports inside functions
    count too: a lazy import still ties the layers together."""
    core = [
        name
        for name in modules()
        if name == f"{PACKAGE}.errors"
        or (name.startswith(f"{PACKAGE}._") and not name.endswith("__") and name.count(".") == 1)
    ]
    rules: list[tuple[list[str], tuple[str, ...]]] = [
        (core, (*API_PACKAGES, EMULATOR, f"{PACKAGE}.bulk", f"{PACKAGE}.cli")),
        ([m for m in modules() if _in(m, f"{PACKAGE}.bulk")], (*API_PACKAGES, EMULATOR)),
        ([m for m in modules() if _in(m, API_PACKAGES[0])], (API_PACKAGES[1], EMULATOR)),
        ([m for m in modules() if _in(m, API_PACKAGES[1])], (API_PACKAGES[0], EMULATOR)),
    ]
    assert f"{PACKAGE}._session" in core and f"{PACKAGE}.errors" in core
    graph = import_graph(module_level=False)
    wrong = [
        f"{source} imports {target} (line {line})"
        for sources, forbidden in rules
        for source in sources
        for target, line in graph[source].items()
        if any(_in(target, package) for package in forbidden)
    ]
    assert not wrong, "\n".join(wrong)


def test_every_module_imports_on_its_own() -> None:
    """``python -c "import <module>"`` for every module, each in a fresh interpreter.

    Modules of optional extras must fail with a ConfigurationError naming the
    extra when it is missing; the ``test`` extra installs every extra, so here
    every module must import.  ``__main__`` is left out: importing it *is*
    running the command line (``python -m``, tested in ``test_cli``).
    """
    names = sorted(name for name in modules() if name != f"{PACKAGE}.__main__")
    broken = f"{PACKAGE}.no_such_module"  # proves a failure is reported
    done = subprocess.run(
        [sys.executable, "-c", FORK_SERVER, ",".join(PRELOAD), *names, broken],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    failed = [line[4:] for line in done.stdout.splitlines() if line.startswith("=== ")]
    assert failed == [broken], "modules that do not import on their own:\n" + done.stdout


if __name__ == "__main__":
    graph = import_graph()
    for source, targets in sorted(graph.items()):
        print(source, "->", ", ".join(sorted(targets)) or "-")
    found = cycles(graph)
    print(f"\n{len(graph)} modules, {sum(map(len, graph.values()))} imports, {len(found)} cycles")
    for component in found:
        print(_describe(graph, component))
    sys.exit(1 if found else 0)

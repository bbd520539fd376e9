"""The emulator mirrors the SDK: a handler module per SDK section, routed from its tables."""

from __future__ import annotations

import ast
import importlib
import inspect
import re
from pathlib import Path
from types import ModuleType

import pytest

import contactflow_automizy.emulator as package
from contactflow_automizy._routes import Route
from contactflow_automizy.automizy import routes as automizy_routes
from contactflow_automizy.contactflow import routes as contactflow_routes
from contactflow_automizy.emulator import automizy, contactflow

APIS = [
    pytest.param(contactflow, "contactflow", contactflow_routes, id="contactflow"),
    pytest.param(automizy, "automizy", automizy_routes, id="automizy"),
]


def _names(table: ModuleType) -> dict[Route, str]:
    return {value: name for name, value in vars(table).items() if isinstance(value, Route)}


@pytest.mark.parametrize(("emulated", "package", "table"), APIS)
def test_each_section_serves_what_the_sdk_module_of_that_name_calls(
    emulated: ModuleType, package: str, table: ModuleType
) -> None:
    names = _names(table)
    served: set[Route] = set()
    for section in emulated.SECTIONS:
        short = section.__name__.rsplit(".", 1)[1]
        sdk = importlib.import_module(f"contactflow_automizy.{package}.{short}")
        called = set(re.findall(r"routes\.([A-Z_]+)", inspect.getsource(sdk)))
        declared = {names[route] for route in section.ROUTES if route in names}
        assert declared, f"{section.__name__} serves none of the SDK's routes"
        assert declared <= called, f"{short}: served here but called elsewhere in the SDK"
        served |= set(section.ROUTES)
    assert set(names) <= served


def test_one_route_one_section() -> None:
    for emulated in (contactflow, automizy):
        routes = [route for section in emulated.SECTIONS for route in section.ROUTES]
        assert len(routes) == len(set(routes)) == len(emulated.TABLE)


def test_the_router_uses_the_routes_own_segments() -> None:
    route = Route("GET", "/automations/{automationUuid:uuid}/steps/{stepUuid:uuid}/feedbacks")
    assert route.segments == (
        "automations",
        ("automationUuid", "uuid"),
        "steps",
        ("stepUuid", "uuid"),
        "feedbacks",
    )
    with pytest.raises(ValueError, match="whole path segment"):
        Route("GET", "/files/report-{name}.csv")


def test_the_emulator_takes_only_route_tables_from_the_api_packages() -> None:
    """The package docstring's decision: routes shared, everything it accepts an
    independent oracle of the seeds (no SDK model, enum or check imported)."""
    allowed = {"contactflow_automizy.contactflow.routes", "contactflow_automizy.automizy.routes"}
    for path in Path(package.__file__).parent.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [f"{node.module}.{alias.name}" for alias in node.names]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            else:
                continue
            for name in names:
                if name.startswith(
                    ("contactflow_automizy.contactflow", "contactflow_automizy.automizy")
                ):
                    assert name in allowed, f"{path.name} imports {name}"


def _table(text: str) -> list[str]:
    start = text.index("| rule | the emulator | why |")
    return [line for line in text[start:].splitlines() if line.startswith("|")]


def test_the_silent_seed_table_is_the_same_in_the_docs_and_the_package() -> None:
    docs = Path(__file__).parents[2] / "docs" / "emulator.md"
    assert package.__doc__ is not None
    rows = _table(package.__doc__)
    assert rows == _table(docs.read_text()) and len(rows) > 40

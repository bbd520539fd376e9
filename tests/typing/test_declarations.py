"""The typing declarations cannot drift from what they mirror.

Each enum's ``Literal`` alias lists exactly its values, in order; each keyword
body ``TypedDict`` has exactly its model's attributes, with the same types (an
enum widened to ``Enum | its Literal``); and no public method takes untyped
``**kwargs``.
"""

from __future__ import annotations

import enum
import inspect
import sys
import typing
from typing import Any, Literal

import attrs
import pytest

from contactflow_automizy import AutomizyClient, ContactflowClient
from contactflow_automizy.automizy import models as automizy_models
from contactflow_automizy.contactflow import models as contactflow_models

MODULES = [contactflow_models, automizy_models]
ENUMS = [
    value
    for module in MODULES
    for value in vars(module).values()
    if isinstance(value, type)
    and issubclass(value, enum.Enum)
    and value.__module__ == module.__name__
]
#: Keyword fields a method takes as its path argument instead: ``add_customer(automation_uuid)``.
PATH_ARGUMENTS = {"CustomerFields": {"automation_uuid"}}


def literal_alias(cls: type[enum.Enum]) -> Any:
    """``<Enum>Name``, declared beside the enum."""
    return getattr(sys.modules[cls.__module__], f"{cls.__name__}Name", None)


def body_typeddicts() -> list[tuple[Any, type]]:
    """Every ``<Model>Fields`` TypedDict with its model."""
    return [
        (value, getattr(module, name.removesuffix("Fields")))
        for module in MODULES
        for name, value in vars(module).items()
        if name.endswith("Fields")
        and typing.is_typeddict(value)
        and value.__module__ == module.__name__
    ]


def test_every_enum_of_both_apis_is_found() -> None:
    assert len(ENUMS) == 11


@pytest.mark.parametrize("cls", ENUMS, ids=lambda cls: cls.__name__)
def test_each_enum_has_a_literal_alias_of_exactly_its_values(cls: type[enum.Enum]) -> None:
    alias = literal_alias(cls)
    assert typing.get_origin(alias) is Literal, f"{cls.__name__}Name is missing"
    assert typing.get_args(alias) == tuple(member.value for member in cls)


def test_the_creatable_field_types_are_every_field_type_but_default() -> None:
    assert typing.get_args(automizy_models.CreatableFieldTypeName) == tuple(
        t.value for t in automizy_models.FieldType if t is not automizy_models.FieldType.DEFAULT
    )


def test_every_model_sent_as_keyword_fields_has_its_typeddict() -> None:
    assert {model.__name__ for _, model in body_typeddicts()} == {
        "Automation",
        "Customer",
        "Node",
        "Setting",
        "TestEmail",
    }


def widened(hint: Any) -> Any:
    """An attribute's type as a keyword field takes it: ``E | None`` -> ``E | EName | None``."""
    args = typing.get_args(hint)
    for arg in args:
        if isinstance(arg, type) and issubclass(arg, enum.Enum):
            rest = [a for a in args if a is not arg]
            return typing.Union[arg, literal_alias(arg), *rest]
    return hint


@pytest.mark.parametrize(
    ("typed", "model"), body_typeddicts(), ids=lambda value: getattr(value, "__name__", "")
)
def test_each_keyword_body_typeddict_mirrors_its_model(typed: Any, model: type) -> None:
    names = {a.name for a in attrs.fields(model)} - PATH_ARGUMENTS.get(typed.__name__, set())
    assert typed.__required_keys__ == frozenset()  # the seed marks every body field optional
    assert typed.__optional_keys__ == names
    model_hints = typing.get_type_hints(model)
    assert typing.get_type_hints(typed) == {name: widened(model_hints[name]) for name in names}


def test_no_public_method_takes_untyped_keyword_arguments() -> None:
    checked = 0
    for client in (ContactflowClient, AutomizyClient):
        for name, method in inspect.getmembers(client, inspect.isfunction):
            if name.startswith("_"):
                continue
            for parameter in inspect.signature(method).parameters.values():
                if parameter.kind is inspect.Parameter.VAR_KEYWORD:
                    assert str(parameter.annotation).startswith("Unpack["), (name, parameter)
                    checked += 1
    assert checked >= 12  # 6 keyword bodies, 6 filter sets

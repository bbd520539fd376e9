"""The one validation module: each rule once, and every caller (SDK and emulator) on it."""

from __future__ import annotations

import enum
import uuid
from typing import Any

import pytest
from aioresponses import aioresponses

from contactflow_automizy import (
    AutomizyClient,
    ConfigurationError,
    ContactflowClient,
    UnprocessableEntityError,
    _validate,
)
from contactflow_automizy.automizy import routes
from contactflow_automizy.automizy.models import FieldType
from contactflow_automizy.emulator import Emulator
from tests.contactflow.test_operations import U1

U = "095be615-a8ad-4c33-8e9c-c7612fbf6c9f"


@pytest.mark.parametrize("check", [_validate.positive_int, _validate.non_negative_int])
@pytest.mark.parametrize("bad", [True, False, "7", 2.0, None, -1])
def test_integers_are_ints_never_bools_or_text(check: Any, bad: object) -> None:
    with pytest.raises(ConfigurationError, match=r"^n must be a"):
        check("n", bad)


def test_integer_bounds() -> None:
    assert _validate.positive_int("n", 1) == 1
    assert _validate.non_negative_int("n", 0) == 0
    with pytest.raises(ConfigurationError, match="n must be a positive integer, got 0"):
        _validate.positive_int("n", 0)
    assert _validate.positive_ints("ids", (1, 2)) == [1, 2]
    for lone in (1, "12", b"12"):
        with pytest.raises(ConfigurationError, match="ids must be a list"):
            _validate.positive_ints("ids", lone)  # type: ignore[arg-type]


@pytest.mark.parametrize("blank", ["", " ", "\t\n"])
def test_blank_text_is_refused_by_every_text_rule(blank: str) -> None:
    for check in (_validate.text, _validate.segment_text):
        with pytest.raises(ConfigurationError, match="must be a non-empty"):
            check("x", blank)
    with pytest.raises(ConfigurationError):
        _validate.texts("x", ["ok", blank])


def test_texts_refuse_a_lone_string_rather_than_split_it() -> None:
    assert _validate.texts("x", ["a", "b"]) == ["a", "b"]
    with pytest.raises(ConfigurationError, match="must be a list of strings"):
        _validate.texts("x", "ab")


@pytest.mark.parametrize("bad", [".", "..", "a\x85b", "a\u2028b", "a\x00", True, None])
def test_segment_text_refuses_dot_segments_and_control_characters(bad: object) -> None:
    with pytest.raises(ConfigurationError, match="non-empty path segment"):
        _validate.segment_text("x", bad)


def test_segment_text_takes_ints_as_text() -> None:
    assert _validate.segment_text("x", 7) == "7"


@pytest.mark.parametrize(
    ("given", "canonical"),
    [(U, U), (U.upper(), U), (uuid.UUID(U), U)],
)
def test_uuids_come_back_canonical(given: object, canonical: str) -> None:
    assert _validate.uuid_text("u", given) == canonical


@pytest.mark.parametrize("bad", ["{" + U + "}", "urn:uuid:" + U, U.replace("-", ""), U[:-1], 5])
def test_uuid_spellings_other_than_the_canonical_one_are_refused(bad: object) -> None:
    with pytest.raises(ConfigurationError, match="u must be a UUID"):
        _validate.uuid_text("u", bad)


EMAILS = {
    "a@example.com": True,
    "first.last+tag@mail.example.co.uk": True,
    "a@localhost": False,
    "a@example..com": False,
    "a@.example.com": False,
    "a@example.com.": False,
    "a b@example.com": False,
    "a@b@example.com": False,
    "": False,
}


@pytest.mark.parametrize(("address", "valid"), list(EMAILS.items()))
def test_email_rule(address: str, valid: bool) -> None:
    assert _validate.is_email_address(address) is valid
    if not valid:
        with pytest.raises(ConfigurationError, match="e must be an e-mail address"):
            _validate.email_address("e", address)


@pytest.mark.parametrize(("address", "valid"), [(a, v) for a, v in EMAILS.items() if a])
async def test_the_emulator_agrees_with_the_sdk_on_addresses(address: str, valid: bool) -> None:
    """The emulator writes its rule again (it is an independent oracle of the seeds), but
    the two must agree: before, its looser regex stored ``a@example..com``."""
    async with Emulator() as emu, AutomizyClient(emu.api_key, emu.automizy_url) as az:
        created = await az._json(routes.CREATE_LIST, json={"name": "L"})
        body = {"emailAddress": address, "listId": created["id"]}
        if valid:
            await az._json(routes.CREATE_CONTACT, json=body)
        else:
            with pytest.raises(UnprocessableEntityError):
                await az._json(routes.CREATE_CONTACT, json=body)
        assert len(emu.state.contacts) == int(valid)


class Colour(enum.StrEnum):
    RED = "RED"
    GREEN = "GREEN"
    DEFAULT = "DEFAULT"


def test_enum_members_by_value_or_member() -> None:
    assert _validate.enum_member("c", Colour, "RED") is Colour.RED
    assert _validate.enum_member("c", Colour, Colour.GREEN) is Colour.GREEN
    with pytest.raises(ConfigurationError, match="c must be one of RED, GREEN, DEFAULT; got 'X'"):
        _validate.enum_member("c", Colour, "X")


def test_enum_members_limited_to_the_allowed_ones() -> None:
    allowed = (Colour.RED, Colour.GREEN)
    assert _validate.enum_member("c", Colour, "RED", allowed=allowed) is Colour.RED
    with pytest.raises(ConfigurationError, match="one of RED, GREEN; got 'DEFAULT'"):
        _validate.enum_member("c", Colour, "DEFAULT", allowed=allowed)


async def test_field_types_name_only_the_creatable_ones(
    az: AutomizyClient, mocked: aioresponses
) -> None:
    with pytest.raises(ConfigurationError) as info:
        await az.create_field("m", "L", "DEFAULT")
    allowed = ", ".join(t for t in FieldType if t is not FieldType.DEFAULT)
    assert str(info.value) == f"type must be one of {allowed}; got 'DEFAULT'"
    assert mocked.requests == {}


@pytest.mark.parametrize(
    "call",
    [
        lambda cf: cf.list_automations(name=" ").to_list(),
        lambda cf: cf.list_automations(description="").to_list(),
        lambda cf: cf.search_tokens(automation_uuid=U1, recipient="").to_list(),
        lambda cf: cf.search_tokens(automation_uuid=U1, clab_uuid="  ").to_list(),
    ],
)
async def test_blank_text_filters_are_refused_before_any_request(
    call: Any, cf: ContactflowClient, mocked: aioresponses
) -> None:
    """Before, filters took any string and sent ``name=`` to the server."""
    with pytest.raises(ConfigurationError, match="must be a non-empty string"):
        await call(cf)
    assert mocked.requests == {}


@pytest.mark.parametrize("bad", ["a\r\nb", "a\x85b", "a\u2029b", 5])
def test_header_values_never_show_the_value(bad: object) -> None:
    with pytest.raises(ConfigurationError, match="the X header value") as info:
        _validate.header_value("X", bad)
    assert repr(bad) not in str(info.value)


def test_instance_of_names_the_wanted_types() -> None:
    assert _validate.instance_of("f", True, bool) is True
    with pytest.raises(ConfigurationError, match="f must be bool or int, got str"):
        _validate.instance_of("f", "yes", bool, int)

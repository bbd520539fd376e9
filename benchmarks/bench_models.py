"""Benchmark 5: structuring 100,000 ``Token`` objects (pages of 100) into models.

Three ways from the same JSON pages: ``orjson.loads`` alone; the SDK
(``orjson.loads`` + its cattrs converter, as the paginator does it); pydantic
v2 ``TypeAdapter(list[Model]).validate_json`` on an equivalent model (same
fields and camelCase aliases, date-times, str enums, extra fields allowed).
No I/O.  Prints medians of several runs and ratios measured in the same run.

    python -m benchmarks.bench_models [--objects 100000] [--page-size 100] [--runs 7]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

import orjson
from pydantic import BaseModel, ConfigDict, TypeAdapter
from pydantic.alias_generators import to_camel

from benchmarks._common import median, print_table
from contactflow_automizy._converter import structurer
from contactflow_automizy.contactflow.models import AutomationStatus, StepType, Token


class PydanticToken(BaseModel):
    """``Token``'s fields, as a pydantic user would declare them."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="allow")

    uuid: str | None = None
    user_pk: str | None = None
    clab_uuid: str | None = None
    attributes: dict[str, Any] | None = None
    automation_uuid: str | None = None
    automation_name: str | None = None
    step_uuid: str | None = None
    step_operation: StepType | None = None
    step_type: str | None = None
    step_description: str | None = None
    enter_step_date: datetime | None = None
    enter_automation_date: datetime | None = None
    status: str | None = None
    automation_status: AutomationStatus | None = None
    error_date: datetime | None = None
    error_message: str | None = None


def token(i: int) -> dict[str, Any]:
    """A realistic token: every documented field, and one the SDK does not know."""
    return {
        "uuid": f"3fa85f64-5717-4562-b3fc-{i:012d}",
        "userPk": f"user-{i}",
        "clabUuid": f"6c1b2a4e-0d1f-4c1e-9a7b-{i:012d}",
        "attributes": {"email": f"customer{i}@example.com", "firstName": "Ada", "tier": i % 3},
        "automationUuid": "734e4f25-f179-406a-bdfa-12cd4a997014",
        "automationName": "Welcome journey",
        "stepUuid": "440374de-d1f6-4e58-8880-bb86654d7756",
        "stepOperation": "CLAB_CAMPAIGN",
        "stepType": "ACTION",
        "stepDescription": "Send the welcome e-mail",
        "enterStepDate": "2024-03-01T10:15:22Z",
        "enterAutomationDate": "2024-03-01T10:00:00.123+01:00",
        "status": "READY",
        "automationStatus": "RUNNING",
        "errorDate": None,
        "errorMessage": None,
        "recipient": f"customer{i}@example.com",
    }


def pages(objects: int, page_size: int) -> list[bytes]:
    return [
        orjson.dumps([token(i) for i in range(start, min(start + page_size, objects))])
        for start in range(0, objects, page_size)
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--objects", type=int, default=100_000)
    parser.add_argument("--page-size", type=int, default=100)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()

    data = pages(args.objects, args.page_size)
    structure = structurer(Token)
    adapter = TypeAdapter(list[PydanticToken])
    loads = orjson.loads

    def sdk() -> None:
        for page in data:
            [structure(item) for item in loads(page)]

    def orjson_only() -> None:
        for page in data:
            loads(page)

    def pydantic() -> None:
        for page in data:
            adapter.validate_json(page)

    # The three agree on what they read (the SDK keeps the unknown field in ``extra``).
    model, reference = structure(loads(data[0])[0]), adapter.validate_json(data[0])[0]
    assert model.enter_automation_date == reference.enter_automation_date
    assert model.automation_status is reference.automation_status
    assert model.extra == {
        "recipient": reference.model_extra and reference.model_extra["recipient"]
    }

    variants: dict[str, Callable[[], None]] = {
        "orjson parse only": orjson_only,
        "SDK: orjson + converter": sdk,
        "pydantic validate_json": pydantic,
    }
    times: dict[str, list[float]] = {name: [] for name in variants}
    for _ in range(args.runs):
        for name, func in variants.items():  # interleaved: noise hits all alike
            started = time.perf_counter()
            func()
            times[name].append(time.perf_counter() - started)

    def secs(name: str) -> float:
        return median(times[name])

    rows = [
        [
            name,
            args.objects / secs(name),
            secs(name) / args.objects * 1e6,
            secs(name) / secs("pydantic validate_json"),
            secs(name) / secs("orjson parse only"),
        ]
        for name in variants
    ]
    print_table(
        f"{args.objects:,} Token objects in pages of {args.page_size}, median of {args.runs} runs",
        ["variant", "objects/s", "us/object", "time vs pydantic", "time vs orjson"],
        rows,
    )
    sdk_time = secs("SDK: orjson + converter")
    vs_pydantic = sdk_time / secs("pydantic validate_json")
    vs_orjson = sdk_time / secs("orjson parse only")
    print(
        f"targets: SDK <= 1.25x pydantic's time (got {vs_pydantic:.2f}x), "
        f"<= 2x orjson parse alone (got {vs_orjson:.2f}x)"
    )


if __name__ == "__main__":
    main()

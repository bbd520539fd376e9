"""A user's code with typos a type checker must catch; ``user_fixed.py`` is its corrected twin.

Type-checked (never run) by ``test_type_check.py``: the line after each
``expect: <mypy error code> <pyright rule>`` comment must fail with that code
under ``mypy --strict`` and with that rule under pyright (strict); no other
line may fail.
"""

from __future__ import annotations

from contactflow_automizy import AutomizyClient, ContactflowClient


async def use(cf: ContactflowClient, az: AutomizyClient) -> None:
    # expect: list-item reportArgumentType
    async for automation in cf.list_automations(status=["RUNNIN"]):
        print(automation.name)
    # expect: call-arg reportCallIssue
    await cf.create_automation(nmae="Welcome")
    # expect: arg-type reportArgumentType
    await cf.create_automation(name="Welcome", status="DRAFTED")
    # expect: arg-type reportArgumentType
    await cf.search_tokens(aggregated_status="DONE").to_list()
    # expect: arg-type reportArgumentType
    await az.update_contact_status(1, "ACTIV")

"""A user's code with typos a type checker must catch; ``user_fixed.py`` is its corrected twin.

Type-checked (never run) by ``test_type_check.py``: each line marked
``# expect: <mypy error code>`` must fail with that code, and no other line may fail.
"""

from __future__ import annotations

from contactflow_automizy import AutomizyClient, ContactflowClient


async def use(cf: ContactflowClient, az: AutomizyClient) -> None:
    async for automation in cf.list_automations(status=["RUNNIN"]):  # expect: list-item
        print(automation.name)
    await cf.create_automation(nmae="Welcome")  # expect: call-arg
    await cf.create_automation(name="Welcome", status="DRAFTED")  # expect: arg-type
    await cf.search_tokens(aggregated_status="DONE").to_list()  # expect: arg-type
    await az.update_contact_status(1, "ACTIV")  # expect: arg-type

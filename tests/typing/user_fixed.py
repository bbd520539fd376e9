"""The corrected twin of ``user_typos.py``: mypy --strict and pyright must pass it."""

from __future__ import annotations

from contactflow_automizy import AutomizyClient, ContactflowClient
from contactflow_automizy.automizy.models import ContactStatus
from contactflow_automizy.contactflow.models import AutomationStatus


async def use(cf: ContactflowClient, az: AutomizyClient) -> None:
    async for automation in cf.list_automations(status=["RUNNING"]):
        print(automation.name)
    await cf.create_automation(name="Welcome")
    await cf.create_automation(name="Welcome", status="DRAFT")
    await cf.search_tokens(aggregated_status="COMPLETED").to_list()
    await az.update_contact_status(1, "ACTIVE")
    # The enums are still accepted wherever their values are.
    await cf.list_automations(status=AutomationStatus.PAUSED).to_list()
    await az.update_contact_status(1, ContactStatus.BOUNCED)

"""Every public method of both clients against the strict emulator, every optional
argument set: what the SDK puts on the wire is what the seeds document (a key the
seed does not list for the operation would be a 400 here)."""

from __future__ import annotations

import asyncio
import inspect
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from contactflow_automizy import AutomizyClient, ContactflowClient, MemoryJobStore
from contactflow_automizy.automizy.models import Criterion, FieldMapping, Scope, Search
from contactflow_automizy.contactflow.models import Customer
from contactflow_automizy.emulator import Emulator

WHEN = datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)
#: Not endpoints: lifecycle and options.
NOT_CALLS = {"close", "with_options"}


def _public(client: type) -> set[str]:
    return {
        name
        for name, _ in inspect.getmembers(client, inspect.isfunction)
        if not name.startswith("_") and name not in NOT_CALLS
    }


async def test_every_contactflow_method(
    cf: ContactflowClient, emu: Emulator, tmp_path: Path
) -> None:
    called: set[str] = set()

    def did(name: str) -> None:
        called.add(name)

    await cf.get_current_user(), did("get_current_user")
    await cf.get_actions(), did("get_actions")
    node = await cf.create_node(
        uuid=str(uuid.uuid4()),
        name="n",
        workspace_uuid=str(uuid.uuid4()),
        workspace_name="w",
        portfolio_uuid=str(uuid.uuid4()),
        portfolio_name="p",
        group_pk=1,
        userdb_id=2,
        group_name="g",
        active=True,
        email_active=True,
        sms_active=False,
        created=WHEN,
        hub_phone_field="phone",
    )
    did("create_node")
    assert node.uuid is not None
    await cf.list_nodes(
        portfolio_uuid=node.portfolio_uuid, workspace_uuid=node.workspace_uuid, page_size=5
    ).to_list()
    did("list_nodes")
    await cf.get_node(node.uuid), did("get_node")
    (
        await cf.update_node(
            node.uuid, True, sms_active=True, email_active=False, hub_phone_field="x"
        ),
        did("update_node"),
    )
    await cf.delete_node(node.uuid), did("delete_node")

    setting = await cf.create_setting(
        uuid=str(uuid.uuid4()), label="l", category="INTEGRATION", type="HUB", value={"a": 1}
    )
    did("create_setting")
    assert setting.uuid is not None
    await cf.list_settings(category="INTEGRATION", type="CLAB_API_SOAP"), did("list_settings")
    await cf.get_setting(setting.uuid), did("get_setting")
    await cf.update_setting(setting.uuid, label="m", category="INTEGRATION"), did("update_setting")
    await cf.delete_setting(setting.uuid), did("delete_setting")

    step = {"type": "ACTION", "operation": "CLAB_CAMPAIGN", "description": "d"}
    automation = await cf.create_automation(
        uuid=str(uuid.uuid4()),
        name="a",
        category="Custom",
        author="me",
        start_date=WHEN,
        timezone="Europe/Rome",
        status="PAUSED",
        created=WHEN,
        created_by="me",
        description="d",
        end_date=WHEN,
        unique_token=True,
        remove_action_primary=False,
        source_description="s",
        trigger_events=[],
        steps=[step],
        connections=[],
        statistics={},
    )
    did("create_automation")
    key = automation.uuid
    assert key is not None
    fetched = await cf.get_automation(key)
    did("get_automation")
    (
        await cf.update_automation(key, fetched, remove_expired_customers=True),
        did("update_automation"),
    )
    (
        await cf.update_automation_status(key, "RUNNING", name="b", remove_expired_customers=True),
        did("update_automation_status"),
    )
    common: dict[str, Any] = {
        "name": "b",
        "description": "d",
        "status": ["RUNNING", "PAUSED"],
        "category": ["Custom"],
        "start_date_before": WHEN,
        "start_date_after": WHEN,
        "end_date_before": WHEN,
        "end_date_after": WHEN,
        "created_before": WHEN,
        "created_after": WHEN,
        "step_type": "CLAB_CAMPAIGN",
        "has_trigger": True,
    }
    await cf.list_automations(style="compact", page_size=3, **common).to_list()
    did("list_automations")
    report = {**common, "automation_uuid": key, "filename": "r"}
    await cf.download_automations_report(tmp_path / "a.csv", **report)
    did("download_automations_report")
    assert [row async for row in cf.iter_automations_report(**report)] == []
    did("iter_automations_report")
    feedbacks = await cf.get_automation_feedbacks(key)
    did("get_automation_feedbacks")
    step_uuid = feedbacks.steps[0].uuid
    assert step_uuid is not None
    await cf.get_step_feedbacks(key, step_uuid), did("get_step_feedbacks")
    await cf.get_automation_categories(), did("get_automation_categories")
    with pytest.warns(DeprecationWarning):
        await cf.get_automation_categories_deprecated()
    did("get_automation_categories_deprecated")

    # A model: ``automation_uuid=`` as a keyword field would clash with the parameter.
    customer = await cf.add_customer(
        key,
        Customer(
            uuid=str(uuid.uuid4()),
            user_pk="pk",
            clab_uuid=str(uuid.uuid4()),
            attributes={"email": "c@example.com"},
            automation_uuid=key,
            automation_name="b",
        ),
    )
    did("add_customer")
    assert customer.uuid is not None
    source = str(uuid.uuid4())
    batch = [{"userPk": "b1", "attributes": {"email": "b1@example.com"}}]
    await cf.add_customer_batch(
        key, batch, "FIRST", source, source_label="s", notification={"email": "n@example.com"}
    )
    did("add_customer_batch")
    await cf.delete_customer_batch(key, source), did("delete_customer_batch")
    pushed = await cf.push_customers(
        key,
        batch * 3,
        packet_size=2,
        concurrency=2,
        source_label="p",
        source_uuid=str(uuid.uuid4()),
        notification={"email": "n@example.com"},
    )
    did("push_customers")
    assert pushed.customers == 3
    jobs = MemoryJobStore(lease_ttl=0.1)
    await jobs.claim("crashed", kind="push_customers", target=key, owner="killed")
    left_open = str(uuid.uuid4())
    await jobs.start_attempt("crashed", owner="killed", source_uuid=left_open)
    await cf.add_customer_batch(key, batch, "FIRST", left_open)
    await asyncio.sleep(0.2)  # the crashed run's lease expires
    as_job = await cf.push_customers(key, batch * 3, packet_size=2, job_id="strict", job_store=jobs)
    assert as_job.customers == 3
    cleaned = await cf.cleanup_jobs(job_store=jobs)
    did("cleanup_jobs")
    assert [c.job_id for c in cleaned] == ["crashed"]
    tokens = await cf.search_tokens(
        automation_uuid=key,
        step_uuid=step_uuid,
        clab_uuid=customer.clab_uuid,
        recipient="c@example.com",
        aggregated_status="RUNNING",
        style="full",
        sort="recipient",
        page_size=5,
    ).to_list()
    did("search_tokens")
    assert [t.user_pk for t in tokens] == ["pk"] and tokens[0].uuid is not None
    await cf.get_token(tokens[0].uuid), did("get_token")
    token_report = {
        "automation_uuid": key,
        "step_uuid": step_uuid,
        "clab_uuid": customer.clab_uuid,
        "recipient": "c@example.com",
        "aggregated_status": "RUNNING",
        "filename": "t",
    }
    await cf.download_tokens_report(tmp_path / "t.zip", **token_report)
    did("download_tokens_report")
    assert len([row async for row in cf.iter_tokens_report(**token_report)]) == 1
    did("iter_tokens_report")
    await cf.delete_customer(key, customer.uuid), did("delete_customer")
    await cf.delete_automation(key), did("delete_automation")

    await cf.get_email_designer_config(), did("get_email_designer_config")
    await cf.list_mail_models(), did("list_mail_models")
    await cf.list_sms_models(), did("list_sms_models")
    await cf.list_pagebuilder_templates(page_size=1).to_list(), did("list_pagebuilder_templates")
    await cf.list_pagebuilder_pages(1, page_size=1).to_list(), did("list_pagebuilder_pages")
    await cf.get_pagebuilder_page(1, 1), did("get_pagebuilder_page")
    await cf.send_test_email(
        model_identifier=1,
        sender_name="s",
        sender_email="s@example.com",
        sender_reply_to="r@example.com",
        subject="hi",
        html_content="<p>hi</p>",
        text_content="hi",
        custom_ref="ref",
        email="qa@example.com",
        attributes=[{"name": "x", "value": "y"}],
    )
    did("send_test_email")
    await cf.list_send_subscriptions(), did("list_send_subscriptions")
    await cf.list_node_kpis(page_size=2).to_list(), did("list_node_kpis")
    await cf.get_trigger_event_definitions(), did("get_trigger_event_definitions")
    await cf.get_event_context_definitions(), did("get_event_context_definitions")
    await cf.get_customer_definitions(), did("get_customer_definitions")
    assert called == _public(ContactflowClient)


async def test_every_automizy_method(az: AutomizyClient, emu: Emulator, tmp_path: Path) -> None:
    called: set[str] = set()

    def did(name: str) -> None:
        called.add(name)

    target = await az.create_list("L")
    did("create_list")
    assert target.id is not None
    await az.get_list(target.id), did("get_list")
    await az.list_lists(page_size=2).to_list(), did("list_lists")
    await az.update_list(target.id, "M"), did("update_list")
    field = await az.create_field(
        "score", "Score", "INTEGER", default_value="0", is_shown_on_modification_form=True
    )
    did("create_field")
    assert field.id is not None
    await az.get_field(field.id), did("get_field")
    await az.list_fields(hidden=False, page_size=2).to_list(), did("list_fields")
    await az.update_field(
        field.id,
        merge_tag="points",
        label="Points",
        default_value="1",
        is_shown_on_modification_form=False,
    )
    did("update_field")
    tag = await az.create_tag("t")
    did("create_tag")
    assert tag.id is not None
    await az.get_tag(tag.id), did("get_tag")
    await az.list_tags(page_size=2).to_list(), did("list_tags")
    await az.update_tag(tag.id, "u"), did("update_tag")

    contact = await az.create_contact("ann@example.com", target.id, {field.id: 5})
    did("create_contact")
    await az.get_contact(contact), did("get_contact")
    await az.update_contact_status(contact, "BOUNCED"), did("update_contact_status")
    await az.update_contact_email(contact, "anna@example.com"), did("update_contact_email")
    await az.update_contact_tags(contact, ["u", "v"]), did("update_contact_tags")
    await az.update_contact_field(contact, field.id, WHEN), did("update_contact_field")
    scope = Scope(
        list_id=target.id, search=Search(operator="IN", value="anna"), contact_status="BOUNCED"
    )
    found = await az.search_contacts(
        scope,
        [[Criterion(type="FIELD", operator="IN", field_id=field.id, value="2030")]],
        page_size=2,
    ).to_list()
    did("search_contacts")
    assert [c.id for c in found] == [contact]
    assert (
        await az.list_contacts_in_list(
            target.id,
            search=Search(operator="IN", value="anna"),
            contact_status="BOUNCED",
            criterion=[Criterion(type="TAG", operator="IN", value=tag.id)],
            page_size=2,
        ).to_list()
        == found
    )
    did("list_contacts_in_list")

    csv_file = tmp_path / "contacts.csv"
    csv_file.write_text("email,points\nbob@example.com,3\n")
    analysis = await az.analyze_import(csv_file, filename="contacts.csv")
    did("analyze_import")
    assert analysis.import_id is not None
    await az.process_import(
        analysis.import_id,
        [target.id],
        [
            FieldMapping(field_id=None, header_name="email", ignore=False),
            FieldMapping(field_id=field.id, header_name="points", ignore=False),
        ],
        overwrite=True,
        add_contact_tag_ids=[tag.id],
        remove_contact_tag_ids=[tag.id],
        notification_email="n@example.com",
    )
    did("process_import")
    result = await az.import_csv(
        csv_file,
        list_ids=[target.id],
        overwrite=True,
        add_tag_ids=[tag.id],
        remove_tag_ids=(),
        notification_email="n@example.com",
    )
    did("import_csv")
    assert [m.header_name for m in result.mapping] == ["email", "points"]
    assert emu.state.contact_by_email("bob@example.com") is not None

    await az.delete_contact(contact), did("delete_contact")
    await az.delete_tag(tag.id), did("delete_tag")
    await az.delete_field(field.id), did("delete_field")
    await az.delete_list(target.id), did("delete_list")
    assert called == _public(AutomizyClient)

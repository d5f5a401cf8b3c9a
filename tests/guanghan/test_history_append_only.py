"""The history is evidence (等保 audit trail): every pghistory event table refuses UPDATE and DELETE in the database,
and no application code switches the triggers off."""

import re
from pathlib import Path

import pghistory
import pghistory.models
import pytest
from django.apps import apps
from django.db import IntegrityError, InternalError, connection, transaction

from tests.factories import MemberFactory

ROOT = Path(__file__).resolve().parents[2]
APPS = ["guanghan", "members", "projects", "funding", "supervision", "evaluation", "dashboard", "administration"]


def event_models():
    return [
        model
        for model in apps.get_models()
        if issubclass(model, pghistory.models.Event) and model._meta.app_label in APPS
    ]


def test_every_event_table_has_the_append_only_trigger(db):
    models = event_models()
    assert len(models) > 40  # every tracked model of every app
    with connection.cursor() as cursor:
        cursor.execute("SELECT tgrelid::regclass::text FROM pg_trigger WHERE tgname LIKE 'pgtrigger_append_only_%%'")
        protected = {row[0].strip('"') for row in cursor.fetchall()}
    missing = [m._meta.db_table for m in models if m._meta.db_table not in protected]
    assert missing == []


@pytest.mark.parametrize("statement", ["UPDATE {table} SET pgh_label = 'forged'", "DELETE FROM {table}"])
def test_changing_or_deleting_history_fails_in_the_database(db, village, statement):
    member = MemberFactory(village=village)
    member.name = "改名"
    member.save()
    table = apps.get_model("members", "MemberEvent")._meta.db_table
    assert apps.get_model("members", "MemberEvent").objects.filter(pgh_obj=member).count() == 2
    with pytest.raises((InternalError, IntegrityError)), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement.format(table=table))
    assert apps.get_model("members", "MemberEvent").objects.filter(pgh_obj=member).count() == 2


def test_no_application_code_switches_tracking_or_triggers_off():
    forbidden = re.compile(r"pgtrigger\.(ignore|disable|uninstall|prune)|DISABLE TRIGGER|session_replication_role")
    offenders = []
    for app in APPS:
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            if forbidden.search(path.read_text(encoding="utf-8")):
                offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []


def test_the_who_of_the_history_cannot_be_deleted_or_replaced(client, org_staff, town_staff, village):
    from django.urls import reverse

    from tests.members.test_masked_edit import post

    client.force_login(org_staff)
    member = MemberFactory(village=village, phone="13812345678")
    assert post(client, member, name="改名").status_code == 302
    context = apps.get_model("members", "MemberEvent").objects.filter(pgh_obj=member).latest("pgh_id").pgh_context
    assert context.metadata["user"] == org_staff.pk
    Context = pghistory.models.Context
    for change in (
        lambda: Context.objects.filter(pk=context.pk).delete(),
        lambda: Context.objects.filter(pk=context.pk).update(metadata={**context.metadata, "user": town_staff.pk}),
        lambda: Context.objects.filter(pk=context.pk).update(metadata={"url": "/"}),
    ):
        with pytest.raises(InternalError), transaction.atomic():
            change()
    # What pghistory does within a request still works: it adds keys to the context it is writing.
    Context.objects.filter(pk=context.pk).update(metadata={**context.metadata, "import_batch": 7})
    assert client.get(reverse("members:member-detail", args=[member.pk])).status_code == 200


def test_history_is_written_once_per_statement_with_an_event_for_every_row(db, village, org_staff):
    """The history triggers are statement-level (settings.PGHISTORY_LEVEL): a bulk write costs one history INSERT
    from its transition table instead of one trigger call per row, and still leaves one event per row, each under
    the request's context."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tgrelid::regclass::text, tgname FROM pg_trigger "
            "WHERE NOT tgisinternal AND tgname ~ '^pgtrigger_(insert_insert|update_update|delete_delete|add_insert|"
            "remove_delete)_' AND tgtype & 1 = 1"
        )
        row_level = cursor.fetchall()
    assert row_level == []

    member_event = apps.get_model("members", "MemberEvent")
    members = MemberFactory.create_batch(3, village=village)
    with pghistory.context(user=org_staff.pk, url="/bulk/"):
        updated = type(members[0]).objects.filter(pk__in=[m.pk for m in members]).update(notes="批量更新")
    assert updated == 3
    events = member_event.objects.filter(pgh_obj__in=members, pgh_label="update").select_related("pgh_context")
    assert sorted(e.pgh_obj_id for e in events) == sorted(m.pk for m in members)
    assert {e.notes for e in events} == {"批量更新"}
    assert {e.pgh_context.metadata["user"] for e in events} == {org_staff.pk}

    # A statement that changes nothing leaves no event (the update condition compares old and new rows).
    type(members[0]).objects.filter(pk__in=[m.pk for m in members]).update(notes="批量更新")
    assert member_event.objects.filter(pgh_obj__in=members, pgh_label="update").count() == 3

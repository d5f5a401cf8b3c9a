"""The history is evidence (等保 audit trail): every pghistory event table refuses UPDATE and DELETE in the database,
and no application code switches the triggers off."""

import re
from pathlib import Path

import pghistory.models
import pytest
from django.apps import apps
from django.db import IntegrityError, InternalError, connection, transaction

from tests.factories import MemberFactory

ROOT = Path(__file__).resolve().parents[2]
APPS = ["guanghan", "members", "projects", "funding", "supervision", "evaluation", "dashboard"]


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

"""No exported cell is ever a formula: every .xlsx the app serves, with hostile text stored in every text field.

The world of the permission matrix (one object of every kind) is built, then every free-text column of every model is
overwritten with text Excel would run (=HYPERLINK(…), +…, -…, @…). Every URL organisation staff may GET is then
fetched with ?format=xlsx; each answer that is a workbook must hold no formula cell and no text starting with "=".
"""

import io
import itertools

import pytest
from django.apps import apps
from django.db import DatabaseError, models, transaction
from django.db.models.functions import Cast, Concat, Left
from openpyxl import load_workbook

from guanghan.lib.excel import XLSX
from tests.permission_matrix import TABLE
from tests.test_permission_matrix import _url, build_world

pytestmark = pytest.mark.django_db

APPS = ("guanghan", "members", "projects", "funding", "supervision", "evaluation")
KEPT = {"password", "username", "id_number", "phone", "sha256", "code", "email", "idempotency_key", "key"}
HOSTILE = ('=HYPERLINK("http://evil.example","点我")', "+1+cmd|' /C calc'!A0", "-2+3+cmd|'", "@SUM(1+1)")
EXPORTS = {
    "members:member-export",
    "members:notice-list",
    "members:roster-template",
    "projects:project-list",
    "projects:household-pairing-list",
    "projects:project-import-template",
    "projects:pairs-import-template",
    "funding:account-ledger",
    "funding:contribution-list",
    "funding:disbursement-list",
    "funding:loan-list",
    "funding:report",
    "dashboard:summary",
    "evaluation:agreement-list",
    "evaluation:table",
}


def poison() -> int:
    """Overwrite every free-text column with formula-like text (a column that refuses it keeps its value)."""
    changed = 0
    prefixes = itertools.cycle(HOSTILE)
    for model in apps.get_models():
        if model._meta.app_label not in APPS or model._meta.proxy or not model._meta.managed:
            continue
        if any(f.name == "pgh_id" for f in model._meta.fields):  # history events are append-only
            continue
        for field in model._meta.fields:
            if not isinstance(field, models.CharField | models.TextField) or field.choices or field.primary_key:
                continue
            if field.name in KEPT:
                continue
            text = Concat(models.Value(next(prefixes)), Cast("pk", models.CharField()))
            value = Left(text, field.max_length) if field.max_length else text
            try:
                with transaction.atomic():
                    changed += model.objects.update(**{field.attname: value})
            except DatabaseError:
                continue
    return changed


def cells(workbook):
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            yield from row


def test_no_exported_cell_is_a_formula_even_with_hostile_names(client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    users, objects = build_world()
    assert poison() > 0
    client.force_login(users["org_staff"])

    exported, escaped, problems = set(), 0, []
    for name, entry in TABLE.items():
        if not entry.get or entry.get.get("org_staff") != 200:
            continue
        response = client.get(_url(name, "inside", objects), {"format": "xlsx"})
        if not response.get("Content-Type", "").startswith(XLSX):
            continue
        exported.add(name)
        for cell in cells(load_workbook(io.BytesIO(response.content))):
            if cell.data_type == "f" or (isinstance(cell.value, str) and cell.value.startswith("=")):
                problems.append(f"{name} {cell.parent.title}!{cell.coordinate}: {cell.value!r}")
            elif isinstance(cell.value, str) and cell.value.startswith("'="):
                escaped += 1

    assert not problems, "\n".join(problems)
    assert exported >= EXPORTS, f"exports not reached: {sorted(EXPORTS - exported)}"
    assert escaped > 0  # the hostile names did reach the files, written as text

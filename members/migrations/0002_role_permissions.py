"""What each role may do in the registry (view is scoped by access.py; these say who may write)."""

from django.db import migrations

from guanghan.lib.role_grants import grant_permissions

VIEW = ["view_member", "view_survey", "view_statuschange", "view_lifting", "view_importbatch"]
WRITE = [
    "add_member",
    "change_member",
    "add_survey",
    "add_statuschange",
    "add_lifting",
    "change_lifting",
    "add_importbatch",
]
GRANTS = {
    "org_staff": VIEW + WRITE,
    "town_staff": VIEW + WRITE,
    "liaison": VIEW,
    "dept_staff": VIEW,
    "leader": VIEW,
}


def grant(apps, schema_editor):
    grant_permissions(apps, "members", GRANTS)


class Migration(migrations.Migration):
    dependencies = [("members", "0001_initial"), ("guanghan", "0003_roles")]
    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]

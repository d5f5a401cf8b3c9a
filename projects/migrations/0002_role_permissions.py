"""Who may do what with projects and pairs (scope is access.py's; these say who may write)."""

from django.db import migrations

from guanghan.lib.role_grants import grant_permissions

VIEW = ["view_project", "view_enrollment", "view_villagepairing", "view_householdpairing"]
GRANTS = {
    "org_staff": [
        *VIEW,
        "add_project",
        "change_project",
        "add_enrollment",
        "change_enrollment",
        "add_villagepairing",
        "change_villagepairing",
        "add_householdpairing",
        "change_householdpairing",
    ],
    "town_staff": [*VIEW, "add_project", "change_project", "add_enrollment", "change_enrollment"],
    "dept_staff": [
        *VIEW,
        "add_project",
        "change_project",
        "add_enrollment",
        "change_enrollment",
        "add_householdpairing",
        "change_householdpairing",
    ],
    "liaison": VIEW,
    "leader": VIEW,
}


def grant(apps, schema_editor):
    grant_permissions(apps, "projects", GRANTS)


class Migration(migrations.Migration):
    dependencies = [("projects", "0001_initial"), ("guanghan", "0003_roles")]
    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]

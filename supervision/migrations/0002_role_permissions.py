"""Who may log visits, answer for rectifications and enter questionnaires (scope is access.py's)."""

from django.db import migrations

from guanghan.lib.role_grants import grant_permissions

VIEW = [
    "view_liaisonofficer",
    "view_assignment",
    "view_visit",
    "view_visitphoto",
    "view_rectification",
    "view_rectificationstep",
    "view_questionnaire",
    "view_response",
]
FIELD = ["add_visit", "add_visitphoto", "add_rectification", "add_questionnaire", "add_response"]
GRANTS = {
    "org_staff": [
        *VIEW,
        *FIELD,
        "change_rectification",
        "add_liaisonofficer",
        "change_liaisonofficer",
        "add_assignment",
        "change_assignment",
    ],
    # Liaison officers log visits and questionnaires and report what their villages have put right.
    "liaison": [*VIEW, *FIELD, "change_rectification"],
    # Owners of rectifications: town staff for their villages, department staff for their department's.
    "town_staff": [*VIEW, "change_rectification"],
    "dept_staff": [*VIEW, "change_rectification"],
    "leader": VIEW,
}


def grant(apps, schema_editor):
    grant_permissions(apps, "supervision", GRANTS)


class Migration(migrations.Migration):
    dependencies = [("supervision", "0001_visits_and_rectifications"), ("guanghan", "0003_roles")]
    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]

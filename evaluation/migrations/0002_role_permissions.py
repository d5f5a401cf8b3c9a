"""Who may score and close the assessment, and who records agreements (scope is access.py's)."""

from django.db import migrations

from guanghan.lib.role_grants import grant_permissions

VIEW = ["view_agreement", "view_assessmentyear", "view_block", "view_ruleband", "view_score", "view_result"]
GRANTS = {
    "org_staff": [
        *VIEW,
        "view_yearevent",
        "add_agreement",
        "change_agreement",
        "add_assessmentyear",
        "change_assessmentyear",
        "add_block",
        "change_block",
        "add_ruleband",
        "change_ruleband",
        "delete_ruleband",
        "change_score",
        "add_yearevent",
    ],
    # A department records its own agreements (with the signed document) and reads its own scores.
    "dept_staff": [*VIEW, "add_agreement", "change_agreement"],
    "town_staff": ["view_agreement"],
    "liaison": ["view_agreement"],
    "leader": [*VIEW, "view_yearevent"],
}


def grant(apps, schema_editor):
    grant_permissions(apps, "evaluation", GRANTS)


class Migration(migrations.Migration):
    dependencies = [("evaluation", "0001_assessment"), ("guanghan", "0003_roles")]
    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]

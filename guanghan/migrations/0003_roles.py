"""The five roles of DOMAIN.md as Django groups, with what each may do on the directory.

Later apps grant their own models' permissions to these groups in their own migrations.
"""

from django.db import migrations

from guanghan.lib.role_grants import grant_permissions

DIRECTORY = ["town", "village", "department", "partybranch", "association", "cadre"]
LOOKUPS = ["povertycause", "skill", "industry"]

GRANTS = {
    "org_staff": [f"{action}_{model}" for model in DIRECTORY for action in ("view", "add", "change")]
    + [f"view_{model}" for model in LOOKUPS],
    "town_staff": [f"view_{model}" for model in [*DIRECTORY, *LOOKUPS]],
    "liaison": [f"view_{model}" for model in [*DIRECTORY, *LOOKUPS]],
    "dept_staff": [f"view_{model}" for model in [*DIRECTORY, *LOOKUPS]] + ["change_cadre", "add_cadre"],
    "leader": [f"view_{model}" for model in [*DIRECTORY, *LOOKUPS]],
}


def create_roles(apps, schema_editor):
    grant_permissions(apps, "guanghan", GRANTS)


class Migration(migrations.Migration):
    dependencies = [
        ("guanghan", "0002_lookups"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]
    operations = [migrations.RunPython(create_roles, migrations.RunPython.noop)]

"""The five roles of DOMAIN.md as Django groups, with what each may do on the directory.

Later apps grant their own models' permissions to these groups in their own migrations.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

ROLES = ["org_staff", "town_staff", "liaison", "dept_staff", "leader"]
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
    # Permissions are normally created after all migrations; create this app's now so they can be granted.
    app_config = apps.get_app_config("guanghan")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role in ROLES:
        group, _ = Group.objects.get_or_create(name=role)
        codenames = GRANTS[role]
        perms = Permission.objects.filter(content_type__app_label="guanghan", codename__in=codenames)
        missing = set(codenames) - set(perms.values_list("codename", flat=True))
        if missing:
            raise RuntimeError(f"permissions missing for {role}: {sorted(missing)}")
        group.permissions.add(*perms)


class Migration(migrations.Migration):
    dependencies = [
        ("guanghan", "0002_lookups"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]
    operations = [migrations.RunPython(create_roles, migrations.RunPython.noop)]

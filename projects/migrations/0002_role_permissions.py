"""Who may do what with projects and pairs (scope is access.py's; these say who may write)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

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
    app_config = apps.get_app_config("projects")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, codenames in GRANTS.items():
        group, _ = Group.objects.get_or_create(name=role)
        perms = Permission.objects.filter(content_type__app_label="projects", codename__in=codenames)
        missing = set(codenames) - set(perms.values_list("codename", flat=True))
        if missing:
            raise RuntimeError(f"permissions missing for {role}: {sorted(missing)}")
        group.permissions.add(*perms)


class Migration(migrations.Migration):
    dependencies = [("projects", "0001_initial"), ("guanghan", "0003_roles")]
    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]

"""What each role may do in the registry (view is scoped by access.py; these say who may write)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

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
    app_config = apps.get_app_config("members")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, codenames in GRANTS.items():
        group, _ = Group.objects.get_or_create(name=role)
        perms = Permission.objects.filter(content_type__app_label="members", codename__in=codenames)
        missing = set(codenames) - set(perms.values_list("codename", flat=True))
        if missing:
            raise RuntimeError(f"permissions missing for {role}: {sorted(missing)}")
        group.permissions.add(*perms)


class Migration(migrations.Migration):
    dependencies = [("members", "0001_initial"), ("guanghan", "0003_roles")]
    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]

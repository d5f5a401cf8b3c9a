"""Granting a role's permissions from a data migration (each app's migrations say what its models allow)."""

from django.contrib.auth.management import create_permissions


def grant_permissions(apps, app_label: str, grants: dict[str, list[str]]) -> None:
    """Give each role (group) the listed permissions of `app_label`, creating the group if needed.

    Permissions are normally created after all migrations have run; this creates the app's now, so they can be
    granted in the same migrate. A codename that does not exist stops the migration.
    """
    app_config = apps.get_app_config(app_label)
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, codenames in grants.items():
        group, _ = Group.objects.get_or_create(name=role)
        perms = Permission.objects.filter(content_type__app_label=app_label, codename__in=codenames)
        missing = set(codenames) - set(perms.values_list("codename", flat=True))
        if missing:
            raise RuntimeError(f"permissions missing for {role}: {sorted(missing)}")
        group.permissions.add(*perms)

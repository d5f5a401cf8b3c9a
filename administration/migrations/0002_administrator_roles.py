"""The three administrators of 三权分立 as groups, and the database's refusal to let one of them hold another role.

A trigger on the user–group link (guanghan_user_groups) refuses a link that would give an account an administrator
role together with any other role, whoever writes it (the pages, the admin site, a shell). It takes an advisory lock
per user, so two concurrent requests cannot each add one half of a forbidden pair.
"""

from django.db import migrations

from guanghan.lib.role_grants import grant_permissions

GRANTS = {"sys_admin": [], "security_admin": [], "auditor": ["view_adminaction"]}
ADMIN_ROLES = "ARRAY['sys_admin', 'security_admin', 'auditor']"

CREATE = f"""
CREATE OR REPLACE FUNCTION guanghan_admin_role_alone() RETURNS trigger AS $$
DECLARE
    new_role text;
    clash text;
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('guanghan_user_groups'), NEW.user_id::integer);
    SELECT name INTO new_role FROM auth_group WHERE id = NEW.group_id;
    SELECT g.name INTO clash
      FROM guanghan_user_groups ug JOIN auth_group g ON g.id = ug.group_id
     WHERE ug.user_id = NEW.user_id AND ug.group_id <> NEW.group_id
       AND (g.name = ANY({ADMIN_ROLES}) OR new_role = ANY({ADMIN_ROLES}))
     LIMIT 1;
    IF clash IS NOT NULL THEN
        RAISE EXCEPTION '三权分立：系统管理员、安全管理员、审计管理员不能兼任其他角色（用户 %：已有 %，又加 %）',
            NEW.user_id, clash, new_role USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END
$$ LANGUAGE plpgsql;
CREATE TRIGGER admin_role_alone BEFORE INSERT OR UPDATE ON guanghan_user_groups
    FOR EACH ROW EXECUTE FUNCTION guanghan_admin_role_alone();
"""
DROP = """
DROP TRIGGER IF EXISTS admin_role_alone ON guanghan_user_groups;
DROP FUNCTION IF EXISTS guanghan_admin_role_alone();
"""


def create_roles(apps, schema_editor):
    grant_permissions(apps, "administration", GRANTS)


class Migration(migrations.Migration):
    dependencies = [
        ("administration", "0001_initial"),
        ("guanghan", "0009_user_role_history"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]
    operations = [
        migrations.RunPython(create_roles, migrations.RunPython.noop),
        migrations.RunSQL(CREATE, DROP),
    ]

"""The who of the history: django-pghistory's context rows (user, URL, address of the request behind each change)
cannot be deleted, and once a context names a user it keeps that user.

pghistory itself updates a context row during its request (it merges keys into the metadata as the request goes on,
and names the user when a login sets it), so the table cannot be append-only like the event tables; this trigger
refuses what pghistory never does: deleting a row, changing its id or creation time, or replacing the user it names.
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION guanghan_history_context_guard() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION '审计记录的操作人信息不能删除（pghistory_context %）', OLD.id;
    END IF;
    IF NEW.id <> OLD.id OR NEW.created_at <> OLD.created_at
       OR (OLD.metadata ? 'user' AND OLD.metadata->'user' <> 'null'::jsonb) THEN
        RAISE EXCEPTION '审计记录的操作人信息不能改写（pghistory_context %）', OLD.id;
    END IF;
    RETURN NEW;
END
$$ LANGUAGE plpgsql;
-- pghistory upserts the context row at every event of a request: the WHEN clause keeps the function out of those
-- updates unless the id, the creation time or the user would change.
CREATE TRIGGER history_context_guard_update BEFORE UPDATE ON pghistory_context FOR EACH ROW
    WHEN (NEW.id IS DISTINCT FROM OLD.id OR NEW.created_at IS DISTINCT FROM OLD.created_at
          OR NEW.metadata->'user' IS DISTINCT FROM OLD.metadata->'user')
    EXECUTE FUNCTION guanghan_history_context_guard();
CREATE TRIGGER history_context_guard_delete BEFORE DELETE ON pghistory_context FOR EACH ROW
    EXECUTE FUNCTION guanghan_history_context_guard();
"""
DROP = """
DROP TRIGGER IF EXISTS history_context_guard_update ON pghistory_context;
DROP TRIGGER IF EXISTS history_context_guard_delete ON pghistory_context;
DROP FUNCTION IF EXISTS guanghan_history_context_guard();
"""


class Migration(migrations.Migration):
    dependencies = [("guanghan", "0010_history_time_index"), ("pghistory", "0001_initial")]
    operations = [migrations.RunSQL(CREATE, DROP)]

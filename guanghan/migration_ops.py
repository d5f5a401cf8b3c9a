"""Migration operations of our own."""

from django.db import migrations
from django.db.migrations.operations.base import Operation


def drop_single_column_indexes(pairs: list[tuple[str, str]]) -> migrations.RunSQL:
    """Drop the single-column, non-unique indexes on these (table, column) pairs, whatever their names, in one
    statement; the reverse creates them again."""
    listed = ", ".join(f"('{table}', '{column}')" for table, column in pairs)
    drop = (
        "DO $$ DECLARE found record; BEGIN FOR found IN SELECT i.indexrelid::regclass AS name FROM pg_index i "
        "JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0] WHERE i.indnatts = 1 "
        f"AND NOT i.indisunique AND (i.indrelid::regclass::text, a.attname::text) IN ({listed}) "
        "LOOP EXECUTE 'DROP INDEX ' || found.name; END LOOP; END $$"
    )
    return migrations.RunSQL(drop, reverse_sql=[f'CREATE INDEX ON "{table}" ("{column}")' for table, column in pairs])


class AlterFieldsAtOnce(Operation):
    """Several AlterField state changes with one re-render of the project state at the end.

    Each AlterField of a relation re-renders the model and every model related to it; for the history tables' 130
    copied foreign keys (migrations *_history_fk_columns_unindexed) that was about 25 s of every test database's
    creation. The database side of such a change is written separately (SeparateDatabaseAndState)."""

    reversible = True

    def __init__(self, alterations):
        self.alterations = alterations  # AlterField operations

    def deconstruct(self):
        return self.__class__.__qualname__, [self.alterations], {}

    def state_forwards(self, app_label, state):
        keys = set()
        for alteration in self.alterations:
            key = (app_label, alteration.model_name_lower)
            fields = state.models[key].fields
            old = fields.pop(alteration.name)
            if state._relations is not None and old.is_relation:
                state.resolve_model_field_relations(key, alteration.name, old)
            fields[alteration.name] = alteration.field
            if state._relations is not None and alteration.field.is_relation:
                state.resolve_model_field_relations(key, alteration.name, alteration.field)
            keys.add(key)
        state.reload_models(sorted(keys), delay=False)

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        pass

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        pass

    def describe(self):
        return f"Alter {len(self.alterations)} fields at once"


def unindex_history_fields(
    state_operations: list, unindexed: list[tuple[str, str]]
) -> migrations.SeparateDatabaseAndState:
    """The operations Django wrote for history fields that lose their index (AlterField, and AddIndex for the columns
    that keep one), applied as one state change and one SQL statement (drop_single_column_indexes): one AlterField per
    field renders the whole project state each time, about 25 s of every test database's creation for 130 fields."""
    altered = [op for op in state_operations if isinstance(op, migrations.AlterField)]
    others = [op for op in state_operations if not isinstance(op, migrations.AlterField)]
    return migrations.SeparateDatabaseAndState(
        database_operations=[
            drop_single_column_indexes(unindexed),
            *[op for op in others if isinstance(op, migrations.AddIndex)],
        ],
        state_operations=[AlterFieldsAtOnce(altered), *others],
    )

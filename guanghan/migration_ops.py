"""Migration operations of our own."""

from django.db.migrations.operations.base import Operation


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

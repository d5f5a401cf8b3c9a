"""Load the lookup lists (致贫原因, 生存技能, 产业) from fixtures/; re-running updates names and order by code."""

import json

from django.conf import settings
from django.db import migrations

LOOKUPS = {
    "PovertyCause": "poverty_causes.json",
    "Skill": "skills.json",
    "Industry": "industries.json",
}


def load(apps, schema_editor):
    for model_name, filename in LOOKUPS.items():
        model = apps.get_model("guanghan", model_name)
        rows = json.loads((settings.BASE_DIR / "fixtures" / filename).read_text(encoding="utf-8"))
        for row in rows:
            model.objects.update_or_create(code=row["code"], defaults={"name": row["name"], "order": row["order"]})


class Migration(migrations.Migration):
    dependencies = [("guanghan", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]

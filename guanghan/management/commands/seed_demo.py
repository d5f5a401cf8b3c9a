import importlib
import importlib.util

from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import connection

# The project's own apps, lowest layer first: each app's demo data may use what the ones below it made.
LAYERS = ["guanghan", "members", "projects", "funding", "supervision", "evaluation"]


class Command(BaseCommand):
    help = "Load realistic, deterministic demo data for Guanghan in 2016 (running it twice changes nothing)."

    def handle(self, *args, **options):
        for label in LAYERS:
            module_name = f"{apps.get_app_config(label).name}.demo"
            if importlib.util.find_spec(module_name) is None:
                continue
            importlib.import_module(module_name).seed(log=lambda line: self.stdout.write(f"  {line}"))
            analyze(label)
        self.stdout.write(self.style.SUCCESS("演示数据已就绪。"))


def analyze(label: str) -> None:
    """Refresh the planner's statistics of the tables an app's demo just filled, so the next layers' queries (which
    read them by the thousand) are planned for their real size, not for the empty tables of a new database. Inside
    the seed's transaction too: ANALYZE sees the transaction's own rows."""
    models = apps.get_app_config(label).get_models(include_auto_created=True)
    tables = sorted({model._meta.db_table for model in models if not model._meta.proxy and model._meta.managed})
    if tables:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE " + ", ".join(connection.ops.quote_name(t) for t in tables))

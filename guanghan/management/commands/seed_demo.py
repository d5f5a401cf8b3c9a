import importlib
import importlib.util

from django.apps import apps
from django.core.management.base import BaseCommand

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
        self.stdout.write(self.style.SUCCESS("演示数据已就绪。"))

"""One large roster import in its own process, for its peak memory: prints a JSON line (rolled back afterwards).

python -m bench.import_memory --rows 100000     (DATABASE_URL names the bench database)
"""

import argparse
import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    rows = parser.parse_args().rows
    import django

    django.setup()
    from django.db import transaction

    from bench.measure import Rollback
    from bench.roster_bench import build_roster
    from guanghan.models import Village
    from members import roster
    from members.models import ImportBatch

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "roster.xlsx"
        build_roster(path, rows)
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        start = time.perf_counter()
        try:
            with transaction.atomic():
                batch = ImportBatch.objects.create(file_name=path.name, sha256="bench")
                preview = roster.roster_write(path=path, villages=Village.objects.all(), batch=batch)
                assert preview.is_clean, [str(e) for e in preview.errors[:3]]
                seconds = time.perf_counter() - start
                raise Rollback
        except Rollback:
            pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"rows": rows, "before_mb": before, "maxrss_mb": peak, "seconds": seconds}))


if __name__ == "__main__":
    main()

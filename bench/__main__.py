"""make bench: build a province-sized database (guanghan_bench) and measure pages, JSON, the year-end table and the
roster import on it.

    .venv/bin/python -m bench [--scale 1.0] [--reuse] [--drop] [--skip-import]

The bench database lives on the same server as the configured one (DATABASE_URL, or the project-local server) and is
recreated on every run unless --reuse; the demo/development database is never touched. --drop removes it at the end
(otherwise it stays for `make loadtest`).
"""

import argparse
import os
import secrets
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

from bench import server  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0, help="1.0 = 1,000,000 members (0.01 for a quick run)")
    parser.add_argument("--reuse", action="store_true", help="measure the existing bench database, do not rebuild")
    parser.add_argument("--drop", action="store_true", help="drop the bench database at the end")
    parser.add_argument("--skip-import", action="store_true", help="skip the roster import measurements")
    parser.add_argument("--requests", type=int, default=100, help="requests per page measurement")
    args = parser.parse_args()

    url = server.bench_url()
    if not args.reuse:
        server.recreate_database()
    os.environ["DATABASE_URL"] = url
    # Production-like settings (DEBUG off: no debug templates, no query log), with a throwaway key.
    os.environ.setdefault("DEBUG", "0")
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(50))
    os.environ.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    import django

    django.setup()
    from django.core.management import call_command

    from bench import dataset, measure

    started = time.perf_counter()
    if not args.reuse:
        call_command("migrate", verbosity=0)
        call_command("seed_demo", verbosity=0)
        print(f"迁移并载入演示数据：{time.perf_counter() - started:.0f} s")
        started = time.perf_counter()
        counts = dataset.generate(args.scale)
        print(f"生成数据（COPY，随后按触发器格式补写历史）：{time.perf_counter() - started:.0f} s  {counts}")
    measure.run(scale=args.scale, requests=args.requests, with_import=not args.skip_import)
    if args.drop:
        from django.db import connections

        connections.close_all()
        server.drop_database()
        print("已删除基准数据库。")


if __name__ == "__main__":
    main()

"""make loadtest: gunicorn on a free loopback port against the bench database, locust headless for a bounded time.

    .venv/bin/python -m bench.loadtest [--users 50] [--spawn-rate 10] [--time 60s] [--workers 4]

Needs the bench database from `make bench` (kept unless --drop). Prints locust's summary, then failures and p95 per
request; exits 1 when a request failed.
"""

import argparse
import csv
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

from bench import server  # noqa: E402

VENV_BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_up(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except OSError:
            time.sleep(0.5)
    raise SystemExit(f"gunicorn 未在 {seconds:.0f} 秒内响应 {url}")


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.loadtest", description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--spawn-rate", type=int, default=10)
    parser.add_argument("--time", default="60s")
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args()

    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": server.bench_url(),
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "DEBUG": "0",
        "SECRET_KEY": os.environ.get("SECRET_KEY") or secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1",
        # plain HTTP on loopback: no redirect to HTTPS, cookies without the Secure flag
        "SECURE_SSL_REDIRECT": "0",
        "SECURE_COOKIES": "0",
        "SECURE_HSTS_SECONDS": "0",
    }
    gunicorn = subprocess.Popen(
        [
            str(VENV_BIN / "gunicorn"),
            "guanghan.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(args.workers),
            "--timeout",
            "60",
            "--log-level",
            "warning",
        ],
        cwd=BASE_DIR,
        env=env,
    )
    host = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(f"{host}/login/")
        with tempfile.TemporaryDirectory() as tmp:
            prefix = Path(tmp) / "locust"
            subprocess.run(
                [
                    str(VENV_BIN / "locust"),
                    "-f",
                    str(BASE_DIR / "bench" / "locustfile.py"),
                    "--headless",
                    "-u",
                    str(args.users),
                    "-r",
                    str(args.spawn_rate),
                    "-t",
                    args.time,
                    "--host",
                    host,
                    "--csv",
                    str(prefix),
                    "--only-summary",
                    "--stop-timeout",
                    "10",
                    "--exit-code-on-error",
                    "0",
                ],
                cwd=BASE_DIR,
                env=env,
                timeout=600,
                check=True,
            )
            failed = report(Path(f"{prefix}_stats.csv"))
    finally:
        gunicorn.terminate()
        gunicorn.wait(timeout=30)
    sys.exit(1 if failed else 0)


def report(stats: Path) -> int:
    print("\n| 请求 | 次数 | 失败 | p50 ms | p95 ms | 每秒 |\n|---|---|---|---|---|---|")
    failed = 0
    with stats.open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            label = "合计" if row["Name"] == "Aggregated" else f"{row['Type']} {row['Name']}"
            failed += int(row["Failure Count"]) if row["Name"] == "Aggregated" else 0
            print(
                f"| {label} | {row['Request Count']} | {row['Failure Count']} | {row['50%']} | {row['95%']} | "
                f"{float(row['Requests/s']):.1f} |"
            )
    return failed


if __name__ == "__main__":
    main()

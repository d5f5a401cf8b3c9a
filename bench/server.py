"""Where the bench database lives: beside the configured database (DATABASE_URL, or the project-local server)."""

import os
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

BASE_DIR = Path(__file__).resolve().parent.parent
BENCH_DATABASE = "guanghan_bench"


def base_url() -> str:
    url = os.environ.get("BENCH_BASE_URL") or os.environ.get("DATABASE_URL")
    if url:
        return url
    from guanghan.lib.localdb import local_database_url

    return local_database_url(BASE_DIR)


def bench_url() -> str:
    url = base_url()
    os.environ["BENCH_BASE_URL"] = url  # the child processes (gunicorn, the memory run) find the same server
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{BENCH_DATABASE}"))


def _admin_connection():
    import psycopg2

    # libpq reads postgres:// URLs itself, a %2F-encoded socket directory included.
    conn = psycopg2.connect(urlunsplit(urlsplit(base_url())._replace(path="/postgres")))
    conn.autocommit = True
    return conn


def drop_database() -> None:
    conn = _admin_connection()
    try:
        with conn.cursor() as cur:
            cur.execute(f'DROP DATABASE IF EXISTS "{BENCH_DATABASE}" WITH (FORCE)')
    finally:
        conn.close()


def recreate_database() -> None:
    drop_database()
    conn = _admin_connection()
    try:
        with conn.cursor() as cur:
            cur.execute(f'CREATE DATABASE "{BENCH_DATABASE}"')
    finally:
        conn.close()

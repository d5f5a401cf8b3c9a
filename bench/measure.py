"""The measurements of `make bench`, printed as Markdown tables (docs/benchmarks.md keeps a copy of a full run)."""

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import Group
from django.db import connection, transaction
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext

from guanghan.access import Role
from guanghan.lib.uploads import MAX_ROWS
from guanghan.models import Town, User, Village

PAGE_TARGET_MS = 200
STATS_TARGET_MS = 1000
IMPORT_TARGET_RATE = 4000
BENCH_DIR = Path(__file__).resolve().parent


class Rollback(Exception):
    pass


def _percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def _client(user: User) -> Client:
    """A logged-in client past the second login step (as after the password and the authenticator code)."""
    from guanghan import two_factor

    client = Client(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    session = client.session
    session[two_factor.SESSION_KEY] = two_factor.VERIFIED
    session.save()
    return client


def _time(client: Client, url: str, n: int) -> tuple[list[float], int]:
    """Milliseconds of n GETs and the query count of the last one; a non-200 answer stops the benchmark."""
    times = []
    for _ in range(n):
        connection.queries_log.clear()
        with CaptureQueriesContext(connection) as queries:
            start = time.perf_counter()
            response = client.get(url, secure=True)
            if hasattr(response, "streaming_content"):
                b"".join(response.streaming_content)
            times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, f"{url}: HTTP {response.status_code}"
    return times, len(queries)


def bench_users() -> tuple[User, User, Town]:
    """The organisation-staff user and a town-staff user scoped to the first generated town."""
    staff = User.objects.filter(groups__name=Role.ORG_STAFF).order_by("pk").first()
    town = Town.objects.filter(code__startswith="BT").order_by("code").first()
    town_user, created = User.objects.get_or_create(
        username="bench_town", defaults={"display_name": f"{town.name}工作人员", "town": town}
    )
    if created:
        town_user.groups.add(Group.objects.get(name=Role.TOWN_STAFF))
    return staff, town_user, town


def _row(label: str, times: list[float], queries: int, target: float | None = PAGE_TARGET_MS) -> str:
    p50, p95 = _percentile(times, 50), _percentile(times, 95)
    verdict = "" if target is None else ("达标" if p95 < target else "**未达标**")
    return f"| {label} | {len(times)} | {p50:.0f} | {p95:.0f} | {queries} | {verdict} |"


def pages(requests: int) -> None:
    staff, town_user, town = bench_users()
    print("\n### 页面（Django 测试客户端，进程内；毫秒）\n")
    print("| 请求 | 次数 | p50 | p95 | 查询数 | p95 < 200 ms |")
    print("|---|---|---|---|---|---|")
    cases = [
        ("帮扶对象列表", "/members/"),
        ("按姓名前缀搜索（王）", "/members/?q=%E7%8E%8B"),
        ("按身份证号前缀搜索（前 14 位）", "/members/?q=51069819500101"),
        ("筛选：乡镇+状态+年龄段", f"/members/?town={town.pk}&status=assisted&age_band=%3E%3D60"),
    ]
    for who, user in (("org_staff", staff), ("town_staff", town_user)):
        client = _client(user)
        for label, url in cases:
            times, queries = _time(client, url, requests)
            print(_row(f"{label}（{who}）", times, queries))
    client = _client(staff)
    # The figures are measured live (cache off: what the first reader after a change waits) and then from the short
    # per-scope cache (STATS_CACHE_SECONDS), whose first request fills it.
    for label, url, n, target in (
        ("统计 JSON /api/registry/stats/", "/api/registry/stats/", 5, STATS_TARGET_MS),
        ("领导看板 /dashboard/", "/dashboard/", 5, PAGE_TARGET_MS),
        ("看板 JSON /api/dashboard/", "/api/dashboard/", 5, PAGE_TARGET_MS),
    ):
        with override_settings(STATS_CACHE_SECONDS=0):
            times, queries = _time(client, url, n)
        print(_row(f"{label}（org_staff，不用缓存）", times, queries, target))
        times, queries = _time(client, url, n)
        print(_row(f"{label}（org_staff，{settings.STATS_CACHE_SECONDS} 秒缓存，首次填入）", times, queries, target))
    from evaluation.models import AssessmentYear

    for year in AssessmentYear.objects.order_by("year"):
        times, queries = _time(client, f"/evaluation/{year.year}/table/", 5)
        state = "已关闭" if year.closed_at else "进行中"
        print(_row(f"年终考核表 /evaluation/{year.year}/table/（{state}）", times, queries))


def _plain_resource_rate(path: Path, rows: int) -> float:
    """The same rows through a default django-import-export ModelResource (row by row, no M2M, no survey)."""
    import tablib
    from import_export import resources
    from openpyxl import load_workbook

    from members.models import Member

    class PlainMemberResource(resources.ModelResource):
        class Meta:
            model = Member
            import_id_fields = ["id_number"]
            fields = [
                "name",
                "id_number",
                "gender",
                "birth_date",
                "phone",
                "village",
                "category",
                "area",
                "household_size",
                "income_per_capita",
                "registered_on",
            ]

    villages = dict(Village.objects.values_list("name", "pk"))
    sheet = load_workbook(path, read_only=True).active
    dataset = tablib.Dataset(headers=PlainMemberResource.Meta.fields)
    for values in sheet.iter_rows(min_row=3, values_only=True):
        dataset.append(
            [
                values[1],
                values[3],
                "male" if values[2] == "男" else "female",
                values[4].date(),
                values[6],
                villages[values[8]],
                "resident",
                "rural",
                values[11],
                values[12],
                values[21].date(),
            ]
        )
    start = time.perf_counter()
    result = PlainMemberResource().import_data(dataset, dry_run=False, raise_errors=True)
    seconds = time.perf_counter() - start
    assert result.totals["new"] == rows, result.totals
    return rows / seconds


def _copy_rate(preview, rows: int) -> float:
    """The same members written with PostgreSQL COPY into members_member alone (the floor of any import)."""
    from django.utils import timezone

    from bench.dataset import copy_rows

    now = timezone.now()
    from members import roster as roster_import

    fields = [f for f in preview.new[0].values if f != "id_number"]
    extra = {
        "living_conditions": "",
        "production_conditions": "",
        "notes": "",
        "removal_reason": "",
        "status": "registered",
        "created_at": now,
        "updated_at": now,
        "version": 1,
    }
    extra = {k: v for k, v in extra.items() if k not in fields}
    start = time.perf_counter()
    with connection.cursor() as cursor:  # a history context for this transaction, as the import has
        cursor.execute("SELECT set_config('pghistory.context_id', %s, true)", [str(uuid.uuid4())])
        cursor.execute("SELECT set_config('pghistory.context_metadata', '{\"bench\": \"copy\"}', true)")
    copy_rows(
        "members_member",
        ["id_number", *fields, *roster_import.LIST_COLUMNS, *extra],
        (
            (row.id_number, *(row.values[f] for f in fields), *roster_import._int_arrays(row.sets), *extra.values())
            for row in preview.new
        ),
    )
    _check_deferred_constraints()
    return rows / (time.perf_counter() - start)


def _copy_all_rate(preview, rows: int) -> float:
    """Every row the import writes, by COPY into the same tables with the same history triggers: the members and one
    survey each (both with their lists in their rows). Nothing is read or checked; the members' ids are drawn
    from their sequence first, as COPY cannot return them."""
    from django.utils import timezone

    from bench.dataset import copy_rows
    from members import roster as roster_import
    from members.models import Member, Survey

    plans, now = preview.new, timezone.now()
    fields = ["id_number", *roster_import.FIELDS, *roster_import.LIST_COLUMNS]
    constants = {"created_at": now, "updated_at": now}
    member_extra = roster_import._with_defaults(Member, fields, constants)
    survey_columns = ["member_id", "surveyed_on", *roster_import.SURVEY_FIELDS, *roster_import.LIST_COLUMNS]
    survey_extra = roster_import._with_defaults(Survey, survey_columns, {"created_at": now})
    start = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('pghistory.context_id', %s, true)", [str(uuid.uuid4())])
        cursor.execute("SELECT set_config('pghistory.context_metadata', '{\"bench\": \"copy\"}', true)")
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence('members_member', 'id')) FROM generate_series(1, %s)", [len(plans)]
        )
        member_ids = [row[0] for row in cursor.fetchall()]
    copy_rows(
        "members_member",
        ["id", *fields, *member_extra],
        (
            (pk, plan.id_number, *plan.fields, *roster_import._int_arrays(plan.sets), *member_extra.values())
            for pk, plan in zip(member_ids, plans, strict=True)
        ),
    )
    copy_rows(
        "members_survey",
        [*survey_columns, *survey_extra],
        (
            (
                pk,
                plan.surveyed_on,
                *(plan.fields[i] for i in roster_import._SURVEY_INDEXES),
                *roster_import._int_arrays(plan.sets),
                *survey_extra.values(),
            )
            for pk, plan in zip(member_ids, plans, strict=True)
        ),
    )
    _check_deferred_constraints()
    return rows / (time.perf_counter() - start)


def _check_deferred_constraints() -> None:
    """Run the foreign-key checks the COPYs queued for commit (the transaction is rolled back, so they would never
    run and the COPY would be timed without them; the import checks its rows as it writes them)."""
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def roster(rows: int) -> None:
    from bench.roster_bench import build_roster
    from members import roster as roster_import
    from members.models import ImportBatch

    villages = Village.objects.all()
    print(f"\n### 花名册导入（{rows:,} 行 .xlsx，写入后回滚）\n")
    print("| 方式 | 秒 | 行/秒 |")
    print("|---|---|---|")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "roster.xlsx"
        build_roster(path, rows)
        results = {}
        # The first pass is not counted: it reads the registry's indexes into memory, which the ways after it would
        # otherwise find there already (a cold first import took 6.3 s where the next took 4.2 s).
        for label in ("warm-up", "ours", "two_steps", "plain", "copy", "copy_all"):
            _vacuum_written()
            try:
                with transaction.atomic():
                    batch = ImportBatch.objects.create(file_name=path.name, sha256="bench")
                    start = time.perf_counter()
                    if label in ("warm-up", "ours"):  # what the confirmation and the command run
                        preview = roster_import.roster_write(path=path, villages=villages, batch=batch)
                        assert preview.is_clean, preview.errors[:3]
                        results[label] = rows / (time.perf_counter() - start)
                    elif label == "two_steps":  # the check, then the write of its preview, one after the other
                        preview = roster_import.roster_preview(path, villages=villages)
                        roster_import.roster_apply(preview=preview, batch=batch)
                        results[label] = rows / (time.perf_counter() - start)
                    elif label == "plain":
                        results[label] = _plain_resource_rate(path, rows)
                    elif label == "copy":
                        results[label] = _copy_rate(preview, rows)
                    else:
                        results[label] = _copy_all_rate(preview, rows)
                    raise Rollback
            except Rollback:
                pass
        del results["warm-up"]
        names = {
            "ours": "本系统导入（校验与写入同时进行，含三项名单、摸底调查、历史）",
            "two_steps": "本系统先校验、后写入（roster_preview + roster_apply，依次）",
            "plain": "默认 django-import-export ModelResource（逐行，无多对多）",
            "copy": "PostgreSQL COPY（仅 members_member，含历史触发器）",
            "copy_all": "PostgreSQL COPY（导入写入的全部行：对象与摸底调查，名单都在其行内，含历史触发器）",
        }
        for label, rate in results.items():
            print(f"| {names[label]} | {rows / rate:.2f} | {rate:,.0f} |")
        print(
            f"\n本系统 / 默认资源 = {results['ours'] / results['plain']:.1f}×；"
            f"本系统 / COPY（仅对象表）= {results['copy'] / results['ours']:.1f}×；"
            f"本系统 / COPY（同样的全部行）= {results['copy_all'] / results['ours']:.1f}×"
            f"（目标 ≥ {IMPORT_TARGET_RATE:,} 行/秒、≥ 10× 默认资源、≤ 3× COPY）"
        )


# The tables a roster import writes, with their history.
WRITTEN_TABLES = ["members_member", "members_memberevent", "members_survey", "members_surveyevent"]


def _vacuum_written() -> None:
    """Clear what the previous rolled-back way left behind before the next one is timed.

    Every way writes the same 10,000 ID numbers and is rolled back, so without this each one found the dead rows of
    all the ways before it in the unique index on the ID number and checked each of them on the heap: the same import
    got slower run after run (1.97, 2.33, 2.79 s in one series), which no real import, whose rows are committed,
    meets. INDEX_CLEANUP ON, as PostgreSQL skips the indexes when few pages hold dead rows."""
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM (INDEX_CLEANUP ON) {', '.join(WRITTEN_TABLES)}")


def import_memory(rows: int) -> None:
    """Peak memory of a large import, in a fresh process so earlier measurements do not count."""
    env = {**os.environ}
    run = subprocess.run(
        [sys.executable, "-m", "bench.import_memory", "--rows", str(rows)],
        cwd=BENCH_DIR.parent,
        env=env,
        capture_output=True,
        text=True,
    )
    if run.returncode:
        raise SystemExit(f"大文件导入失败：\n{run.stderr[-3000:]}")
    result = json.loads(run.stdout.strip().splitlines()[-1])
    verdict = "达标" if result["maxrss_mb"] < 500 else "**未达标**"
    print(f"\n### 大文件导入内存（{rows:,} 行，单独进程）\n")
    print("| 行数 | 生成 .xlsx 后内存 MB | 导入峰值内存 MB（maxrss） | 导入秒 | 行/秒 | < 500 MB |")
    print("|---|---|---|---|---|---|")
    print(
        f"| {rows:,} | {result['before_mb']:.0f} | {result['maxrss_mb']:.0f} | {result['seconds']:.1f} | "
        f"{rows / result['seconds']:,.0f} | {verdict} |"
    )


SETTINGS_SHOWN = ("server_version", "shared_buffers", "effective_cache_size", "work_mem", "random_page_cost", "jit")


def server_settings() -> str:
    """The PostgreSQL settings the figures depend on, printed with them: the same data reads very differently from
    128 MB of shared buffers (PostgreSQL's default, and the project-local server's) than from a few gigabytes."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT name, current_setting(name) FROM pg_settings WHERE name = ANY(%s)", [list(SETTINGS_SHOWN)]
        )
        values = dict(cursor.fetchall())
        cursor.execute("SELECT setting::bigint * 8192 FROM pg_settings WHERE name = 'shared_buffers'")
        shared_bytes = cursor.fetchone()[0]
    line = "PostgreSQL：" + "，".join(f"{name} = {values[name]}" for name in SETTINGS_SHOWN if name in values)
    if shared_bytes < 1024**3:
        line += (
            "\n（shared_buffers 不足 1 GB：百万级数据的索引会被挤出缓存，统计和看板变慢。生产服务器一般设为内存的 25%；"
            "本机可执行 ALTER SYSTEM SET shared_buffers = '2GB' 后 make db-stop 重启。）"
        )
    return line


def run(*, scale: float, requests: int, with_import: bool) -> None:
    from members.models import Member

    print(f"\n数据规模：帮扶对象 {Member.objects.count():,} 人（--scale {scale}）")
    print(server_settings())
    pages(requests)
    if with_import:
        roster(10_000)
        # 100,000 rows at full scale, less the margin the upload cap (MAX_ROWS sheet rows) leaves for title rows
        import_memory(max(1_000, round((MAX_ROWS - 1_000) * min(scale, 1.0))))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\n基准进程内存峰值 {peak:.0f} MB")

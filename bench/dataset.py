"""A province-sized registry, written with PostgreSQL COPY: towns, villages, branches, cadres, members, projects,
fund lines with their postings, household pairs and visits.

Everything is generated from a fixed seed and from the ids the rows get, so a run at the same scale produces the same
rows and a second run on the same database adds new ones without collisions. History: every generated row gets its
'insert' history row, as the triggers would write it, but written set-based after the COPY (see history_by_copy), so
the history tables have their real size. Only this module pauses triggers, and only for its own connection to the
bench (or a test) database.
"""

import io
import json
import random
import uuid
from collections.abc import Callable, Iterable
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, timedelta

from django.db import connection
from django.utils import timezone

from guanghan.lib import idnumber
from guanghan.lib.chinese_names import name as chinese_name

REGION = "510698"  # a Sichuan code that neither the demo data nor the roster benchmark uses
CHUNK = 50_000
FULL = {  # the province at scale 1
    "towns": 1_000,
    "villages": 20_000,
    "cadres": 20_000,
    "members": 1_000_000,
    "projects": 50_000,
    "fund_lines": 2_000_000,
    "household_pairs": 200_000,
    "visits": 100_000,
}
MINIMUM = {"towns": 2, "villages": 4, "cadres": 4, "members": 10, "projects": 4, "fund_lines": 6}


@dataclass
class Sizes:
    towns: int
    villages: int
    cadres: int
    members: int
    projects: int
    fund_lines: int
    household_pairs: int
    visits: int

    @classmethod
    def at(cls, scale: float) -> "Sizes":
        return cls(**{k: max(MINIMUM.get(k, 0), round(v * scale)) for k, v in FULL.items()})


def _text(value) -> str:
    if value is None:
        return r"\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    return str(value)


def copy_rows(table: str, columns: list[str], rows: Iterable[tuple]) -> int:
    """COPY rows into a table in chunks of CHUNK lines; values never hold tabs, newlines or backslashes."""
    sql = f"COPY {table} ({', '.join(columns)}) FROM STDIN"
    count, buffer = 0, io.StringIO()
    with connection.cursor() as cursor:
        raw = cursor.cursor  # psycopg2's cursor, for copy_expert
        for row in rows:
            buffer.write("\t".join(_text(v) for v in row))
            buffer.write("\n")
            count += 1
            if count % CHUNK == 0:
                buffer.seek(0)
                raw.copy_expert(sql, buffer)
                buffer = io.StringIO()
        if buffer.tell():
            buffer.seek(0)
            raw.copy_expert(sql, buffer)
    return count


def _next_id(table: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COALESCE(MAX(id), 0) + 1 FROM {table}")
        return cursor.fetchone()[0]


def _reset_sequence(table: str) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT COALESCE(MAX(id), 1) FROM {table}))"
        )


def _ids(table: str) -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id FROM {table} ORDER BY id")
        return [row[0] for row in cursor.fetchall()]


def _bulk(table: str, columns: list[str], make: Callable[[int, int], tuple], count: int) -> range:
    """COPY `count` rows made by make(index, id) with explicit ids; answers the ids written."""
    first = _next_id(table)
    _LOADED.setdefault(table, first)
    copy_rows(table, ["id", *columns], ((first + i, *make(i, first + i)) for i in range(count)))
    _reset_sequence(table)
    return range(first, first + count)


def _event_model(table: str):
    """The pghistory event model that records rows of `table`, or None for an untracked table."""
    from django.apps import apps

    for model in apps.get_models():
        field = next((f for f in model._meta.concrete_fields if f.name == "pgh_obj"), None)
        if field is not None and field.related_model._meta.db_table == table:
            return model
    return None


@contextmanager
def history_by_copy(context_id: str, metadata: dict):
    """Load with the row triggers paused in this session only, then write the history rows in one INSERT … SELECT
    per table, exactly what the triggers would have written (label 'insert', the generator's context).

    Why: the history trigger costs about 0.15 ms a row here (its subtransaction and context upsert), some 15 minutes
    for the five million rows of the full province; set-based it takes seconds. The history tables end up the same
    size, so the benchmark still reads and writes against realistic history. session_replication_role needs a
    superuser and is local to this connection of the bench database; the application never does this (a test
    greps the apps for it), and the foreign keys it skips are checked by `check_foreign_keys` afterwards.
    """
    loaded: dict[str, int] = {}
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")
    try:
        yield loaded
        if "members_member" in loaded:  # what the paused tally triggers would have added (members.MemberListTally)
            _tally_members_from(loaded["members_member"])
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SET session_replication_role = DEFAULT")
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO pghistory_context (id, metadata, created_at, updated_at) VALUES (%s, %s, now(), now())",
            [context_id, json.dumps(metadata)],
        )
        for table, first in loaded.items():
            event = _event_model(table)
            if event is None:
                continue
            columns = [f.column for f in event._meta.concrete_fields if not f.column.startswith("pgh_")]
            names = ", ".join(columns)
            cursor.execute(
                f"INSERT INTO {event._meta.db_table} (pgh_created_at, pgh_label, pgh_obj_id, pgh_context_id, {names}) "
                f"SELECT now(), 'insert', id, %s, {names} FROM {table} WHERE id >= %s",
                [context_id, first],
            )


def _tally_members_from(first: int) -> None:
    """Add the lists of the members with ids from `first` on to MemberListTally, as its triggers would have."""
    from members.models import TALLIED

    lists = ", ".join(f"('{column}', m.{column})" for column in TALLIED)
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO members_memberlisttally AS t (list, item, members) SELECT l.list, i.item, COUNT(*) "
            f"FROM members_member m CROSS JOIN LATERAL (VALUES {lists}) AS l (list, items) "
            "CROSS JOIN LATERAL unnest(l.items) AS i (item) WHERE m.id >= %s AND m.status <> 'removed' "
            "GROUP BY 1, 2 ORDER BY 1, 2 ON CONFLICT (list, item) DO UPDATE SET members = t.members + EXCLUDED.members",
            [first],
        )


def check_foreign_keys(tables) -> None:
    """Re-check every foreign key of the loaded tables (COPY ran with triggers paused, so also without RI checks)."""
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(
                """SELECT c.conname, a.attname, cl.relname, fa.attname
                   FROM pg_constraint c
                   JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
                   JOIN pg_class cl ON cl.oid = c.confrelid
                   JOIN pg_attribute fa ON fa.attrelid = c.confrelid AND fa.attnum = c.confkey[1]
                   WHERE c.contype = 'f' AND c.conrelid = %s::regclass""",
                [table],
            )
            for name, column, target, target_column in cursor.fetchall():
                cursor.execute(
                    f"SELECT count(*) FROM {table} t WHERE t.{column} IS NOT NULL AND NOT EXISTS "
                    f"(SELECT 1 FROM {target} r WHERE r.{target_column} = t.{column})"
                )
                missing = cursor.fetchone()[0]
                assert missing == 0, f"{table}.{column}: {missing} rows break {name}"


_LOADED: dict[str, int] = {}


def generate(scale: float, *, log: Callable[[str], None] = print) -> dict[str, int]:
    """Write the province at `scale` (1.0 = one million members) into the current database; answers the counts."""
    context_id = str(uuid.uuid4())
    with history_by_copy(context_id, {"bench": "generate", "scale": scale}) as loaded:
        global _LOADED
        _LOADED = loaded
        counts = _generate(scale, log)
    check_foreign_keys(loaded)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return counts


def _generate(scale: float, log: Callable[[str], None]) -> dict[str, int]:
    from funding.models import Account, Channel
    from guanghan.models import Department, Industry, PovertyCause, Skill, User

    sizes = Sizes.at(scale)
    rng = random.Random(2016)
    now = timezone.now()
    user, _ = User.objects.get_or_create(username="bench_loader", defaults={"display_name": "基准数据生成"})
    if not Department.objects.exists():
        Department.objects.bulk_create(
            Department(name=f"基准部门{i:02d}", short_name=f"部门{i:02d}") for i in range(1, 7)
        )
    departments = list(Department.objects.order_by("pk").values_list("pk", flat=True))
    causes = list(PovertyCause.objects.values_list("pk", flat=True)) or [None]
    industries = list(Industry.objects.values_list("pk", flat=True))
    skills = list(Skill.objects.values_list("pk", flat=True))
    other_causes = [c for c in causes if c]

    towns = _bulk(
        "guanghan_town",
        ["name", "code", "kind"],
        lambda i, pk: (f"基准{pk}镇", f"BT{pk:06d}", "town"),
        sizes.towns,
    )
    villages = _bulk(
        "guanghan_village",
        ["town_id", "name", "code", "kind", "is_active"],
        lambda i, pk: (towns[i % len(towns)], f"基准{pk}村", f"BV{pk:07d}", "village", True),
        sizes.villages,
    )
    branches = _bulk(
        "guanghan_partybranch",
        ["name", "village_id", "department_id", "member_count", "is_active"],
        lambda i, pk: (f"基准{villages[i]}村党支部", villages[i], None, 20 + i % 40, True),
        len(villages),
    )
    cadres = _bulk(
        "guanghan_cadre",
        ["name", "department_id", "position", "phone", "is_party_member", "is_active"],
        lambda i, pk: (
            chinese_name(rng, "male" if i % 2 else "female"),
            departments[i % len(departments)],
            "科员",
            f"139{pk:08d}",
            True,
            True,
        ),
        sizes.cadres,
    )
    log(f"目录：{len(towns):,} 个乡镇，{len(villages):,} 个村，{len(cadres):,} 名干部")

    statuses = ["registered", "assisted", "assisted", "lifted", "returned"]
    start = date(1936, 1, 1)

    def ids(pool: list, count: int, *, but=None) -> str:
        """COPY text of a list: `count` distinct ids of the pool (fewer if `but` was drawn), sorted."""
        return "{" + ",".join(map(str, sorted(set(rng.sample(pool, count)) - {but}))) + "}"

    def member(i: int, pk: int) -> tuple:
        gender = "male" if i % 2 else "female"
        born = start + timedelta(days=pk % 25_000)
        party = i % 4 != 0
        v = i % len(villages)
        cause = causes[i % len(causes)]
        return (
            "party" if party else "resident",
            chinese_name(rng, gender),
            idnumber.make(REGION, born, pk // 25_000 * 2, gender),
            gender,
            born,
            "汉族",
            f"138{pk:08d}",
            villages[v],
            "rural" if i % 10 else "urban",
            1 + i % 6,
            f"{1500 + i % 4500}.{i % 100:02d}",
            "rural_dibao" if i % 3 == 0 else "none",
            "healthy",
            "normal",
            cause,
            # The lists as the demo's members have them: 0–3 skills, 1–2 aspirations, 0–2 other causes.
            ids(skills, i % 4) if skills else "{}",
            ids(industries, 1 + i % 2) if industries else "{}",
            ids(other_causes, i % 3, but=cause) if other_causes else "{}",
            "",
            "",
            branches[v] if party else None,
            date(1990, 7, 1) if party else None,
            date(2014 + i % 3, 1 + i % 12, 1 + i % 28),
            statuses[i % len(statuses)],
            "",
            "",
            None,
            now,
            now,
            1,
        )

    members = _bulk(
        "members_member",
        [
            "category",
            "name",
            "id_number",
            "gender",
            "birth_date",
            "ethnicity",
            "phone",
            "village_id",
            "area",
            "household_size",
            "income_per_capita",
            "allowance",
            "health",
            "labour_capacity",
            "main_cause_id",
            "skill_ids",
            "aspiration_ids",
            "other_cause_ids",
            "living_conditions",
            "production_conditions",
            "branch_id",
            "joined_party_on",
            "registered_on",
            "status",
            "removal_reason",
            "notes",
            "import_batch_id",
            "created_at",
            "updated_at",
            "version",
        ],
        member,
        sizes.members,
    )
    log(f"帮扶对象：{len(members):,} 人")

    project_statuses = ["recommended", "selected", "running", "completed"]
    projects = _bulk(
        "projects_project",
        [
            "village_id",
            "year",
            "name",
            "industry_id",
            "product",
            "maturity",
            "expected_benefit",
            "description",
            "status",
            "is_key",
            "key_slot",
            "is_demo_base",
            "for_residents",
            "department_id",
            "started_on",
            "finished_on",
            "drop_reason",
            "recommended_by_id",
            "created_at",
        ],
        lambda i, pk: (
            villages[i % len(villages)],
            2014 + (i // len(villages)) % 3,
            f"基准项目{pk}",
            industries[i % len(industries)],
            "",
            1 + i % 5,
            f"{10_000 + i % 90_000}.00",
            "",
            project_statuses[i % 4],
            False,
            None,
            i % 50 == 0,
            i % 7 == 0,
            departments[i % len(departments)],
            date(2015, 3, 1) if i % 4 >= 2 else None,
            date(2016, 10, 1) if i % 4 == 3 else None,
            "",
            None,
            now,
        ),
        sizes.projects,
    )
    log(f"项目：{len(projects):,} 个")

    _fund_lines(sizes.fund_lines, departments, villages, projects, members, user.pk, now, Account, Channel)
    log(f"资金收支：{sizes.fund_lines:,} 笔（含记账分录）")

    pairs = min(sizes.household_pairs, len(members))
    _bulk(
        "projects_householdpairing",
        ["cadre_id", "member_id", "started_on", "ended_on", "end_reason"],
        lambda i, pk: (cadres[i % len(cadres)], members[i * len(members) // max(pairs, 1)], date(2015, 5, 1), None, ""),
        pairs,
    )
    checks = ["yes", "yes", "yes", "partly", "no"]
    _bulk(
        "supervision_visit",
        [
            "officer_id",
            "village_id",
            "project_id",
            "visited_on",
            "kind",
            "funds_clear",
            "funds_remark",
            "effect_visible",
            "effect_remark",
            "people_satisfied",
            "people_remark",
            "notes",
            "client_key",
            "by_id",
            "created_at",
        ],
        lambda i, pk: (
            None,
            villages[i % len(villages)],
            projects[i % len(projects)],
            date(2014, 1, 1) + timedelta(days=i % 1000),
            "routine",
            checks[i % 5],
            "",
            checks[(i + 1) % 5],
            "",
            checks[(i + 2) % 5],
            "",
            "",
            None,
            user.pk,
            now,
        ),
        sizes.visits,
    )
    log(f"结对帮扶 {pairs:,} 对，督查记录 {sizes.visits:,} 条")
    return {
        "towns": len(towns),
        "villages": len(villages),
        "members": len(members),
        "projects": len(projects),
        "fund_lines": sizes.fund_lines,
        "household_pairs": pairs,
        "visits": sizes.visits,
    }


def _fund_lines(total, departments, villages, projects, members, by_id, now, Account, Channel) -> None:
    """Contributions and disbursements with their postings: in, out, out per account, so no balance goes negative."""
    accounts = []
    for pk in departments:
        account, _ = Account.objects.get_or_create(
            channel=Channel.DEPARTMENT, department_id=pk, defaults={"name": f"部门帮扶资金{pk}"}
        )
        accounts.append(account)
    state = {
        a.pk: [a.balance, a.postings.order_by("-seq").values_list("seq", flat=True).first() or 0] for a in accounts
    }
    contributions, disbursements = [], []
    for i in range(total):
        account = accounts[i // 3 % len(accounts)]
        day = date(2014, 1, 1) + timedelta(days=i % 1000)
        if i % 3 == 0:
            contributions.append((i, account, day))
        else:
            disbursements.append((i, account, day))
    c_first, d_first, p_first = (
        _next_id(t) for t in ("funding_contribution", "funding_disbursement", "funding_posting")
    )
    for table, first in zip(
        ("funding_contribution", "funding_disbursement", "funding_posting"), (c_first, d_first, p_first), strict=True
    ):
        _LOADED.setdefault(table, first)
    c_ids = {i: c_first + n for n, (i, _, _) in enumerate(contributions)}
    d_ids = {i: d_first + n for n, (i, _, _) in enumerate(disbursements)}
    copy_rows(
        "funding_contribution",
        [
            "id",
            "account_id",
            "amount",
            "voucher_no",
            "note",
            "reverses_id",
            "by_id",
            "created_at",
            "client_key",
            "source",
            "department_id",
            "town_id",
            "cadre_id",
            "contributor",
            "received_on",
        ],
        (
            (
                c_ids[i],
                a.pk,
                "30000.00",
                f"BC{c_ids[i]:08d}",
                "",
                None,
                by_id,
                now,
                None,
                "department",
                a.department_id,
                None,
                None,
                "",
                day,
            )
            for i, a, day in contributions
        ),
    )
    copy_rows(
        "funding_disbursement",
        [
            "id",
            "account_id",
            "amount",
            "voucher_no",
            "note",
            "reverses_id",
            "by_id",
            "created_at",
            "client_key",
            "village_id",
            "project_id",
            "member_id",
            "purpose",
            "approved_by",
            "paid_on",
        ],
        (
            (
                d_ids[i],
                a.pk,
                "10000.00",
                f"BD{d_ids[i]:08d}",
                "",
                None,
                by_id,
                now,
                None,
                villages[i % len(villages)],
                projects[i % len(projects)],
                members[i % len(members)],
                "start_up",
                "基准审批人",
                day,
            )
            for i, a, day in disbursements
        ),
    )

    def posting_rows():
        pk = p_first
        for i in range(total):
            account = accounts[i // 3 % len(accounts)]
            balance, seq = state[account.pk]
            delta = 30000 if i % 3 == 0 else -10000
            balance, seq = balance + delta, seq + 1
            state[account.pk] = [balance, seq]
            day = date(2014, 1, 1) + timedelta(days=i % 1000)
            yield (pk, account.pk, seq, f"{delta}.00", f"{balance:.2f}", c_ids.get(i), d_ids.get(i), day, now)
            pk += 1

    copy_rows(
        "funding_posting",
        [
            "id",
            "account_id",
            "seq",
            "amount",
            "balance_after",
            "contribution_id",
            "disbursement_id",
            "posted_on",
            "posted_at",
        ],
        posting_rows(),
    )
    for table in ("funding_contribution", "funding_disbursement", "funding_posting"):
        _reset_sequence(table)
    with connection.cursor() as cursor:
        cursor.execute(
            """UPDATE funding_account a SET balance = p.balance, line_count = p.lines
               FROM (SELECT DISTINCT ON (account_id) account_id, balance_after AS balance,
                            COUNT(*) OVER (PARTITION BY account_id) AS lines
                     FROM funding_posting ORDER BY account_id, seq DESC) p
               WHERE a.id = p.account_id"""
        )

"""Registry statistics at a chosen date, computed in the database (a fixed number of queries).

At province scale (a million members, docs/benchmarks.md) every pass over the member table costs about half a second,
so the figures are taken in as few passes as possible: one GROUPING SETS query gives the totals, the categories, the
areas, the age bands and the counts by status, main cause and village (or town) at once; the lists (skills,
aspirations) are counted from the lookup ids in the members' rows; a status at a past date comes from the status
changes, not from a subquery per member.
"""

from collections import Counter
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import BooleanField, Case, Count, ExpressionWrapper, F, IntegerField, Q, Value, When
from django.utils import timezone

from guanghan.models import PovertyCause, Town, Village
from members.models import AGE_BANDS, Member, MemberListTally, StatusChange, age_band_bounds

_COLUMNS = {"status": "m.s", "main_cause": "m.c"}  # what registry_counts may group by besides the village


# The passes read eight narrow columns of each member, all held by the covering index member_village_status (81 MB at
# a million members, against 213 MB of table). With PostgreSQL's default random_page_cost (4, set for spinning disks)
# the planner still prefers the table; on SSD storage, or with the index in memory, the index-only scan is about twice
# as fast (docs/benchmarks.md). The lower cost goes in front of the pass in the same query string: PostgreSQL runs
# such a string as one implicit transaction, so it holds for that statement only (inside an explicit transaction, as
# in the tests, until its end), and the pass stays one query.
INDEX_ONLY = "SET LOCAL random_page_cost = 1.1; "


def _share(part: int, whole: int) -> float:
    if not whole:
        return 0.0
    return float((Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def _ordered(counts: Counter) -> dict[str, int]:
    return dict(sorted(counts.items(), key=lambda item: (-item[1], item[0])))


def in_registry(on: date) -> Q:
    """MemberQuerySet.in_registry(on) as a condition, for counting inside a pass that also counts other members: the
    removed ones are one hashed list, not a subquery per member."""
    removed = StatusChange.objects.filter(to_status=Member.Status.REMOVED, changed_on__lte=on).values("member")
    return Q(registered_on__lte=on) & ~Q(pk__in=removed)


def _pass_columns(members, **extra):
    """What a pass over the members reads, under short names for the SQL around it: village `v`, status `s`, main
    cause `c`, category `k`, area `a`, and `extra` (a condition Q becomes a boolean column)."""
    extra = {
        name: ExpressionWrapper(value, output_field=BooleanField()) if isinstance(value, Q) else value
        for name, value in extra.items()
    }
    return members.order_by().values(
        v=F("village_id"), s=F("status"), c=F("main_cause_id"), k=F("category"), a=F("area"), **extra
    )


def registry_counts(
    members,
    *,
    on: date,
    by: tuple[str, ...] = (),
    party_split: bool = False,
    registry: Q | None = None,
    flags: dict[str, Q] | None = None,
) -> dict:
    """One pass over the (already scoped and filtered) members: the counts by `village` id, each with `total` and
    its split by category, area and age band at `on` (`party`, `resident`, `rural`, `urban`, `band_0`…; with
    `party_split`, for party members instead: `party_rural`, `party_band_0`…), their sums over all villages, and the
    same counts by each of `by` (`status`, the current one; `main_cause`, by id). Every count and every grouping costs
    time on each of the million rows, hence only the ones asked for.

    `registry` limits those counts to the members meeting it (e.g. in_registry(on)) while `flags` {key: condition}
    count, under their own keys, the members meeting each condition among all of them: figures about other members
    (lifted out, brought along) come from the same pass.

    Raw SQL around the queryset's own SQL, because the ORM has no GROUPING SETS; the members' filters, scope and
    parameters stay the ORM's.
    """
    bands = age_band_bounds(on)
    band = Case(*(When(bands[b], then=Value(i)) for i, b in enumerate(AGE_BANDS)), output_field=IntegerField())
    flags = flags or {}
    conditions = {f"f{i}": condition for i, condition in enumerate(flags.values())}
    if registry is not None:
        conditions["r"] = registry
    rows = _pass_columns(members, b=band, **conditions)
    try:
        inner, params = rows.query.sql_with_params()
    except EmptyResultSet:  # a scope that can see nobody
        inner, params = None, None
    columns = {"total": "", "party": "m.k = 'party'", "resident": "m.k = 'resident'"}
    if party_split:
        columns["party_rural"] = "m.k = 'party' AND m.a = 'rural'"
        columns |= {f"party_band_{i}": f"m.k = 'party' AND m.b = {i}" for i in range(len(AGE_BANDS))}
    else:
        columns |= {"rural": "m.a = 'rural'", "urban": "m.a = 'urban'"}
        columns |= {f"band_{i}": f"m.b = {i}" for i in range(len(AGE_BANDS))}
    if registry is not None:
        columns = {key: " AND ".join(filter(None, ["m.r", condition])) for key, condition in columns.items()}
    columns = {key: condition or "TRUE" for key, condition in columns.items()}
    columns |= {key: f"m.f{i}" for i, key in enumerate(flags)}
    counts = ", ".join(f"COUNT(*) FILTER (WHERE {condition})" for condition in columns.values())
    grouped = {"village": "m.v", **{key: _COLUMNS[key] for key in by}}
    exprs, width = ", ".join(grouped.values()), len(grouped)
    sets = ", ".join(f"({expr})" for expr in grouped.values())
    sql = f"SELECT GROUPING({exprs}), {exprs}, {counts} FROM ({inner}) m GROUP BY GROUPING SETS ({sets})"
    # GROUPING() sets a bit, first column highest, for each column a row is not grouped by.
    keys = {(2**width - 1) ^ (1 << (width - 1 - i)): (i, key) for i, key in enumerate(grouped)}
    result = {key: {} for key in grouped}
    fetched = []
    if inner is not None:
        with connections[members.db].cursor() as cursor:
            cursor.execute(INDEX_ONLY + sql, params)
            fetched = cursor.fetchall()
    for grouping, *values in fetched:
        i, key = keys[grouping]
        result[key][values[i]] = dict(zip(columns, values[width:], strict=True))
    totals = dict.fromkeys(columns, 0)
    for row in result["village"].values():
        for column, value in row.items():
            totals[column] += value
    return totals | result


def status_counts_on(members, *, on: date, totals: dict[str, int]) -> dict[tuple[str, str], int]:
    """(category, status at the end of `on`) → members, for members already in the registry at `on`.

    `totals` gives the members by category. A member's status at a date is the target of its last status change
    on or before it, `registered` without one (as MemberQuerySet.with_status_on says); only the members with a change
    are looked up, so the count costs one pass over the status changes instead of one subquery per member.
    """
    latest = (
        StatusChange.objects.filter(member__in=members.order_by().values("pk"), changed_on__lte=on)
        .order_by("member_id", "-changed_on", "-pk")
        .distinct("member_id")
        .values("pk")
    )
    changed = StatusChange.objects.filter(pk__in=latest).order_by().values("member__category", "to_status")
    counts = Counter()
    for row in changed.annotate(n=Count("pk")):
        counts[row["member__category"], row["to_status"]] += row["n"]
    for category in Member.Category.values:
        changed_away = sum(n for (c, s), n in counts.items() if c == category and s != Member.Status.REGISTERED)
        counts[category, Member.Status.REGISTERED] = totals.get(category, 0) - changed_away
    return dict(counts)


LIST_FIGURES = {"by_skill": "skill_ids", "by_aspiration": "aspiration_ids"}  # figure → the members' column


def _list_counts(members, *, only: dict, tally: bool = False) -> dict[str, dict[str, int]]:
    """Members per skill and per aspiration name (LIST_FIGURES), from the lists in their rows; `only` {figure: a
    lookup or None} restricts a figure to the one item the member list was filtered by, as the filter does.

    One pass for both lists: the members grouped by their two lists together (a few thousand distinct pairs at a
    million members, where unnesting every member's arrays cost twice as much), whose items are then counted here,
    and one query for the names. A list holds an id once, so nobody is counted twice for an item.

    `tally` says the figures are those of every member in the registry today, unfiltered: they are then read from
    MemberListTally, a few dozen rows, instead of every member."""
    columns = list(LIST_FIGURES.values())
    counted = {column: Counter() for column in columns}
    try:
        source, params = members.values(*columns).order_by().query.sql_with_params()
    except EmptyResultSet:  # a scope that can see nobody
        return {figure: {} for figure in LIST_FIGURES}
    lookups = [Member._meta.get_field(column).lookup_model._meta for column in columns]
    names_sql = " UNION ALL ".join(
        f"SELECT %s, {lookup.pk.column}, {lookup.get_field('name').column} FROM {lookup.db_table}" for lookup in lookups
    )
    with connections[members.db].cursor() as cursor:
        if tally:
            cursor.execute(f"SELECT list, item, members FROM {MemberListTally._meta.db_table}")
            for column, item, n in cursor.fetchall():
                counted[column][item] += n
        else:
            selected = ", ".join(f"m.{column}" for column in columns)
            cursor.execute(f"SELECT {selected}, COUNT(*) FROM ({source}) m GROUP BY 1, 2", params)
            for *lists, n in cursor.fetchall():
                for column, items in zip(columns, lists, strict=True):
                    for item in items:
                        counted[column][item] += n
        cursor.execute(names_sql, columns)
        names = {(column, pk): name for column, pk, name in cursor.fetchall()}
    result = {}
    for figure, column in LIST_FIGURES.items():
        wanted = getattr(only.get(figure), "pk", None)
        counts = Counter()
        for item, n in counted[column].items():
            if n and (wanted is None or item == wanted):
                counts[names.get((column, item), f"#{item}")] += n
        result[figure] = _ordered(counts)
    return result


def _registry_pass(members, *, on: date) -> dict:
    """The in-registry members (`members` already limited to them) counted in one pass: `total`, by category, by
    area and by age band at `on` (`band_0`…), and by `status`, `main_cause` (id) and `town` (name).

    Unlike registry_counts no per-village rows leave the database, and each of the million rows costs less: the pass
    groups by village and by (status, cause, category, area) only, two small hash tables, and counts besides all
    members only those under 46 and under 60 (the three bands follow, as the bands split every birth date); the
    village rows are then summed by town, a join over thousands of rows instead of one per member. (A plain GROUP BY,
    which PostgreSQL could run in parallel, needs town × status × cause as one key and a join on every member; at the
    default work_mem it sorts those on disk, and on two shared cores it was no faster.)
    """
    bands = age_band_bounds(on)
    younger = {"u46": bands[AGE_BANDS[0]], "u60": ~bands[AGE_BANDS[-1]]}
    rows = _pass_columns(members, **younger)
    result = {"total": 0, "status": Counter(), "main_cause": Counter(), "town": Counter()}
    result |= dict.fromkeys([*Member.Category.values, *Member.Area.values, "band_0", "band_1", "band_2"], 0)
    try:
        inner, params = rows.query.sql_with_params()
    except EmptyResultSet:  # a scope that can see nobody
        return result
    village, town = Village._meta, Town._meta
    sql = (
        f"SELECT g.by_keys, t.{town.get_field('name').column}, g.s, g.c, g.k, g.a, "
        "SUM(g.n)::bigint, SUM(g.u46)::bigint, SUM(g.u60)::bigint "
        "FROM (SELECT GROUPING(m.v) AS by_keys, m.v, m.s, m.c, m.k, m.a, COUNT(*) AS n, "
        "COUNT(*) FILTER (WHERE m.u46) AS u46, COUNT(*) FILTER (WHERE m.u60) AS u60 "
        f"FROM ({inner}) m GROUP BY GROUPING SETS ((m.v), (m.s, m.c, m.k, m.a))) g "
        f"LEFT JOIN {village.db_table} v ON v.{village.pk.column} = g.v "
        f"LEFT JOIN {town.db_table} t ON t.{town.pk.column} = v.{village.get_field('town').column} "
        f"GROUP BY 1, t.{town.pk.column}, 3, 4, 5, 6"  # the town's key, not its name: no collation in the sort
    )
    with connections[members.db].cursor() as cursor:
        cursor.execute(INDEX_ONLY + sql, params)
        fetched = cursor.fetchall()
    for by_keys, town_name, status, cause, category, area, n, under_46, under_60 in fetched:
        if not by_keys:  # the villages of a town
            result["town"][town_name] += n
            continue
        result["total"] += n
        result["status"][status] += n
        result["main_cause"][cause] += n
        result[category] += n
        result[area] += n
        result["band_0"] += under_46
        result["band_1"] += under_60 - under_46
        result["band_2"] += n - under_60
    return result


def registry_stats(
    members, *, on: date, party_member_total: int, skill=None, aspiration=None, tally: bool = False
) -> dict:
    """The registry's figures at the end of `on`, for an already scoped and filtered member queryset (`skill` and
    `aspiration`: the list filters by those relations, if any; `tally`: see _list_counts)."""
    members = members.in_registry(on)
    n = _registry_pass(members, on=on)
    total = n["total"]
    if on >= timezone.localdate():
        by_status = n["status"]
    else:
        by_category = {"party": n["party"], "resident": n["resident"]}
        by_status = Counter()
        for (_, status), count in status_counts_on(members, on=on, totals=by_category).items():
            by_status[status] += count
    causes = dict(PovertyCause.objects.values_list("pk", "name"))
    return {
        "as_of": on.isoformat(),
        "total": total,
        "by_category": {"party": n["party"], "resident": n["resident"]},
        "by_status": {status: by_status.get(status, 0) for status in Member.Status.values if status != "removed"},
        "by_age_band": {band: n[f"band_{i}"] for i, band in enumerate(AGE_BANDS)},
        "rural": n["rural"],
        "urban": n["urban"],
        "rural_share": _share(n["rural"], total),
        "party_member_total": party_member_total,
        "party_share": _share(n["party"], party_member_total),
        "by_cause": _ordered(Counter({causes[c]: count for c, count in n["main_cause"].items() if c})),
        **_list_counts(members, only={"by_skill": skill, "by_aspiration": aspiration}, tally=tally),
        "by_town": _ordered(n["town"]),
    }

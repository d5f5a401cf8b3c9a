"""The programme at a glance (seed section 三): every figure of the dashboard, computed live from the other apps.

A figure is counted over the user's scope (access.py), for a year and an area (the city, a town or a village), and
carries the link to the list behind it with the same filters, so what a leader clicks lists exactly the rows counted.
Each section is a handful of aggregate queries: the number of queries never depends on the number of rows.

Stocks (people in the registry, pairs, loans) are taken at the end of the year (31 December, or today while the year
runs); flows (projects, money, visits, answers) are those dated in the year.
"""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from urllib.parse import urlencode

from django.db.models import Count, F, Q, Sum
from django.db.models.functions import ExtractYear
from django.urls import reverse

from funding.models import ZERO, Channel, Disbursement, Loan
from funding.reports import Scope as FundScope
from funding.reports import by_channel, by_source
from guanghan import access
from guanghan.lib.dates import end_of
from guanghan.models import PartyBranch, Town, Village
from members.models import AGE_BANDS, Lifting, Member, brought_along, lifted_between
from members.stats import _share as share
from members.stats import in_registry, registry_counts, status_counts_on
from projects.models import HouseholdPairing, Project, VillagePairing
from supervision.models import (
    CHECKS,
    Check,
    Questionnaire,
    Rectification,
    Response,
    Visit,
    satisfaction_counts,
    satisfaction_rate,
)

BAND_LABELS = {"<=45": "45岁及以下", "46-59": "46至59岁", ">=60": "60岁及以上"}
STATUS_LABELS = {s: label for s, label in Member.Status.choices if s != Member.Status.REMOVED}


@dataclass(frozen=True)
class Area:
    """What the dashboard looks at: a year, and the whole scope, one town or one village of it."""

    year: int
    today: date
    town: Town | None = None
    village: Village | None = None
    # Passes over the member table that several figures share within one request (the sections and the breakdown
    # by town read the same counts), keyed by what they count.
    memo: dict = field(default_factory=dict, compare=False, repr=False)

    @property
    def day(self) -> date:
        return end_of(self.year, self.today)

    @property
    def is_past(self) -> bool:
        return self.day < self.today

    @property
    def label(self) -> str:
        if self.village:
            return f"{self.village.town.name} {self.village.name}"
        return self.town.name if self.town else "全部"

    @property
    def place(self) -> dict:
        """The area as list filters (every list takes `town` and `village`)."""
        if self.village:
            return {"village": self.village.pk}
        return {"town": self.town.pk} if self.town else {}

    def within(self, queryset, village_path: str):
        if self.village:
            return queryset.filter(**{village_path: self.village.pk})
        if self.town:
            return queryset.filter(**{f"{village_path}__town": self.town.pk})
        return queryset

    @property
    def group(self) -> str:
        """The breakdown one level down: towns of the city, villages of a town (a village is its own row)."""
        return "village" if self.town or self.village else "town"


@dataclass
class Figure:
    key: str
    label: str
    value: object
    url: str | None = None
    unit: str = ""
    note: str = ""
    in_grid: bool = False  # shown in a table of its own on the page (the registry's category × status)

    def as_json(self) -> dict:
        value = str(self.value) if isinstance(self.value, Decimal) else self.value
        return {"key": self.key, "label": self.label, "value": value, "unit": self.unit, "url": self.url}


@dataclass
class Section:
    key: str
    title: str
    figures: list[Figure] = field(default_factory=list)
    charts: dict = field(default_factory=dict)  # data for the section's charts, JSON-ready
    tables: list[dict] = field(default_factory=list)  # funds: channel and source tables against targets

    def __getitem__(self, key: str) -> Figure:
        for figure in self.figures:
            if figure.key == key:
                return figure
        raise KeyError(key)  # templates try a dictionary lookup first, then the attribute

    def as_json(self) -> dict:
        return {
            "title": self.title,
            "figures": {f.key: f.as_json() for f in self.figures},
            "charts": self.charts,
        }


def link(name: str, paths: dict | None = None, **params) -> str:
    """The list behind a figure with its filters; `paths` keeps reversed URL names when one call makes thousands of
    links (a province has a thousand towns, twelve links each)."""
    if paths is None:
        path = reverse(name)
    elif (path := paths.get(name)) is None:
        path = paths[name] = reverse(name)
    query = urlencode({k: v for k, v in params.items() if v not in (None, "")})
    return path + (f"?{query}" if query else "")


def _day(d: date) -> str:
    return d.isoformat()


# --- the registry and the outcomes -------------------------------------------------------------------------------


def _in_registry(user, area: Area):
    return area.within(access.scope_people(user, Member.objects.all()), "village").in_registry(area.day)


def _member_counts(user, area: Area) -> dict:
    """The members of the area in one pass (members.stats.registry_counts), per village and in all: those in the
    registry at the end of the year, and the outcomes (party members lifted out, in all and in the year; residents
    brought along). The registry and outcomes sections and the breakdown by town share it within a request."""
    if "members" not in area.memo:
        day, first = area.day, date(area.year, 1, 1)
        party, resident = Q(category=Member.Category.PARTY), Q(category=Member.Category.RESIDENT)
        area.memo["members"] = registry_counts(
            area.within(access.scope_people(user, Member.objects.all()), "village"),
            on=day,
            by=() if area.is_past else ("status",),  # a past year's status is in the status history
            party_split=True,
            registry=in_registry(day),
            flags={
                "lifted": party & lifted_between(None, day),
                "lifted_in_year": party & lifted_between(first, day),
                "brought": resident & brought_along(day),
            },
        )
    return area.memo["members"]


def registry(user, area: Area) -> Section:
    """困难党员（群众）in the registry at the end of the year: category, status, age bands (party members, as the
    seed counts them), rural share, and the share of all party members."""
    day = area.day
    counts = _member_counts(user, area)
    n = {"total": counts["total"], "party": counts["party"], "resident": counts["resident"]}
    n["party_rural"] = counts["party_rural"]
    n |= {f"band_{i}": counts[f"party_band_{i}"] for i in range(len(AGE_BANDS))}
    if area.is_past:  # a past year's status is in the status history
        by_status = status_counts_on(_in_registry(user, area), on=day, totals=n)
    else:
        by_status = {(c, s): row[c] for s, row in counts["status"].items() for c in Member.Category.values}
    for s in STATUS_LABELS:
        for category in Member.Category.values:
            n[f"{category}_{s}"] = by_status.get((category, s), 0)
    branches = area.within(
        access.scope(user, PartyBranch.objects.filter(is_active=True), department="department"), "village"
    )
    party_total = branches.aggregate(total=Sum("member_count", default=0))["total"]

    def members_link(**params):
        return link("members:member-list", as_of=_day(day), **area.place, **params)

    party_link = {"category": Member.Category.PARTY}
    figures = [
        Figure("total", "在库困难对象", n["total"], members_link(), "人"),
        Figure("party", "困难党员", n["party"], members_link(**party_link), "人"),
        Figure("resident", "困难群众", n["resident"], members_link(category=Member.Category.RESIDENT), "人"),
        Figure(
            "party_rural",
            "农村困难党员",
            n["party_rural"],
            members_link(**party_link, area=Member.Area.RURAL),
            "人",
            f"占困难党员 {share(n['party_rural'], n['party'])}%",
        ),
        Figure(
            "party_share",
            "困难党员占党员总数",
            Decimal(str(share(n["party"], party_total))),
            members_link(**party_link),
            "%",
            f"党员总数 {party_total:,} 人（各党支部党员数之和）",
        ),
    ]
    for i, band in enumerate(AGE_BANDS):
        label = f"困难党员 {BAND_LABELS[band]}"
        figures.append(Figure(f"band_{band}", label, n[f"band_{i}"], members_link(**party_link, age_band=band), "人"))
    for s, label in STATUS_LABELS.items():
        for category in Member.Category.values:
            figures.append(
                Figure(
                    f"{category}_{s}",
                    f"{Member.Category(category).label}·{label}",
                    n[f"{category}_{s}"],
                    members_link(category=category, status=s),
                    "人",
                    in_grid=True,
                )
            )
    charts = {
        "status": {
            "statuses": list(STATUS_LABELS.values()),
            "series": [
                {
                    "name": Member.Category(c).label,
                    "data": [n[f"{c}_{s}"] for s in STATUS_LABELS],
                    "urls": [members_link(category=c, status=s) for s in STATUS_LABELS],
                }
                for c in Member.Category.values
            ],
        },
        "age_bands": [
            {"name": BAND_LABELS[band], "value": n[f"band_{i}"], "url": members_link(**party_link, age_band=band)}
            for i, band in enumerate(AGE_BANDS)
        ],
    }
    return Section("registry", f"困难党员（群众）信息库（截至 {day:%Y-%m-%d}）", figures, charts)


def outcomes(user, area: Area) -> Section:
    """Seed section 三: party members lifted out (680+), residents brought along (7,000+), satisfaction (95%+)."""
    day, first = area.day, date(area.year, 1, 1)
    n = _member_counts(user, area)
    answers = satisfaction(user, area)
    place = area.place
    figures = [
        Figure(
            "lifted",
            "脱贫致富的困难党员（累计）",
            n["lifted"],
            link("members:member-list", category="party", lifted_to=_day(day), **place),
            "人",
            "已完成民主评议、核实、公示、销号",
        ),
        Figure(
            "lifted_in_year",
            f"其中 {area.year} 年脱贫",
            n["lifted_in_year"],
            link("members:member-list", category="party", lifted_from=_day(first), lifted_to=_day(day), **place),
            "人",
        ),
        Figure(
            "brought",
            "带动致富的困难群众（累计）",
            n["brought"],
            link("members:member-list", category="resident", brought_to=_day(day), **place),
            "人",
            "已纳入帮扶项目或已脱贫的困难群众",
        ),
        Figure(
            "satisfaction",
            f"{area.year} 年群众满意度",
            answers["rate"],
            link("supervision:questionnaire-list", year=area.year, **place),
            "%",
            f"{answers['total']:,} 份答卷中满意 {answers['satisfied']:,}、基本满意 {answers['basically']:,}",
        ),
    ]
    return Section("outcomes", "主要成效", figures)


def satisfaction(user, area: Area) -> dict:
    responses = area.within(
        Response.objects.filter(questionnaire__in=Questionnaire.objects.visible_to(user)),
        "questionnaire__village",
    ).filter(questionnaire__held_on__year=area.year)
    return satisfaction_counts(responses)  # supervision's own count and rate, so both pages agree


# --- projects and pairs ------------------------------------------------------------------------------------------


def projects(user, area: Area) -> Section:
    """筛选敲定帮扶项目 of the year: recommended, key, demonstration bases, for residents; villages with a key
    project."""
    rows = area.within(access.scope(user, Project.objects.all(), village="village"), "village").filter(year=area.year)
    n = rows.aggregate(
        total=Count("pk"),
        key=Count("pk", filter=Q(is_key=True)),
        demo=Count("pk", filter=Q(is_demo_base=True)),
        residents=Count("pk", filter=Q(for_residents=True)),
        **{s: Count("pk", filter=Q(status=s)) for s in Project.Status.values},
    )
    active = _villages(user, area).filter(is_active=True)  # as the list of villages without one counts them
    keyed = Project.objects.filter(year=area.year, is_key=True).exclude(status=Project.Status.DROPPED)
    v = active.aggregate(all=Count("pk"), without=Count("pk", filter=~Q(pk__in=keyed.values("village"))))
    place = area.place

    def projects_link(**params):
        return link("projects:project-list", year=area.year, **place, **params)

    figures = [
        Figure("total", "推荐项目", n["total"], projects_link(), "个"),
        Figure("key", "重点培植项目", n["key"], projects_link(key=1), "个"),
        Figure("demo", "党员创业示范基地", n["demo"], projects_link(demo=1), "个"),
        Figure("residents", "困难群众帮扶项目", n["residents"], projects_link(residents=1), "个"),
        Figure(
            "without_key",
            "没有重点项目的村（社区）",
            v["without"],
            link("projects:villages-without-key-project", year=area.year, **place),
            "个",
            f"{v['all']:,} 个村（社区）中 {v['all'] - v['without']:,} 个已有重点项目",
        ),
    ]
    for s, label in Project.Status.choices:
        figures.append(Figure(f"status_{s}", label, n[s], projects_link(status=s), "个"))
    charts = {
        "status": [
            {"name": label, "value": n[s], "url": projects_link(status=s)} for s, label in Project.Status.choices
        ]
    }
    return Section("projects", f"{area.year} 年帮扶项目", figures, charts)


def _villages(user, area: Area):
    villages = access.villages_visible_to(user)
    if area.village:
        return villages.filter(pk=area.village.pk)
    return villages.filter(town=area.town) if area.town else villages


def pairs(user, area: Area) -> Section:
    """部门帮村 pairs of the year and 党员帮户 pairs standing at its end."""
    day = area.day
    villages = area.within(
        access.scope(user, VillagePairing.objects.all(), village="village", department="department"), "village"
    ).filter(year=area.year)
    v = villages.aggregate(
        pairs=Count("pk"), departments=Count("department", distinct=True), villages=Count("village", distinct=True)
    )
    households = area.within(
        access.scope(user, HouseholdPairing.objects.all(), village="member__village", department="cadre__department"),
        "member__village",
    ).filter(Q(ended_on__isnull=True) | Q(ended_on__gt=day), started_on__lte=day)
    h = households.aggregate(pairs=Count("pk"), cadres=Count("cadre", distinct=True))
    figures = [
        Figure(
            "village_pairs",
            "部门帮村结对",
            v["pairs"],
            link("projects:village-pairing-list", year=area.year, **area.place),
            "对",
            f"{v['departments']:,} 个部门帮扶 {v['villages']:,} 个村（社区）",
        ),
        Figure(
            "household_pairs",
            "党员帮户结对",
            h["pairs"],
            link("projects:household-pairing-list", on=_day(day), **area.place),
            "对",
            f"{h['cadres']:,} 名党员干部结对帮扶（{day:%Y-%m-%d}）",
        ),
    ]
    return Section("pairs", "结对帮扶", figures)


# --- money -------------------------------------------------------------------------------------------------------


def funds(user, area: Area) -> Section:
    """Money paid into the area's villages in the year by channel; for the whole city (and a department, its own
    account) the money raised by channel and source against the targets; bank loans outstanding and overdue."""
    paid = area.within(Disbursement.objects.visible_to(user), "village").posted_in(area.year)
    by_channel_paid = {
        row["account__channel"]: row["total"]
        for row in paid.order_by().values("account__channel").annotate(total=Sum("amount"))
    }
    place = area.place

    def paid_link(**params):
        return link("funding:disbursement-list", year=area.year, **place, **params)

    figures = [
        Figure("paid", "拨付到村的帮扶资金", sum(by_channel_paid.values(), ZERO), paid_link(), "元"),
    ]
    for channel in (Channel.SPECIAL, Channel.DEPARTMENT):
        figures.append(
            Figure(
                f"paid_{channel.value}",
                f"其中{channel.label}",
                by_channel_paid.get(channel.value, ZERO),
                paid_link(channel=channel.value),
                "元",
            )
        )
    loans = area.within(Loan.objects.visible_to(user), "member__village")
    n = loans.aggregate(
        lent=Sum("amount_approved", filter=Q(disbursed_on__year=area.year), default=ZERO),
        lent_count=Count("pk", filter=Q(disbursed_on__year=area.year)),
        outstanding=Sum(
            F("amount_approved") - F("paid_principal"), filter=Q(status=Loan.Status.DISBURSED), default=ZERO
        ),
        outstanding_count=Count("pk", filter=Q(status=Loan.Status.DISBURSED)),
    )
    overdue = loans.overdue(today=area.today).count()
    loan_place = place
    figures += [
        Figure(
            "lent",
            f"{area.year} 年党员农贷快车放贷",
            n["lent"],
            link("funding:loan-list", **loan_place),
            "元",
            f"{n['lent_count']:,} 笔",
        ),
        Figure(
            "outstanding",
            "贷款余额（今日）",
            n["outstanding"],
            link("funding:loan-list", status=Loan.Status.DISBURSED, **loan_place),
            "元",
            f"{n['outstanding_count']:,} 笔未结清",
        ),
        Figure("overdue_loans", "逾期贷款（今日）", overdue, link("funding:loan-list", overdue=1, **loan_place), "笔"),
    ]
    tables = []
    if (
        not area.town
        and not area.village
        and (access.is_city_wide(user) or access.has_role(user, access.Role.DEPT_STAFF))
    ):
        scope = FundScope.of(user)
        tables = [by_channel(scope, area.year, area.today)]
        if access.is_city_wide(user):
            tables.append(by_source(scope, area.year))
    charts = {
        "paid": [
            {
                "name": channel.label,
                "value": str(by_channel_paid.get(channel.value, ZERO)),
                "url": paid_link(channel=channel.value),
            }
            for channel in (Channel.SPECIAL, Channel.DEPARTMENT)
        ],
        "raised": [
            {
                "name": row["label"],
                "target": None if row.get("target") is None else str(row["target"]),
                "received": str(row.get("received", row.get("lent", ZERO))),
            }
            for table in tables[:1]
            for row in table["rows"]
        ],
    }
    return Section("funds", f"{area.year} 年帮扶资金", figures, charts, tables)


# --- supervision -------------------------------------------------------------------------------------------------


def supervision(user, area: Area) -> Section:
    """督查 in the year: visits, how many passed all three checks, rectifications open and overdue (today)."""
    visits = area.within(Visit.objects.visible_to(user), "village").filter(visited_on__year=area.year)
    all_passed = Q(**{name: Check.YES for name, _ in CHECKS})
    n = visits.aggregate(
        visits=Count("pk"),
        passed=Count("pk", filter=all_passed),
        villages=Count("village", distinct=True),
        officers=Count("officer", distinct=True),
    )
    rectifications = area.within(Rectification.objects.visible_to(user), "village")
    open_ones = Q(status__in=[Rectification.Status.OPEN, Rectification.Status.REOPENED])  # as .open() says
    r = rectifications.aggregate(
        open=Count("pk", filter=open_ones),
        overdue=Count("pk", filter=open_ones & Q(deadline__lt=area.today)),
    )
    answers = satisfaction(user, area)
    place = area.place
    figures = [
        Figure(
            "visits",
            "督查次数",
            n["visits"],
            link("supervision:visit-list", year=area.year, **place),
            "次",
            f"{n['officers']:,} 名联络员到 {n['villages']:,} 个村（社区）",
        ),
        Figure(
            "passed",
            "三项均达标",
            n["passed"],
            link("supervision:visit-list", year=area.year, findings=0, **place),
            "次",
            f"占 {share(n['passed'], n['visits'])}%（资金走向清楚、效果明显、群众满意）",
        ),
        Figure(
            "findings",
            "发现问题",
            n["visits"] - n["passed"],
            link("supervision:visit-list", year=area.year, findings=1, **place),
            "次",
        ),
        Figure(
            "open",
            "未整改完的事项（今日）",
            r["open"],
            link("supervision:rectification-list", status="open", **place),
            "项",
        ),
        Figure(
            "overdue",
            "逾期未整改（今日）",
            r["overdue"],
            link("supervision:rectification-list", overdue=1, **place),
            "项",
        ),
        Figure(
            "answers",
            "满意度问卷答卷",
            answers["total"],
            link("supervision:questionnaire-list", year=area.year, **place),
            "份",
            "满意度 " + (f"{answers['rate']}%" if answers["rate"] is not None else "—"),
        ),
    ]
    return Section("supervision", f"{area.year} 年督查", figures)


def sections(user, area: Area) -> list[Section]:
    return [
        outcomes(user, area),
        registry(user, area),
        projects(user, area),
        pairs(user, area),
        funds(user, area),
        supervision(user, area),
    ]


# --- breakdowns: by town (or village) and by year ----------------------------------------------------------------


def _grouped(queryset, group_by: str, **aggregates) -> dict:
    return {row.pop(group_by): row for row in queryset.order_by().values(group_by).annotate(**aggregates)}


AREA_COLUMNS = [
    ("members", "在库困难对象", "人"),
    ("party", "困难党员", "人"),
    ("lifted", "脱贫党员（累计）", "人"),
    ("brought", "带动群众（累计）", "人"),
    ("projects", "项目", "个"),
    ("key", "重点项目", "个"),
    ("demo", "示范基地", "个"),
    ("household_pairs", "党员帮户", "对"),
    ("paid", "拨付到村资金", "元"),
    ("visits", "督查", "次"),
    ("satisfaction", "满意度", "%"),
]


def areas(user, area: Area) -> dict:
    """One row per town (or per village of the chosen town) with the key figures, each linking to its list, and
    the link that drills down one level."""
    day = area.day
    towns = list(access.towns_visible_to(user).order_by("code"))
    level = "town" if area.group == "town" and len(towns) > 1 else "village"  # one town: its villages at once
    places = _villages(user, area).select_related("town").order_by("town__code", "code")
    if level == "town":
        rows = {t.pk: {"id": t.pk, "name": t.name, "params": {"town": t.pk}} for t in towns}
        key = "village__town"
    else:
        rows = {v.pk: {"id": v.pk, "name": v.name, "params": {"village": v.pk}} for v in places}
        key = "village"

    def group(queryset, path: str, **aggregates):
        prefix = path.rpartition("village")[0]
        return _grouped(area.within(queryset, path), prefix + key, **aggregates)

    # The members' figures come per village from the passes the sections share; a town row sums its villages.
    town_of = dict(Village.objects.values_list("pk", "town_id")) if level == "town" else {}
    people = {}
    for village, row in _member_counts(user, area)["village"].items():
        sums = people.setdefault(
            town_of.get(village, village), dict.fromkeys(("members", "party", "lifted", "brought"), 0)
        )
        sums["members"] += row["total"]
        for figure in ("party", "lifted", "brought"):
            sums[figure] += row[figure]
    project_rows = access.scope(user, Project.objects.filter(year=area.year), village="village")
    project_counts = group(
        project_rows,
        "village",
        projects=Count("pk"),
        key=Count("pk", filter=Q(is_key=True)),
        demo=Count("pk", filter=Q(is_demo_base=True)),
    )
    households = access.scope(
        user, HouseholdPairing.objects.all(), village="member__village", department="cadre__department"
    ).filter(Q(ended_on__isnull=True) | Q(ended_on__gt=day), started_on__lte=day)
    pair_counts = group(households, "member__village", household_pairs=Count("pk"))
    paid = group(Disbursement.objects.visible_to(user).posted_in(area.year), "village", paid=Sum("amount"))
    visits = group(Visit.objects.visible_to(user).filter(visited_on__year=area.year), "village", visits=Count("pk"))
    questionnaires = Questionnaire.objects.visible_to(user)
    answers = group(
        Response.objects.filter(questionnaire__in=questionnaires, questionnaire__held_on__year=area.year),
        "questionnaire__village",
        total=Count("pk"),
        content=Count("pk", filter=Q(answer__in=["satisfied", "basically"])),
    )
    table, paths = [], {}
    for pk, row in rows.items():
        params = row.pop("params")
        row.update({k: 0 for k in ("members", "party", "lifted", "brought", "projects", "key", "demo")})
        row.update(people.get(pk, {}), **project_counts.get(pk, {}))
        row["household_pairs"] = pair_counts.get(pk, {}).get("household_pairs", 0)
        row["paid"] = paid.get(pk, {}).get("paid") or ZERO
        row["visits"] = visits.get(pk, {}).get("visits", 0)
        a = answers.get(pk, {"total": 0, "content": 0})
        row["satisfaction"] = satisfaction_rate(a["content"], a["total"])
        row["urls"] = {
            "drill": link("dashboard:dashboard", paths, year=area.year, **params) if level == "town" else None,
            "dashboard": link("dashboard:dashboard", paths, year=area.year, **params),
            "members": link("members:member-list", paths, as_of=_day(day), **params),
            "party": link("members:member-list", paths, as_of=_day(day), category="party", **params),
            "lifted": link("members:member-list", paths, category="party", lifted_to=_day(day), **params),
            "brought": link("members:member-list", paths, category="resident", brought_to=_day(day), **params),
            "projects": link("projects:project-list", paths, year=area.year, **params),
            "key": link("projects:project-list", paths, year=area.year, key=1, **params),
            "demo": link("projects:project-list", paths, year=area.year, demo=1, **params),
            "household_pairs": link("projects:household-pairing-list", paths, on=_day(day), **params),
            "paid": link("funding:disbursement-list", paths, year=area.year, **params),
            "visits": link("supervision:visit-list", paths, year=area.year, **params),
            "satisfaction": link("supervision:questionnaire-list", paths, year=area.year, **params),
        }
        table.append(row)
    return {
        "level": level,
        "level_label": "乡镇（街道）" if level == "town" else "村（社区）",
        "columns": [{"key": k, "label": label, "unit": unit} for k, label, unit in AREA_COLUMNS],
        "rows": table,
    }


def years(user, area: Area, *, since: int, span: int = 10) -> dict:
    """The programme year by year from `since` (its first year) up to the chosen year, at most `span` years: lifted,
    projects, key projects, money paid, visits, satisfaction. Each value links to its list for that year."""
    first = max(min(since, area.year), area.year - span + 1)
    place = area.place
    members = area.within(access.scope_people(user, Member.objects.all()), "village")
    lifted = _grouped(
        Lifting.objects.closed_between(date(first, 1, 1), area.day)
        .filter(member__in=members.filter(category=Member.Category.PARTY))
        .annotate(y=ExtractYear("closed_on")),
        "y",
        n=Count("member", distinct=True),
    )
    project_rows = area.within(access.scope(user, Project.objects.all(), village="village"), "village")
    project_counts = _grouped(
        project_rows.filter(year__gte=first, year__lte=area.year),
        "year",
        n=Count("pk"),
        key=Count("pk", filter=Q(is_key=True)),
    )
    paid = _grouped(
        area.within(Disbursement.objects.visible_to(user), "village")
        .filter(paid_on__year__gte=first)
        .annotate(y=ExtractYear("paid_on")),
        "y",
        n=Sum("amount"),
    )
    visits = _grouped(
        area.within(Visit.objects.visible_to(user), "village")
        .filter(visited_on__year__gte=first)
        .annotate(y=ExtractYear("visited_on")),
        "y",
        n=Count("pk"),
    )
    questionnaires = Questionnaire.objects.visible_to(user)
    answers = _grouped(
        area.within(Response.objects.filter(questionnaire__in=questionnaires), "questionnaire__village")
        .filter(questionnaire__held_on__year__gte=first)
        .annotate(y=ExtractYear("questionnaire__held_on")),
        "y",
        total=Count("pk"),
        content=Count("pk", filter=Q(answer__in=["satisfied", "basically"])),
    )
    labels = list(range(first, area.year + 1))

    def value(table, y, key="n", empty=0):
        return (table.get(y) or {}).get(key) or empty

    series = {
        "lifted": [value(lifted, y) for y in labels],
        "projects": [value(project_counts, y) for y in labels],
        "key": [value(project_counts, y, "key") for y in labels],
        "paid": [str(value(paid, y, empty=ZERO)) for y in labels],
        "visits": [value(visits, y) for y in labels],
        "satisfaction": [
            None
            if not value(answers, y, "total")
            else str(satisfaction_rate(value(answers, y, "content"), value(answers, y, "total")))
            for y in labels
        ],
    }
    urls = {
        "lifted": [
            link("members:member-list", category="party", lifted_from=f"{y}-01-01", lifted_to=f"{y}-12-31", **place)
            for y in labels
        ],
        "projects": [link("projects:project-list", year=y, **place) for y in labels],
        "key": [link("projects:project-list", year=y, key=1, **place) for y in labels],
        "paid": [link("funding:disbursement-list", year=y, **place) for y in labels],
        "visits": [link("supervision:visit-list", year=y, **place) for y in labels],
        "satisfaction": [link("supervision:questionnaire-list", year=y, **place) for y in labels],
    }
    return {"years": labels, "series": series, "urls": urls}

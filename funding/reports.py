"""The fund report (资金报表): a year's money by channel, source, department and town, and every year, against the
targets (筹资目标).

Each table is a plain dict — title, columns, rows, a total row — built from grouped database aggregates, so the
number of queries is fixed whatever the number of lines. The page and the .xlsx export render the same dicts. Pool
figures come from the postings (one per line, reversals included), so every sum is already net of corrections; they
are read from the postings' monthly sums per account (`PostingMonth`, kept by a database trigger).
"""

from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Sum
from django.db.models.functions import ExtractYear

from funding.models import (
    SOURCES_OF,
    ZERO,
    Account,
    Channel,
    Contribution,
    Disbursement,
    FundTarget,
    Loan,
    PostingMonth,
    Repayment,
    standing,
)
from guanghan import access
from guanghan.models import Town

POOL = (Channel.SPECIAL, Channel.DEPARTMENT)


@dataclass(frozen=True)
class Column:
    """`kind` is money (元, shown in 万元), count, percent or text. A figure with `link` links to that list, filtered
    by the year, the row's `filters` and `params`; with `arg`, the row's value under `arg` is the URL's argument."""

    key: str
    label: str
    kind: str = "money"
    link: str | None = None
    params: dict = field(default_factory=dict)
    arg: str | None = None


@dataclass(frozen=True)
class Scope:
    accounts: QuerySet  # the pool accounts whose lines count
    targets: QuerySet
    departments: QuerySet
    channels: tuple  # pool channels in the report
    has_loans: bool  # bank loans are city-wide figures, not a department's
    filters: dict  # added to every link: department staff's lists stay on its own department's lines
    label: str

    @classmethod
    def of(cls, user):
        city = access.is_city_wide(user)
        return cls(
            accounts=Account.objects.visible_to(user),
            targets=access.scope(user, FundTarget.objects.all(), village=None, department="department"),
            departments=access.departments_visible_to(user),
            channels=POOL if city else (Channel.DEPARTMENT,),
            has_loans=city,
            filters={} if city else {"department": user.department_id or 0},
            label="全市" if city else f"{user.department.short_name if user.department_id else '未设置部门'}（本部门）",
        )


def percent(part, whole) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part or 0) * 100 / whole).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def _grouped(queryset, key, **aggregates) -> dict:
    """The aggregates per value of `key`: {value: {name: aggregate}}."""
    return {row.pop(key): row for row in queryset.order_by().values(key).annotate(**aggregates)}


def _add(rows, *keys, empty=ZERO) -> dict:
    """The total row of figures summed over disjoint groups (not distinct counts: the database counts those)."""
    total = {}
    for key in keys:
        values = [row[key] for row in rows if row.get(key) is not None]
        total[key] = sum(values[1:], values[0]) if values else empty
    return total


def _money(expression="amount", **filters):
    return Sum(expression, filter=Q(**filters) if filters else None, default=ZERO)


def _flows(year: int) -> dict:
    """Money in, money out in the year and the balance at its end, over the accounts' monthly sums of postings
    (`PostingMonth`: a few rows per account and year, not every line)."""
    return {
        "received": _money("money_in", month__year=year),
        "paid": _money("money_out", month__year=year),
        "balance": _money(F("money_in") - F("money_out"), month__lte=date(year, 12, 31)),
    }


STANDING = standing(Disbursement)  # a reversed line paid no village or project


def _channel_target(row: dict | None, channel: str) -> Decimal | None:
    """The channel-wide target when one is set, otherwise the sum of its sources' (special) or departments' targets."""
    if not row:
        return None
    if row["wide"] is not None:
        return row["wide"]
    return row["by_source"] if channel == Channel.SPECIAL else row["by_department"]


def by_channel(scope: Scope, year: int, today: date) -> dict:
    targets = _grouped(
        scope.targets.filter(year=year),
        "channel",
        wide=Sum("amount", filter=Q(source="", department=None)),
        by_source=Sum("amount", filter=~Q(source="") & Q(department=None)),
        by_department=Sum("amount", filter=Q(department__isnull=False)),
    )
    flows = _grouped(PostingMonth.objects.filter(account__in=scope.accounts), "account__channel", **_flows(year))
    rows = []
    for channel in scope.channels:
        figures = flows.get(channel, {"received": ZERO, "paid": ZERO, "balance": ZERO})
        target = _channel_target(targets.get(channel), channel)
        row = {"label": channel.label, "target": target, **figures, "done": percent(figures["received"], target)}
        rows.append(row | {"filters": {"channel": channel.value}})
    label = "资金池合计" if scope.has_loans else "合计"  # beside the credit row, say what the total leaves out
    total = {"label": label, **_add(rows, "received", "paid", "balance"), **_add(rows, "target", empty=None)}
    total["done"] = percent(total["received"], total["target"])
    if scope.has_loans:
        loans = Loan.objects.aggregate(
            lent=_money("amount_approved", disbursed_on__year=year),
            outstanding=_money(F("amount_approved") - F("paid_principal"), status=Loan.Status.DISBURSED),
        )
        target = _channel_target(targets.get(Channel.CREDIT), Channel.CREDIT)
        overdue = Loan.objects.overdue(today=today).count()
        done = percent(loans["lent"], target)
        rows.append({"label": Channel.CREDIT.label, "target": target, **loans, "done": done, "overdue": overdue})
    columns = [
        Column("label", "资金渠道", "text"),
        Column("target", "年度目标"),
        Column("received", "到账收入", link="funding:contribution-list"),
        Column("paid", "支出", link="funding:disbursement-list"),
        Column("balance", "年末余额"),
        Column("done", "完成率", "percent"),
    ]
    if scope.has_loans:
        columns += [
            Column("lent", "当年放贷"),
            Column(
                "outstanding",
                "贷款余额（今日）",
                link="funding:loan-list",
                params={"status": "disbursed"},
            ),
            Column("overdue", "逾期（笔）", "count", link="funding:loan-list", params={"overdue": "1"}),
        ]
    note = "完成率为到账收入÷年度目标。"
    if scope.has_loans:
        note = "完成率：资金池为到账收入÷年度目标；党员农贷快车为当年银行放贷÷年度目标。贷款是银行的钱，不计入资金池。"
    return {"key": "channel", "title": "按资金渠道", "note": note, "columns": columns, "rows": rows, "total": total}


def by_source(scope: Scope, year: int) -> dict:
    """The special fund's money in by source, against each source's target."""
    targets = _grouped(
        scope.targets.filter(year=year, channel=Channel.SPECIAL, department=None).exclude(source=""),
        "source",
        target=Sum("amount"),
    )
    received = _grouped(
        Contribution.objects.filter(account__in=scope.accounts, account__channel=Channel.SPECIAL).posted_in(year),
        "source",
        received=_money(),
    )
    rows = []
    for source in SOURCES_OF[Channel.SPECIAL]:
        target = targets.get(source, {}).get("target")
        money_in = received.get(source, {}).get("received", ZERO)
        row = {"label": source.label, "target": target, "received": money_in, "done": percent(money_in, target)}
        rows.append(row | {"filters": {"channel": Channel.SPECIAL.value, "source": source.value}})
    total = {"label": "合计", **_add(rows, "received"), **_add(rows, "target", empty=None)}
    total |= {"done": percent(total["received"], total["target"]), "filters": {"channel": Channel.SPECIAL.value}}
    columns = [
        Column("label", "来源", "text"),
        Column("target", "年度目标"),
        Column("received", "到账收入", link="funding:contribution-list"),
        Column("done", "完成率", "percent"),
    ]
    return {"key": "source", "title": "专项资金按来源", "columns": columns, "rows": rows, "total": total}


def by_department(scope: Scope, year: int) -> dict:
    """Each department's own money (an account, or a target, makes a row), and the villages and projects it reached."""
    department_targets = scope.targets.filter(year=year, channel=Channel.DEPARTMENT, department__isnull=False)
    departments = (
        scope.departments.filter(
            Q(fund_account__isnull=False) | Exists(department_targets.filter(department=OuterRef("pk"))),
        )
        .annotate(account_id=F("fund_account"))
        .order_by("name")
    )
    targets = _grouped(department_targets, "department", target=Sum("amount"))
    months = PostingMonth.objects.filter(account__in=scope.accounts, account__channel=Channel.DEPARTMENT)
    flows = _grouped(months, "account__department", **_flows(year))
    paid_out = Disbursement.objects.filter(account__in=scope.accounts, account__channel=Channel.DEPARTMENT)
    reached = {
        "villages": Count("village", distinct=True, filter=STANDING),
        "projects": Count("project", distinct=True, filter=STANDING),
    }
    reach = _grouped(paid_out.posted_in(year), "account__department", **reached)
    empty = {"received": ZERO, "paid": ZERO, "balance": ZERO, "villages": 0, "projects": 0}
    rows = []
    for department in departments:
        target = targets.get(department.pk, {}).get("target")
        figures = empty | flows.get(department.pk, {}) | reach.get(department.pk, {})
        row = {"label": department.short_name, "target": target, **figures, "account": department.account_id}
        row |= {"done": percent(figures["received"], target), "filters": {"department": department.pk}}
        rows.append(row)
    total = {"label": "合计", **_add(rows, "received", "paid", "balance"), **_add(rows, "target", empty=None)}
    # two departments may pay into one village or project: count them once
    total |= paid_out.posted_in(year).aggregate(**reached) | {"filters": {}}
    total["done"] = percent(total["received"], total["target"])
    params = {"channel": Channel.DEPARTMENT.value}
    columns = [
        Column("label", "部门", "text"),
        Column("target", "年度目标", link="funding:target-list"),
        Column("received", "到账收入", link="funding:contribution-list", params=params),
        Column("paid", "支出", link="funding:disbursement-list", params=params),
        Column("done", "完成率", "percent"),
        Column("villages", "帮扶村数", "count", link="funding:disbursement-list", params=params),
        Column("projects", "扶持项目数", "count", link="funding:disbursement-list", params=params),
        Column("balance", "年末余额", link="funding:account-ledger", arg="account"),
    ]
    return {"key": "department", "title": "部门帮扶资金按部门", "columns": columns, "rows": rows, "total": total}


def by_town(scope: Scope, year: int) -> dict:
    """Money paid into each town's villages, by channel, and bank loans to the town's members."""
    paid = {f"paid_{c.value}": _money(account__channel=c) for c in scope.channels}
    flows = _grouped(
        Disbursement.objects.filter(account__in=scope.accounts).posted_in(year),
        "village__town",
        paid=_money(),
        **paid,
        projects=Count("project", distinct=True, filter=STANDING),
    )
    loans = {}
    if scope.has_loans:
        loans = _grouped(
            Loan.objects.filter(disbursed_on__year=year),
            "member__village__town",
            lent=_money("amount_approved"),
            loans=Count("pk"),
        )
    empty = dict.fromkeys(["paid", *paid], ZERO) | {"projects": 0}
    empty |= {"lent": ZERO, "loans": 0} if scope.has_loans else {}
    rows = [
        {"label": town.name, **empty, **flows.get(town.pk, {}), **loans.get(town.pk, {}), "filters": {"town": town.pk}}
        for town in Town.objects.order_by("code")
    ]
    # a project lies in one town, so the towns' project counts add up
    total = {"label": "合计", **_add(rows, *empty), "filters": {}}
    columns = [Column("label", "乡镇", "text")]
    columns += [
        Column(f"paid_{c.value}", f"{c.label}投入", link="funding:disbursement-list", params={"channel": c.value})
        for c in scope.channels
    ]
    columns += [
        Column("paid", "投入合计", link="funding:disbursement-list"),
        Column("projects", "扶持项目数", "count", link="funding:disbursement-list"),
    ]
    if scope.has_loans:
        columns += [Column("lent", "银行放贷（党员农贷快车）"), Column("loans", "放贷笔数", "count")]
    return {"key": "town", "title": "按乡镇（投入所在村的乡镇）", "columns": columns, "rows": rows, "total": total}


def by_year(scope: Scope) -> dict:
    """Every year's money in and out per channel; bank loans lent and principal repaid."""
    aggregates = {}
    for c in scope.channels:
        aggregates[f"received_{c.value}"] = _money("money_in", account__channel=c)
        aggregates[f"paid_{c.value}"] = _money("money_out", account__channel=c)
    flows = _grouped(
        PostingMonth.objects.filter(account__in=scope.accounts).annotate(year=ExtractYear("month")),
        "year",
        **aggregates,
    )
    columns = [Column("label", "年度", "text")]
    for c in scope.channels:
        columns += [Column(f"received_{c.value}", f"{c.label}收入"), Column(f"paid_{c.value}", f"{c.label}支出")]
    lent = repaid = {}
    if scope.has_loans:
        lent = _grouped(
            Loan.objects.filter(disbursed_on__isnull=False).annotate(year=ExtractYear("disbursed_on")),
            "year",
            lent=_money("amount_approved"),
        )
        repaid = _grouped(Repayment.objects.annotate(year=ExtractYear("paid_on")), "year", repaid=_money("principal"))
        columns += [Column("lent", "银行放贷"), Column("repaid", "收回贷款本金")]
    empty = dict.fromkeys((c.key for c in columns[1:]), ZERO)
    years = sorted({*flows, *lent, *repaid})
    rows = [
        {"label": str(y), "year": y, **empty, **flows.get(y, {}), **lent.get(y, {}), **repaid.get(y, {})} for y in years
    ]
    total = {"label": "合计", **_add(rows, *empty)}
    table = {"key": "year", "title": "历年收支", "columns": columns, "rows": rows, "total": total}
    return table | {"line_years": sorted(flows)}


def fund_report(user, year: int | None, *, today: date) -> dict:
    """The report for `year` (default: the latest year with lines in the user's scope, else this year)."""
    scope = Scope.of(user)
    yearly = by_year(scope)
    year = year or (yearly["line_years"][-1] if yearly["line_years"] else today.year)
    tables = [by_channel(scope, year, today)]
    if Channel.SPECIAL in scope.channels:
        tables.append(by_source(scope, year))
    tables += [by_department(scope, year), by_town(scope, year), yearly]
    return {"year": year, "tables": tables, "filters": scope.filters, "scope": scope.label}

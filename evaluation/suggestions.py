"""The suggested score of each department in each block of a year, read from the data of the other apps.

A block's suggestion is its maximum points × the department's achievement (0–1, capped at 1), rounded to 2 places,
with a one-line basis in Chinese giving the department's own numbers. Every figure is counted in the database by one
grouped query per block (部门帮村 two: its target agreements, and its paired villages for a department that signed
none), so the number of queries does not grow with the number of departments.

A department's paired villages (结对村) are its `VillagePairing`s of the year; its households are the pairs of its
cadres active at some time in the year.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import (
    Avg,
    Case,
    Count,
    DecimalField,
    Exists,
    Func,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, Greatest, Least

from evaluation.models import Agreement, AssessmentYear, BlockCode, quantize
from funding.models import Disbursement, Loan
from guanghan.lib.money import to_wan
from guanghan.models import Department
from projects.models import HouseholdContact, HouseholdPairing, Project, VillagePairing

ZERO, ONE = Decimal(0), Decimal(1)
CONTACTS_A_YEAR = 6  # 党员帮户: a contact every two months
STARTED = [Project.Status.RUNNING, Project.Status.COMPLETED]
RATIO = DecimalField(max_digits=20, decimal_places=10)

EXPLANATIONS = {
    BlockCode.VILLAGE_PAIRING: (
        "按本年度的目标责任书逐村计算两项完成率：开工项目数（该村本年度的项目，及以前年度开工、"
        "本年度仍在实施的项目）÷ 目标开工项目数，"
        "本部门账户本年度投入该村的资金（扣除冲销）÷ 目标投入资金；每项超过 100% 按 100% 计，目标为 0 的项视为完成。"
        "建议分 = 各责任书两项完成率的平均数 × 满分。未签目标责任书的部门按本年度结对村计：每村目标开工 1 个项目、"
        "投入资金大于 0。"
    ),
    BlockCode.HOUSEHOLD_PAIRING: (
        "本部门干部本年度内结对帮扶的户，全年联系次数（入户走访和电话联系）÷（6 次 × 结对户数），"
        "即每户每两个月至少联系一次；超过 100% 按 100% 计。建议分 = 完成率 × 满分。"
    ),
    BlockCode.BRANCH_ASSOCIATION: (
        "结对村本年度的重点培植项目（含以前年度敲定、本年度仍在实施的，终止的不计）中，"
        "既依托党支部、又依托协会的项目所占比例。建议分 = 该比例 × 满分；"
        "结对村没有重点培植项目的为 0 分。"
    ),
    BlockCode.CREDIT: (
        "本部门干部结对帮扶的对象和结对村对象的党员农贷快车贷款中，本年度内尚未结清的（本年度放款、仍在还款或年内结清），"
        "年末前到期的本息没有拖欠（按现有还款记录）的笔数所占比例。建议分 = 该比例 × 满分；本年度无农贷的为 0 分。"
    ),
    BlockCode.DEMO_BASE: (
        "结对村本年度的党员创业示范基地个数（含仍在运行的以前年度基地，终止的不计） ÷ 结对村个数"
        "（平均每村 1 个为满分），超过 100% 按 100% 计。"
        "建议分 = 完成率 × 满分。"
    ),
}


def explain(code: str) -> str:
    """How the suggestion of a block is computed, in one paragraph for the page (“建议分如何计算”)."""
    return EXPLANATIONS[BlockCode(code)]


@dataclass(frozen=True)
class Achievement:
    share: Decimal  # 0–1
    basis: str


def suggest(year: AssessmentYear, departments: Iterable | None = None) -> dict[tuple[int, str], tuple[Decimal, str]]:
    """{(department id, block code): (suggested score, basis)} for every block of the year and every department
    given (Department objects or ids; by default the departments paired with a village that year).

    A department without data in a block gets 0.00 with a basis saying what is missing.
    """
    if departments is None:
        departments = VillagePairing.objects.filter(year=year.year).values_list("department_id", flat=True).distinct()
    ids = sorted({getattr(d, "pk", d) for d in departments})
    if not ids:
        return {}
    out = {}
    for block in year.blocks.all():
        achieved = BLOCKS[block.code](year.year, ids)
        for pk in ids:
            share, basis = achieved[pk].share, achieved[pk].basis
            out[(pk, block.code)] = (quantize(block.max_points * min(max(share, ZERO), ONE)), basis)
    return out


# Building blocks of the queries ---------------------------------------------------------------------------------


def _count(queryset: QuerySet) -> Subquery:
    """COUNT(*) of a correlated queryset, as a subquery (0 when it is empty)."""
    return Subquery(queryset.order_by().annotate(n=Func("pk", function="COUNT")).values("n")[:1])


def _sum(queryset: QuerySet, field: str) -> Coalesce:
    total = queryset.order_by().annotate(total=Func(field, function="SUM")).values("total")[:1]
    return Coalesce(Subquery(total), Value(ZERO), output_field=RATIO)


def _part(actual: str, target: str) -> Case:
    """min(1, actual ÷ target), not below 0; a target of 0 counts as met."""
    ratio = Cast(actual, RATIO) / Cast(target, RATIO)
    return Case(
        When(**{target: 0}, then=Value(ONE)),
        default=Greatest(Value(ZERO), Least(Value(ONE), ratio)),
        output_field=RATIO,
    )


def _year_range(year: int) -> tuple[date, date]:
    return date(year, 1, 1), date(year, 12, 31)


def _active_pairs(year: int) -> Q:
    """Household pairs active at some time in the year."""
    start, end = _year_range(year)
    return Q(started_on__lte=end) & (Q(ended_on__isnull=True) | Q(ended_on__gte=start))


def _percent(share: Decimal) -> str:
    share = min(max(share, ZERO), ONE)
    return f"{(share * 100).quantize(Decimal('0.1'), rounding=ROUND_HALF_UP)}%"


def _running_in(year: int, prefix: str = "") -> Q:
    """Projects at work during the year: started (running or completed) by 31 Dec, not finished before 1 Jan.
    A key project chosen in 2015 that runs on through 2016 counts in both years."""
    return Q(**{f"{prefix}status__in": STARTED, f"{prefix}started_on__year__lte": year}) & (
        Q(**{f"{prefix}finished_on__isnull": True}) | Q(**{f"{prefix}finished_on__year__gte": year})
    )


def _share(part, whole) -> Decimal:
    return min(ONE, Decimal(part) / Decimal(whole)) if whole else ZERO


# One function per block: (year, department ids) → {department id: Achievement} --------------------------------


def _village_pairing(year: int, ids: list[int]) -> dict[int, Achievement]:
    started = Project.objects.filter(Q(year=year, status__in=STARTED) | _running_in(year), village=OuterRef("village"))
    paid = Disbursement.objects.filter(
        account__department=OuterRef("department"), village=OuterRef("village"), paid_on__year=year
    )
    agreements = (
        Agreement.objects.filter(year=year, department_id__in=ids)
        .annotate(started=_count(started), invested=_sum(paid, "amount"))
        .annotate(done=(_part("started", "projects_started") + _part("invested", "money_invested")) / Value(2))
        .order_by()
        .values("department_id")
        .annotate(
            n=Count("pk"),
            started_sum=Sum("started"),
            target_sum=Sum("projects_started"),
            invested_sum=Sum("invested"),
            money_sum=Sum("money_invested"),
            share=Avg("done", output_field=RATIO),
        )
    )
    villages = (
        VillagePairing.objects.filter(year=year, department_id__in=ids)
        .annotate(has_started=Exists(started), invested=_sum(paid, "amount"))
        .order_by()
        .values("department_id")
        .annotate(
            n=Count("pk"),
            with_started=Count("pk", filter=Q(has_started=True)),
            with_money=Count("pk", filter=Q(invested__gt=0)),
        )
    )
    signed = {row["department_id"]: row for row in agreements}
    paired = {row["department_id"]: row for row in villages}
    out = {}
    for pk in ids:
        if row := signed.get(pk):
            share = row["share"]
            out[pk] = Achievement(
                share,
                f"{row['n']} 个责任村：开工项目 {row['started_sum']}/{row['target_sum']}，"
                f"投入资金 {to_wan(row['invested_sum'])}/{to_wan(row['money_sum'])} 万元，完成 {_percent(share)}",
            )
        elif row := paired.get(pk):
            n = row["n"]
            share = Decimal(row["with_started"] + row["with_money"]) / (2 * n)
            out[pk] = Achievement(
                share,
                f"未签目标责任书，按 {n} 个结对村计（每村开工 1 个项目、有资金投入）：有开工项目的村 "
                f"{row['with_started']}/{n}，有资金投入的村 {row['with_money']}/{n}，完成 {_percent(share)}",
            )
        else:
            out[pk] = Achievement(ZERO, "本年度没有目标责任书，也没有结对村")
    return out


def _household_pairing(year: int, ids: list[int]) -> dict[int, Achievement]:
    start, end = _year_range(year)
    contacts = HouseholdContact.objects.filter(pairing=OuterRef("pk"), contacted_on__range=(start, end))
    rows = (
        HouseholdPairing.objects.filter(_active_pairs(year), cadre__department_id__in=ids)
        .annotate(contacts_made=_count(contacts))
        .order_by()
        .values("cadre__department_id")
        .annotate(pairs=Count("pk"), contact_sum=Sum("contacts_made"))
    )
    found = {row["cadre__department_id"]: row for row in rows}
    out = {}
    for pk in ids:
        row = found.get(pk)
        if not row:
            out[pk] = Achievement(ZERO, "本年度没有党员帮户结对")
            continue
        due = CONTACTS_A_YEAR * row["pairs"]
        share = _share(row["contact_sum"], due)
        out[pk] = Achievement(
            share,
            f"{row['pairs']} 户结对：全年联系 {row['contact_sum']} 次，应联系 {due} 次（每户每两个月一次），"
            f"完成 {_percent(share)}",
        )
    return out


def _paired_villages(year: int, ids: list[int], **counts: Q) -> dict[int, dict]:
    """Per department: how many villages it is paired with (`villages`), and for each name in `counts` how many
    projects of the year in them meet that condition (a Q on `village__projects__…`)."""
    # The year's projects, and earlier ones still at work in it; dropped ones (终止) do not count.
    in_year = (Q(village__projects__year=year) | _running_in(year, "village__projects__")) & ~Q(
        village__projects__status="dropped"
    )
    rows = (
        VillagePairing.objects.filter(year=year, department_id__in=ids)
        .order_by()
        .values("department_id")
        .annotate(
            villages=Count("pk", distinct=True),
            **{name: Count("village__projects", filter=in_year & q) for name, q in counts.items()},
        )
    )
    return {row["department_id"]: row for row in rows}


def _branch_association(year: int, ids: list[int]) -> dict[int, Achievement]:
    key = Q(village__projects__is_key=True)
    both = key & Q(village__projects__branch__isnull=False, village__projects__association__isnull=False)
    found = _paired_villages(year, ids, key=key, both=both)
    out = {}
    for pk in ids:
        row = found.get(pk)
        if not row:
            out[pk] = Achievement(ZERO, "本年度没有结对村")
        elif not row["key"]:
            out[pk] = Achievement(ZERO, f"{row['villages']} 个结对村本年度没有重点培植项目")
        else:
            share = _share(row["both"], row["key"])
            out[pk] = Achievement(
                share,
                f"{row['villages']} 个结对村的重点培植项目 {row['key']} 个，"
                f"其中既有支部又有协会的 {row['both']} 个，完成 {_percent(share)}",
            )
    return out


def _demo_base(year: int, ids: list[int]) -> dict[int, Achievement]:
    found = _paired_villages(year, ids, bases=Q(village__projects__is_demo_base=True))
    out = {}
    for pk in ids:
        row = found.get(pk)
        if not row:
            out[pk] = Achievement(ZERO, "本年度没有结对村")
            continue
        share = _share(row["bases"], row["villages"])
        out[pk] = Achievement(
            share,
            f"{row['villages']} 个结对村，党员创业示范基地 {row['bases']} 个（每村 1 个为满分），"
            f"完成 {_percent(share)}",
        )
    return out


def _credit(year: int, ids: list[int]) -> dict[int, Achievement]:
    start, end = _year_range(year)
    villages = VillagePairing.objects.filter(year=year, department=OuterRef(OuterRef("pk"))).values("village_id")
    members = HouseholdPairing.objects.filter(_active_pairs(year), cadre__department=OuterRef(OuterRef("pk")))
    # Owed at some time in the year: paid out by its end and not settled before it began (a loan paid out in the
    # year is in, and so is one paid off during the year).
    loans = Loan.objects.filter(
        Q(settled_on__isnull=True) | Q(settled_on__gte=start),
        Q(member__village__in=villages) | Q(member__in=members.values("member_id")),
        status__in=[Loan.Status.DISBURSED, Loan.Status.SETTLED],
        disbursed_on__lte=end,
    )
    current = loans.with_arrears(today=date(year + 1, 1, 1)).filter(overdue_since__isnull=True)
    rows = Department.objects.filter(pk__in=ids).annotate(loans=_count(loans), current=_count(current))
    found = {row["pk"]: row for row in rows.order_by().values("pk", "loans", "current")}
    out = {}
    for pk in ids:
        row = found.get(pk)
        if not row or not row["loans"]:
            out[pk] = Achievement(ZERO, "本年度无农贷")
            continue
        share = _share(row["current"], row["loans"])
        out[pk] = Achievement(
            share,
            f"农贷 {row['loans']} 笔（本年度放款或仍在还款），年末未逾期 {row['current']} 笔，"
            f"逾期 {row['loans'] - row['current']} 笔，完成 {_percent(share)}",
        )
    return out


BLOCKS: dict[str, Callable[[int, list[int]], dict[int, Achievement]]] = {
    BlockCode.VILLAGE_PAIRING: _village_pairing,
    BlockCode.HOUSEHOLD_PAIRING: _household_pairing,
    BlockCode.BRANCH_ASSOCIATION: _branch_association,
    BlockCode.CREDIT: _credit,
    BlockCode.DEMO_BASE: _demo_base,
}

"""How far each 目标责任书 has come: the five targets against what the data of projects, funding, supervision and
the registry show, computed in the database with one grouped query per target for any number of agreements.

What counts as done, for an agreement of department D with village V in year Y:

- 开工项目数: projects of V for year Y that have started (status 实施中 or 完成, or a start date recorded, so a project
  that started and was later dropped still counts).
- 纳入项目的帮扶对象: distinct members enrolled in V's projects of year Y (people who later left still count).
- 投入帮扶资金: the net sum of disbursements from D's own account into V paid in Y (reversals are negative lines dated
  when they were made, so they net in the year they were entered); money from the special fund or another
  department does not count.
- 督查走访: supervision visits to V dated in Y.
- 帮助脱贫: distinct members of V whose status changed to 已脱贫 in Y, read from the status history (StatusChange), the
  same history the registry statistics read (`Member.objects.with_status_on`); a 销号 (Lifting closed) writes
  that change on its closing day, so both agree.

Percent = actual ÷ target × 100, one decimal, half up; a target of 0 has no percent (shown as “—”).
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, F, Q, Sum
from django.db.models.functions import ExtractYear

from funding.models import Disbursement
from members.models import Member, StatusChange
from projects.models import Enrollment, Project
from supervision.models import Visit

TENTH = Decimal("0.1")
TARGETS: tuple[tuple[str, str, str], ...] = (
    ("projects_started", "开工项目", "个"),
    ("members_enrolled", "纳入对象", "人"),
    ("money_invested", "投入资金", "元"),
    ("visits", "督查走访", "次"),
    ("members_lifted", "帮助脱贫", "人"),
)
TARGET_FIELDS = tuple(name for name, _, _ in TARGETS)


@dataclass(frozen=True)
class Figure:
    """One target of one agreement: what was signed, what the data show, and the share done."""

    key: str
    label: str
    unit: str
    target: int | Decimal
    actual: int | Decimal

    @property
    def percent(self) -> Decimal | None:
        return percent_of(self.actual, self.target)

    @property
    def bar(self) -> int:
        """Width of the progress bar, 0–100 (an over-fulfilled target fills the bar)."""
        value = self.percent
        return 0 if value is None else int(min(max(value, Decimal(0)), Decimal(100)))

    @property
    def is_met(self) -> bool:
        return self.actual >= self.target

    @property
    def is_money(self) -> bool:
        return self.key == "money_invested"


def percent_of(actual, target) -> Decimal | None:
    """actual ÷ target × 100 with one decimal, half up; None for a target of 0."""
    if not target:
        return None
    return (Decimal(actual) * 100 / Decimal(target)).quantize(TENTH, rounding=ROUND_HALF_UP)


def _years_between(field: str, years: set[int]) -> Q:
    """An index-friendly date range covering the years (rows of years in between are grouped and ignored)."""
    return Q(**{f"{field}__gte": date(min(years), 1, 1), f"{field}__lt": date(max(years) + 1, 1, 1)})


def _grouped(queryset, keys: dict[str, object], value) -> dict[tuple, object]:
    rows = queryset.order_by().values(**keys).annotate(value=value).values_list(*keys, "value")
    return {tuple(row[:-1]): row[-1] for row in rows}


def actual_figures(villages: set[int], years: set[int], departments: set[int]) -> dict[str, dict[tuple, object]]:
    """The five actuals, each {key: value}: (village, year) keys, and (department, village, year) for money."""
    started = Q(status__in=[Project.Status.RUNNING, Project.Status.COMPLETED]) | Q(started_on__isnull=False)
    return {
        "projects_started": _grouped(
            Project.objects.filter(started, village_id__in=villages, year__in=years),
            {"v": F("village_id"), "y": F("year")},
            Count("pk"),
        ),
        "members_enrolled": _grouped(
            Enrollment.objects.filter(project__village_id__in=villages, project__year__in=years),
            {"v": F("project__village_id"), "y": F("project__year")},
            Count("member_id", distinct=True),
        ),
        "money_invested": _grouped(
            Disbursement.objects.filter(
                _years_between("paid_on", years), account__department_id__in=departments, village_id__in=villages
            ),
            {"d": F("account__department_id"), "v": F("village_id"), "y": ExtractYear("paid_on")},
            Sum("amount"),
        ),
        "visits": _grouped(
            Visit.objects.filter(_years_between("visited_on", years), village_id__in=villages),
            {"v": F("village_id"), "y": ExtractYear("visited_on")},
            Count("pk"),
        ),
        "members_lifted": _grouped(
            StatusChange.objects.filter(
                _years_between("changed_on", years), to_status=Member.Status.LIFTED, member__village_id__in=villages
            ),
            {"v": F("member__village_id"), "y": ExtractYear("changed_on")},
            Count("member_id", distinct=True),
        ),
    }


def agreement_progress(agreements: Iterable) -> dict[int, dict[str, Figure]]:
    """{agreement pk: {target field: Figure}} for agreements (objects with department_id, village_id, year and the
    five targets); five queries whatever their number, none when there are none."""
    agreements = list(agreements)
    if not agreements:
        return {}
    actuals = actual_figures(
        villages={a.village_id for a in agreements},
        years={a.year for a in agreements},
        departments={a.department_id for a in agreements},
    )
    progress = {}
    for a in agreements:
        place = (a.village_id, a.year)
        progress[a.pk] = {}
        for key, label, unit in TARGETS:
            found = actuals[key].get((a.department_id, *place) if key == "money_invested" else place)
            zero = Decimal("0.00") if key == "money_invested" else 0
            progress[a.pk][key] = Figure(key, label, unit, target=getattr(a, key), actual=found or zero)
    return progress


def totals(agreements: Iterable, progress: dict[int, dict[str, Figure]]) -> dict[str, Figure]:
    """Each target and actual summed over the agreements (a table's 合计 row)."""
    agreements = list(agreements)
    summed = {}
    for key, label, unit in TARGETS:
        zero = Decimal("0.00") if key == "money_invested" else 0
        summed[key] = Figure(
            key,
            label,
            unit,
            target=sum((getattr(a, key) for a in agreements), zero),
            actual=sum((progress[a.pk][key].actual for a in agreements), zero),
        )
    return summed

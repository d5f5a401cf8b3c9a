"""Leaders' work list: the overdue items of each department, as of today.

Three kinds, each counted as the list it links to counts it:
- 逾期未整改: rectifications the department owns, open or reopened, past their deadline (supervision's `overdue`);
- 超过两个月未联系的帮扶对象: active household pairs of its cadres with no contact for two months
  (projects.services.pairing_overdue);
- 逾期未还的党员农贷: overdue loans of the members its cadres are paired with now (funding's `Loan.overdue`).

Each count is a correlated subquery on the department row, so the page makes the same queries however many
departments and items there are; `overdue_total` adds up the same annotated queryset.
"""

from django.db.models import Exists, F, Func, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from funding.models import Loan
from guanghan import access
from guanghan.access import Role, role_required
from guanghan.lib.paging import CappedPaginator
from projects.models import HouseholdPairing
from projects.services import pairing_overdue
from supervision.models import Rectification

PAGE_SIZE = 50
READERS = (Role.LEADER, Role.ORG_STAFF)
KINDS = ("overdue_rectifications", "overdue_pairings", "overdue_loans")


def _count(rows) -> Coalesce:
    """The number of rows of a queryset correlated with the outer department (0 when there are none)."""
    number = Func(F("pk"), function="COUNT", output_field=IntegerField())
    return Coalesce(Subquery(rows.order_by().annotate(n=number).values("n")[:1]), 0)


def departments_with_overdue(user, *, today):
    """The departments in the user's scope with at least one overdue item, annotated with one count per kind and
    `total`, most overdue first."""
    department = OuterRef("pk")
    rectifications = Rectification.objects.visible_to(user).overdue(today).filter(owner_department=department)
    pairings = access.scope(
        user, HouseholdPairing.objects.all(), village="member__village", department="cadre__department"
    )
    late_pairings = HouseholdPairing.objects.filter(
        pk__in=pairing_overdue(pairings, today=today).values("pk"), cadre__department=department
    )
    # The members its cadres are paired with now: the loan list's `department` filter, the same subquery.
    households = HouseholdPairing.objects.filter(ended_on__isnull=True, cadre__department=OuterRef(department))
    loans = Loan.objects.visible_to(user).overdue(today=today).filter(member__in=households.values("member_id"))
    return (
        access.departments_visible_to(user)
        .annotate(
            overdue_rectifications=_count(rectifications),
            overdue_pairings=_count(late_pairings),
            overdue_loans=_count(loans),
        )
        .annotate(total=F("overdue_rectifications") + F("overdue_pairings") + F("overdue_loans"))
        # "at least one" as EXISTS: it stops at the first item, where the counts would be computed twice.
        .filter(Exists(rectifications) | Exists(late_pairings) | Exists(loans))
        .order_by("-total", "name", "pk")
    )


def _totals(departments) -> dict:
    """The 合计 row: each column summed over every department, not only the page shown. One query for a few dozen
    rows; Django 5.2 writes broken SQL for `aggregate(Sum(...))` over two or more subquery annotations."""
    columns = (*KINDS, "total")
    sums = [sum(column) for column in zip(*departments.order_by().values_list(*columns), strict=True)]
    return dict(zip(columns, sums or [0] * len(columns), strict=True))


def overdue_total(user) -> int:
    """For the leaders' home page: the sum of the page's 合计 column."""
    return _totals(departments_with_overdue(user, today=timezone.localdate()))["total"]


@require_GET
@role_required(*READERS)
def overdue_by_department(request):
    today = timezone.localdate()
    departments = departments_with_overdue(request.user, today=today)
    context = {
        "page": CappedPaginator(departments, PAGE_SIZE).get_page(request.GET.get("page")),
        "totals": _totals(departments),
        "today": today,
    }
    return render(request, "dashboard/overdue_by_department.html", context)

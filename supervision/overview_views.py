"""The liaison officers and their village assignments, the supervision overview (督查概况) for organisation staff and
leaders, and the villages not visited for 60 days (a liaison officer's home-page work list)."""

from datetime import date, timedelta
from functools import reduce
from operator import or_

from django.contrib import messages
from django.contrib.postgres.aggregates import StringAgg
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Count, F, Max, OuterRef, Prefetch, Q, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from guanghan import access
from guanghan.access import ALL_ROLES, Role, role_required
from guanghan.lib.paging import CappedPaginator
from guanghan.models import Village
from supervision.models import (
    CHECKS,
    VISIT_GAP_DAYS,
    Assignment,
    Check,
    LiaisonOfficer,
    Questionnaire,
    Rectification,
    Response,
    Visit,
    not_visited_since,
    satisfaction_counts,
    satisfaction_rate,
)
from supervision.overview_forms import (
    AssignmentEndForm,
    AssignmentForm,
    OfficerFilterForm,
    OfficerForm,
    OverviewForm,
    UnvisitedFilterForm,
)

PAGE_SIZE = 50
RECENT_DAYS = 30  # the officer list's "visits in the last 30 days"
READERS = (Role.ORG_STAFF, Role.LEADER)


def _officers(user):
    """Organisation staff and leaders see every officer; the others the officers ever assigned to their villages."""
    officers = LiaisonOfficer.objects.all()
    if access.is_city_wide(user):
        return officers
    assigned = Assignment.objects.filter(village__in=access.villages_visible_to(user).values("pk"))
    return officers.filter(pk__in=assigned.values("officer_id"))


def _get_officer(user, pk) -> LiaisonOfficer:
    try:
        return _officers(user).select_related("cadre__department", "cadre__user").get(pk=pk)
    except LiaisonOfficer.DoesNotExist:
        raise Http404("没有找到该联络员，或其不在您的工作范围内。") from None


def _current(on: date) -> Prefetch:
    """The officer's assignments active on `on`, with their villages, as `officer.current`."""
    active = Assignment.objects.active(on).select_related("village__town").order_by("village__code")
    return Prefetch("assignments", queryset=active, to_attr="current")


def _by_first_village(officers, on: date):
    """Officers in the order of the (first) village they serve on `on`: town by town, as the county lists them."""
    first = Assignment.objects.active(on).filter(officer=OuterRef("pk")).order_by("village__code")
    officers = officers.annotate(first_village=Subquery(first.values("village__code")[:1]))
    return officers.order_by("-is_active", F("first_village").asc(nulls_last=True), "pk")


def _can_manage(user, perm: str) -> bool:
    """Organisation staff choose officers and send them to villages (a leader, read-only, does not)."""
    return access.has_role(user, Role.ORG_STAFF) and user.has_perm(f"supervision.{perm}")


def _require_manager(user, perm: str) -> None:
    if not _can_manage(user, perm):
        raise PermissionDenied("您的角色不能管理督查联络员。")


@require_GET
@role_required(*ALL_ROLES)
def officer_list(request):
    form = OfficerFilterForm(request.GET or None, user=request.user)
    on = form.day()
    upto = Q(visits__visited_on__lte=on)
    recent = upto & Q(visits__visited_on__gt=on - timedelta(days=RECENT_DAYS))
    officers = (
        form.filter(_officers(request.user), on=on)
        .select_related("cadre__department")
        .prefetch_related(_current(on))
        .annotate(recent_visits=Count("visits", filter=recent), last_visit=Max("visits__visited_on", filter=upto))
    )
    page = CappedPaginator(_by_first_village(officers, on), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "page": page,
        "on": on,
        "recent_days": RECENT_DAYS,
        "can_add": _can_manage(request.user, "add_liaisonofficer"),
    }
    return render(request, "supervision/officer_list.html", context)


@require_GET
@role_required(*ALL_ROLES)
def officer_detail(request, pk):
    officer = _get_officer(request.user, pk)
    today = timezone.localdate()
    visits = Visit.objects.visible_to(request.user).filter(officer=officer)
    context = {
        "officer": officer,
        "today": today,
        "assignments": officer.assignments.select_related("village__town").order_by("-started_on", "-pk"),
        "visits": visits.select_related("village__town", "project").with_checks_passed()[:20],
        "stats": visits.aggregate(
            total=Count("pk"),
            recent=Count("pk", filter=Q(visited_on__gt=today - timedelta(days=RECENT_DAYS), visited_on__lte=today)),
            last=Max("visited_on"),
        ),
        "recent_days": RECENT_DAYS,
        "check_count": len(CHECKS),
        "can_assign": _can_manage(request.user, "add_assignment") and officer.is_active,
        "can_end": _can_manage(request.user, "change_assignment"),
        "sees_login": _can_manage(request.user, "change_liaisonofficer"),
    }
    return render(request, "supervision/officer_detail.html", context)


@require_http_methods(["GET", "POST"])
@role_required(Role.ORG_STAFF)
def officer_create(request):
    _require_manager(request.user, "add_liaisonofficer")
    form = OfficerForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        cadre, village = data["cadre"], data["village"]
        try:
            with transaction.atomic():
                officer = LiaisonOfficer.objects.create(
                    cadre=cadre, position=data["position"], appointed_on=data["appointed_on"]
                )
                if village:
                    Assignment.objects.create(officer=officer, village=village, started_on=data["appointed_on"])
        except IntegrityError:
            form.add_error("cadre", f"{cadre.name} 已是督查联络员，请到联络员页面安排派驻。")
        else:
            where = f"，派驻{village.town.name}{village.name}" if village else ""
            text = f"已选派 {cadre.name} 为督查联络员{where}。"
            if not hasattr(cadre, "user"):
                text += "该干部尚无登录账号：请系统管理员开通账号（角色为督查联络员，对应干部选该干部）。"
            messages.success(request, text)
            return redirect("supervision:officer-detail", pk=officer.pk)
    return render(request, "supervision/officer_form.html", {"form": form, "title": "选派督查联络员"})


@require_http_methods(["GET", "POST"])
@role_required(Role.ORG_STAFF)
def assignment_create(request, pk):
    _require_manager(request.user, "add_assignment")
    officer = _get_officer(request.user, pk)
    if not officer.is_active:
        raise PermissionDenied("该联络员已不在岗，不能再派驻。")
    form = AssignmentForm(request.POST or None, officer=officer)
    if request.method == "POST" and form.is_valid():
        village, started_on = form.cleaned_data["village"], form.cleaned_data["started_on"]
        try:
            # The database holds one open assignment per officer and village (a partial unique constraint).
            with transaction.atomic():
                Assignment.objects.create(officer=officer, village=village, started_on=started_on)
        except IntegrityError:
            form.add_error("village", f"{officer.cadre.name} 已派驻{village.name}且尚未结束，不能重复派驻。")
        else:
            messages.success(request, f"已派驻 {officer.cadre.name} 到{village.town.name}{village.name}。")
            return redirect("supervision:officer-detail", pk=officer.pk)
    title = f"派驻：{officer.cadre.name}"
    return render(request, "supervision/officer_form.html", {"form": form, "title": title, "officer": officer})


@require_POST
@role_required(Role.ORG_STAFF)
def assignment_end(request, pk):
    _require_manager(request.user, "change_assignment")
    assignments = Assignment.objects.select_related("officer__cadre", "village")
    assignment = access.get_for_user(request.user, assignments, write=True, village="village", pk=pk)
    form = AssignmentEndForm(request.POST, assignment=assignment)
    if not form.is_valid():
        messages.error(request, form.errors["ended_on"][0])
    else:
        ended_on = form.cleaned_data["ended_on"]
        # Only an open assignment is ended: a second click, or a colleague ending it meanwhile, changes nothing.
        if Assignment.objects.filter(pk=pk, ended_on__isnull=True).update(ended_on=ended_on):
            who, where = assignment.officer.cadre.name, assignment.village.name
            messages.success(request, f"{who} 在{where}的挂职于 {ended_on:%Y-%m-%d} 结束。")
        else:
            messages.error(request, "该挂职已经结束，无需再次结束。")
    return redirect("supervision:officer-detail", pk=assignment.officer_id)


def _unvisited(user, *, on: date, include_unassigned: bool = False):
    """The user's active villages with no visit from `on` − VISIT_GAP_DAYS to `on`, both days included: a village
    visited exactly 60 days ago has been visited within 60 days; 61 days ago has not.

    By default only the villages an officer serves on `on`: a village without an officer has nobody to go, and would
    sit on the list for ever.
    """
    villages = access.villages_visible_to(user).filter(is_active=True)
    if not include_unassigned:
        villages = villages.filter(pk__in=Assignment.objects.active(on).values("village_id"))
    return not_visited_since(villages, today=on)


def unvisited_count(user) -> int:
    """Home-page work list: the user's villages not visited for VISIT_GAP_DAYS days."""
    return _unvisited(user, on=timezone.localdate()).count()


@require_GET
@role_required(*ALL_ROLES)
def unvisited_villages(request):
    form = UnvisitedFilterForm(request.GET or None, user=request.user)
    on = form.day()
    up_to_on = Visit.objects.filter(village=OuterRef("pk"), visited_on__lte=on)
    last = up_to_on.order_by("-visited_on").values("visited_on")[:1]
    villages = form.filter(_unvisited(request.user, on=on, include_unassigned=form.include_unassigned()))
    villages = (
        villages.annotate(last_visit=Subquery(last))
        .prefetch_related(
            Prefetch(
                "liaison_assignments",
                queryset=Assignment.objects.active(on).select_related("officer__cadre").order_by("officer_id"),
                to_attr="current",
            )
        )
        .order_by(F("last_visit").asc(nulls_first=True), "town__code", "code")
    )
    page = CappedPaginator(villages, PAGE_SIZE).get_page(request.GET.get("page"))
    visitors = _last_visitors(list(page))
    for village in page:
        village.days_since = (on - village.last_visit).days if village.last_visit else None
        village.visitors = visitors.get(village.pk, "")
    context = {
        "form": form,
        "page": page,
        "on": on,
        "gap_days": VISIT_GAP_DAYS,
        "can_visit": request.user.has_perm("supervision.add_visit") and not access.is_read_only(request.user),
    }
    return render(request, "supervision/unvisited_villages.html", context)


def _last_visitors(villages: list[Village]) -> dict[int, str]:
    """Who made each village's last visit (an officer, or the recorder when no officer went): one query a page."""
    keys = [Q(village_id=v.pk, visited_on=v.last_visit) for v in villages if v.last_visit]
    if not keys:
        return {}
    name = Coalesce("officer__cadre__name", "by__display_name")
    rows = (
        Visit.objects.filter(reduce(or_, keys))
        .values("village_id")
        .annotate(names=StringAgg(name, "、", distinct=True, order_by=name))
    )
    return {row["village_id"]: row["names"] for row in rows}


@require_GET
@role_required(*READERS)
def overview(request):
    form = OverviewForm(request.GET or None)
    on = form.day()
    year, month = form.period()
    if not request.GET.get("year"):  # show the year the figures are for
        data = request.GET.copy()
        data["year"] = str(year)
        form = OverviewForm(data)
    months = [month] if month else list(range(1, 13))
    period = Q(visited_on__year=year) & (Q(visited_on__month=month) if month else Q())
    visits = Visit.objects.filter(period)
    today = timezone.localdate()
    rectifications = Rectification.objects.open().aggregate(
        open=Count("pk"), overdue=Count("pk", filter=Q(deadline__lt=today))
    )
    held = Q(questionnaire__held_on__year=year) & (Q(questionnaire__held_on__month=month) if month else Q())
    assigned = Village.objects.filter(is_active=True, pk__in=Assignment.objects.active(on).values("village_id"))
    context = {
        "form": form,
        "on": on,
        "today": today,
        "year": year,
        "month": month,
        "months": months,
        "gap_days": VISIT_GAP_DAYS,
        **_visits_by_officer(visits, year=year, months=months, on=on),
        "checks": _checks(visits),
        "unvisited": _unvisited(request.user, on=on).count(),
        "assigned_villages": assigned.count(),
        "rectifications": rectifications,
        "satisfaction": satisfaction_counts(Response.objects.filter(held)),
        "questionnaires": Questionnaire.objects.filter(
            Q(held_on__year=year) & (Q(held_on__month=month) if month else Q())
        ).count(),
    }
    return render(request, "supervision/overview.html", context)


def _visits_by_officer(visits, *, year: int, months: list[int], on: date) -> dict:
    """Officers × months: each officer in post (or with visits in the period) and its visit count per month."""
    in_year = Q(visits__visited_on__year=year)
    per_month = {f"m{m}": Count("visits", filter=in_year & Q(visits__visited_on__month=m)) for m in months}
    officers = (
        LiaisonOfficer.objects.filter(Q(is_active=True) | Q(pk__in=visits.values("officer_id")))
        .select_related("cadre__department")
        .prefetch_related(_current(on))
        .annotate(**per_month)
    )
    rows = []
    for officer in _by_first_village(officers, on):
        counts = [getattr(officer, f"m{m}") for m in months]
        rows.append({"officer": officer, "counts": counts, "total": sum(counts)})
    totals = visits.aggregate(
        **{f"m{m}": Count("pk", filter=Q(visited_on__month=m)) for m in months},
        **{f"none{m}": Count("pk", filter=Q(visited_on__month=m, officer__isnull=True)) for m in months},
    )
    without_officer = [totals[f"none{m}"] for m in months]
    return {
        "officer_rows": rows,
        "month_totals": [totals[f"m{m}"] for m in months],
        "visit_total": sum(totals[f"m{m}"] for m in months),
        "without_officer": without_officer if any(without_officer) else None,
        "without_officer_total": sum(without_officer),
    }


def _checks(visits) -> dict:
    """The three checks over the period's visits: how many answered 是 / 部分 / 否, and the share answered 是."""
    counts = visits.with_checks_passed().aggregate(
        visits=Count("pk"),
        all_passed=Count("pk", filter=Q(checks_passed=len(CHECKS))),
        **{f"{name}_{value}": Count("pk", filter=Q(**{name: value})) for name, _ in CHECKS for value in Check.values},
    )
    rows = [
        {
            "label": label,
            "counts": [counts[f"{name}_{value}"] for value in Check.values],
            "share": satisfaction_rate(counts[f"{name}_{Check.YES}"], counts["visits"]),
        }
        for name, label in CHECKS
    ]
    passed = sum(counts[f"{name}_{Check.YES}"] for name, _ in CHECKS)
    return {
        "rows": rows,
        "answers": Check.labels,
        "visits": counts["visits"],
        "all_passed": counts["all_passed"],
        "all_passed_share": satisfaction_rate(counts["all_passed"], counts["visits"]),
        "share": satisfaction_rate(passed, counts["visits"] * len(CHECKS)),
    }


urlpatterns = [
    path("overview/", overview, name="overview"),
    path("unvisited/", unvisited_villages, name="unvisited-villages"),
    path("officers/", officer_list, name="officer-list"),
    path("officers/new/", officer_create, name="officer-create"),
    path("officers/<int:pk>/", officer_detail, name="officer-detail"),
    path("officers/<int:pk>/assign/", assignment_create, name="assignment-create"),
    path("assignments/<int:pk>/end/", assignment_end, name="assignment-end"),
]

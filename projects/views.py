from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Exists, F, Max, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from guanghan import access
from guanghan.access import ALL_ROLES, Role, role_required
from guanghan.lib.dates import parse_day
from guanghan.lib.excel import workbook, xlsx_response
from guanghan.lib.paging import CappedPaginator
from guanghan.models import Cadre, IsIn, Skill, Village
from members.models import Member
from projects import services
from projects.forms import (
    ContactForm,
    EnrollForm,
    HandOverForm,
    HouseholdPairForm,
    ProjectFilterForm,
    ProjectForm,
    ProjectMoveForm,
    VillagePairingForm,
)
from projects.models import CONTACT_EVERY_DAYS, HouseholdPairing, Project, VillagePairing, unenrolled, unpaired

PAGE_SIZE = 50
EDITORS = (Role.ORG_STAFF, Role.TOWN_STAFF, Role.DEPT_STAFF)


def _projects(user):
    return access.scope(user, Project.objects.all(), village="village", department="department")


def _can_edit(user) -> bool:
    return user.has_perm("projects.change_project") and access.has_role(user, *EDITORS)


def _editable(request, pk) -> Project:
    if not _can_edit(request.user):
        raise PermissionDenied("您的角色不能修改帮扶项目。")
    return access.get_for_user(
        request.user, Project.objects.select_related("village__town"), write=True, department="department", pk=pk
    )


@require_GET
@role_required(*ALL_ROLES)
def project_list(request):
    form = ProjectFilterForm(request.GET or None, user=request.user)
    projects = form.filter(_projects(request.user)).select_related("village__town", "industry", "department")
    projects = projects.annotate(enrolled=Count("enrollments", filter=Q(enrollments__left_on__isnull=True)))
    if request.GET.get("format") == "xlsx":
        return _projects_xlsx(projects.order_by("-year", "village__town__code", "village__code", "name"))
    page = CappedPaginator(projects.order_by("-year", "village__code", "-is_key", "name", "pk"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "projects/project_list.html",
        {
            "form": form,
            "page": page,
            "can_add": request.user.has_perm("projects.add_project") and _can_edit(request.user),
        },
    )


def _projects_xlsx(projects):
    headers = [
        "年度",
        "乡镇",
        "村（社区）",
        "项目名称",
        "产业",
        "特色产品",
        "重点",
        "示范基地",
        "群众项目",
        "成熟度",
        "预期年增收（万元）",
        "帮扶部门",
        "状态",
        "纳入人数",
    ]
    rows = (
        [
            p.year,
            p.village.town.name,
            p.village.name,
            p.name,
            p.industry.name,
            p.product,
            "是" if p.is_key else "",
            "是" if p.is_demo_base else "",
            "是" if p.for_residents else "",
            p.maturity,
            p.expected_benefit,
            p.department.short_name if p.department_id else "",
            p.get_status_display(),
            p.enrolled,
        ]
        for p in projects.iterator(chunk_size=2000)
    )
    return xlsx_response(workbook("帮扶项目", headers, rows), f"帮扶项目-{timezone.localdate():%Y%m%d}.xlsx")


@require_GET
@role_required(*ALL_ROLES)
def project_detail(request, pk):
    project = access.get_for_user(
        request.user,
        Project.objects.select_related(
            "village__town", "industry", "branch", "association", "department", "recommended_by"
        ),
        department="department",
        pk=pk,
    )
    can_edit = _can_edit(request.user)
    enrollments = project.enrollments.select_related("member__village").order_by("left_on", "member__name")
    suggested = []
    if can_edit and project.status not in (Project.Status.COMPLETED, Project.Status.DROPPED):
        # Suggestions come from the people this user may see (department staff: the households it is paired with).
        visible = access.scope_people(request.user, Member.objects.all()).values("pk")
        suggested = list(services.suggestions(project, among=visible))
    history = [
        {"at": e.pgh_created_at, "status": Project.Status(e.status).label, "is_key": e.is_key}
        for e in project.events.order_by("pgh_id").only("pgh_created_at", "status", "is_key")
    ]
    steps = [
        h
        for i, h in enumerate(history)
        if i == 0 or (h["status"], h["is_key"]) != (history[i - 1]["status"], history[i - 1]["is_key"])
    ]
    context = {
        "project": project,
        "enrollments": enrollments,
        "trainings": project.trainings.prefetch_related("skills")
        .annotate(attendees=Count("attendances"))
        .order_by("-held_on"),
        "consultations": project.consultations.select_related("department").order_by("-consulted_on")[:20],
        "suggested": suggested,
        "can_edit": can_edit,
        "status_history": steps,
        # Money paid into the project (funding's lines, followed by their reverse relation; net of reversals).
        "funds": project.disbursements.aggregate(total=Sum("amount"), count=Count("id")),
        "can_disburse": request.user.has_perm("funding.add_disbursement") and not access.is_read_only(request.user),
        # Supervision's visits and open rectifications of this project (reverse relations, newest first).
        "visits": project.visits.select_related("officer__cadre").order_by("-visited_on", "-pk")[:5],
        "open_rectifications": project.rectifications.filter(status__in=["open", "reopened"]).count(),
        "enroll_form": EnrollForm(),
    }
    return render(request, "projects/project_detail.html", context)


@require_http_methods(["GET", "POST"])
@role_required(*EDITORS)
def project_create(request):
    if not request.user.has_perm("projects.add_project"):
        raise PermissionDenied("您的角色不能推荐项目。")
    villages = access.villages_visible_to(request.user)
    initial = {"village": request.GET.get("village"), "department": request.user.department_id}
    form = ProjectForm(request.POST or None, villages=villages, initial=initial)
    if request.method == "POST" and form.is_valid():
        project = form.save(commit=False)
        project.recommended_by = request.user
        project.save()
        messages.success(request, f"已推荐项目“{project.name}”。可在本村候选项目中比较后敲定。")
        return redirect("projects:village-compare", village_pk=project.village_id, year=project.year)
    return render(request, "projects/project_form.html", {"form": form})


@require_GET
@role_required(*ALL_ROLES)
def village_compare(request, village_pk, year):
    """A village's candidate projects for a year, side by side, with how many of its members fit each."""
    village = access.get_for_user(request.user, Village.objects.select_related("town"), village="", pk=village_pk)
    fits = (
        Member.objects.filter(village_id=OuterRef("village_id"))
        .exclude(status=Member.Status.REMOVED)
        .filter(
            Q(IsIn(OuterRef("industry_id"), F("aspiration_ids")))
            | Q(
                Exists(
                    Skill.objects.filter(industry_id=OuterRef(OuterRef("industry_id"))).filter(
                        IsIn(F("pk"), OuterRef("skill_ids"))
                    )
                )
            )
        )
        .order_by()
        .values("village_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    candidates = (
        Project.objects.filter(village=village, year=year)
        .select_related("industry", "branch", "association", "department")
        .annotate(fitting=Coalesce(Subquery(fits), 0), enrolled=Count("enrollments"))
        .order_by("-is_key", "-maturity", "-expected_benefit", "name")
    )
    context = {
        "village": village,
        "year": year,
        "candidates": candidates,
        "key_count": sum(1 for p in candidates if p.is_key),
        "can_edit": _can_edit(request.user),
    }
    return render(request, "projects/village_compare.html", context)


@require_POST
@role_required(*EDITORS)
def project_select(request, pk):
    project = _editable(request, pk)
    try:
        services.project_select(project=project)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    else:
        messages.success(request, f"已敲定“{project.name}”为 {project.year} 年重点培植项目。")
    return redirect("projects:village-compare", village_pk=project.village_id, year=project.year)


@require_http_methods(["GET", "POST"])
@role_required(*EDITORS)
def project_move(request, pk):
    project = _editable(request, pk)
    form = ProjectMoveForm(request.POST or None, project=project)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.project_move(project=project, to_status=data["to_status"], on=data["on"], reason=data["reason"])
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"“{project.name}”已改为“{Project.Status(data['to_status']).label}”。")
            return redirect("projects:project-detail", pk=pk)
    return render(request, "projects/project_move.html", {"form": form, "project": project})


@require_POST
@role_required(*EDITORS)
def project_enroll(request, pk):
    project = _editable(request, pk)
    if not request.user.has_perm("projects.add_enrollment"):
        raise PermissionDenied("您的角色不能纳入对象。")
    form = EnrollForm(request.POST)
    if not form.is_valid():
        messages.error(request, "纳入失败：请选择对象、角色并填写纳入日期。")
        return redirect("projects:project-detail", pk=pk)
    member = access.get_person_for_user(
        request.user, Member.objects.select_related("village"), write=True, pk=form.cleaned_data["member"]
    )
    try:
        services.enroll(
            project=project,
            member=member,
            on=form.cleaned_data["enrolled_on"] or timezone.localdate(),
            role=form.cleaned_data["role"],
            by=request.user,
        )
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    else:
        messages.success(request, f"已将 {member.name} 纳入“{project.name}”。")
    return redirect("projects:project-detail", pk=pk)


# Pairs: 部门帮村 and 党员帮户 ---------------------------------------------------------------------------------------

PAIR_EDITORS = (Role.ORG_STAFF, Role.DEPT_STAFF)


def _household_pairings(user):
    return access.scope(user, HouseholdPairing.objects.all(), village="member__village", department="cadre__department")


def _cadres_for(user):
    """Cadres the user may pair households with: all for organisation staff, its own department's otherwise."""
    cadres = Cadre.objects.filter(is_active=True)
    return cadres if access.is_city_wide(user) else cadres.filter(department_id=user.department_id)


@require_GET
@role_required(*ALL_ROLES)
def village_pairing_list(request):
    pairings = access.scope(request.user, VillagePairing.objects.all(), village="village", department="department")
    year = request.GET.get("year", "")
    if year.isdigit():
        pairings = pairings.filter(year=int(year))
    if request.GET.get("department", "").isdigit():
        pairings = pairings.filter(department_id=int(request.GET["department"]))
    for name, lookup in [("town", "village__town_id"), ("village", "village_id")]:
        if request.GET.get(name, "").isdigit():
            pairings = pairings.filter(**{lookup: int(request.GET[name])})
    pairings = pairings.select_related("department", "village__town").order_by(
        "-year", "department__name", "village__code"
    )
    page = CappedPaginator(pairings, PAGE_SIZE).get_page(request.GET.get("page"))
    can_add = access.has_role(request.user, Role.ORG_STAFF) and request.user.has_perm("projects.add_villagepairing")
    return render(request, "projects/village_pairing_list.html", {"page": page, "year": year, "can_add": can_add})


@require_http_methods(["GET", "POST"])
@role_required(Role.ORG_STAFF)
def village_pairing_create(request):
    form = VillagePairingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        pairing = form.save()
        messages.success(
            request, f"已结对：{pairing.department.short_name} 帮扶 {pairing.village.name}（{pairing.year} 年）。"
        )
        return redirect("projects:village-pairing-list")
    return render(request, "projects/pair_form.html", {"form": form, "title": "部门帮村结对"})


@require_GET
@role_required(*ALL_ROLES)
def household_pairing_list(request):
    today = timezone.localdate()
    pairings = _household_pairings(request.user)
    on = parse_day(request.GET.get("on"))
    if on:  # the pairs standing at the end of that day (the dashboard's figure for a past year)
        pairings = pairings.filter(Q(ended_on__isnull=True) | Q(ended_on__gt=on), started_on__lte=on)
    elif request.GET.get("status") != "all":
        pairings = pairings.filter(ended_on__isnull=True)
    if request.GET.get("overdue"):
        pairings = services.pairing_overdue(pairings, today=today)
    if request.GET.get("cadre", "").isdigit():
        pairings = pairings.filter(cadre_id=int(request.GET["cadre"]))
    if request.GET.get("department", "").isdigit():
        pairings = pairings.filter(cadre__department_id=int(request.GET["department"]))
    if request.GET.get("village", "").isdigit():
        pairings = pairings.filter(member__village_id=int(request.GET["village"]))
    if request.GET.get("town", "").isdigit():
        pairings = pairings.filter(member__village__town_id=int(request.GET["town"]))
    pairings = pairings.select_related("cadre__department", "member__village__town").annotate(
        last_contact=Max("contacts__contacted_on")
    )
    if request.GET.get("format") == "xlsx":
        headers = ["帮扶干部", "部门", "帮扶对象", "乡镇", "村（社区）", "结对日期", "结束日期", "最近联系"]
        rows = (
            [
                p.cadre.name,
                p.cadre.department.short_name if p.cadre.department_id else "",
                p.member.name,
                p.member.village.town.name,
                p.member.village.name,
                p.started_on,
                p.ended_on,
                p.last_contact,
            ]
            for p in pairings.order_by("cadre__department__name", "cadre__name", "pk").iterator(chunk_size=2000)
        )
        return xlsx_response(workbook("党员帮户", headers, rows), f"党员帮户-{today:%Y%m%d}.xlsx")
    page = CappedPaginator(pairings.order_by("cadre__department__name", "cadre__name", "pk"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    due = today - timedelta(days=CONTACT_EVERY_DAYS)
    context = {
        "page": page,
        "due": due,
        "can_edit": access.has_role(request.user, *PAIR_EDITORS),
        # Department staff act on their own cadres' pairs only; others in their villages are shown read-only.
        "acts_on_department": None if access.is_city_wide(request.user) else request.user.department_id,
        "departments": access.departments_visible_to(request.user).order_by("name"),
        "villages": access.villages_visible_to(request.user).order_by("town__code", "code"),
    }
    return render(request, "projects/household_pairing_list.html", context)


@require_GET
@role_required(*ALL_ROLES)
def unpaired_members(request):
    """Work list: people in difficulty (not removed, not lifted) that no cadre is paired with."""
    members = (
        unpaired(access.scope_people(request.user, Member.objects.needing_help()))
        .select_related("village__town")
        .order_by("village__town__code", "village__code", "name", "pk")
    )
    page = CappedPaginator(members, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "projects/unpaired_members.html",
        {"page": page, "can_pair": access.has_role(request.user, *PAIR_EDITORS)},
    )


@require_http_methods(["GET", "POST"])
@role_required(*PAIR_EDITORS)
def household_pair_create(request, member_pk):
    if not request.user.has_perm("projects.add_householdpairing"):
        raise PermissionDenied("您的角色不能办理结对。")
    member = access.get_for_user(request.user, Member.objects.select_related("village"), write=True, pk=member_pk)
    form = HouseholdPairForm(request.POST or None, cadres=_cadres_for(request.user))
    if request.method == "POST" and form.is_valid():
        try:
            services.household_pair(cadre=form.cleaned_data["cadre"], member=member, on=form.cleaned_data["started_on"])
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"{form.cleaned_data['cadre'].name} 已与 {member.name} 结对。")
            return redirect("projects:household-pairing-list")
    return render(request, "projects/pair_form.html", {"form": form, "title": f"为 {member.name} 结对帮扶干部"})


def _own_pairing(request, pk) -> HouseholdPairing:
    """A pair the user may act on: organisation staff any, department staff its own cadres' (404 otherwise)."""
    pairings = HouseholdPairing.objects.select_related("cadre", "member__village")
    return access.get_for_user(request.user, pairings, write=True, village=None, department="cadre__department", pk=pk)


@require_http_methods(["GET", "POST"])
@role_required(*PAIR_EDITORS)
def household_hand_over(request, pk):
    pairing = _own_pairing(request, pk)
    form = HandOverForm(request.POST or None, cadres=_cadres_for(request.user).exclude(pk=pairing.cadre_id))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.household_hand_over(
                pairing=pairing, to_cadre=data["cadre"], on=data["started_on"], reason=data["reason"]
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"{pairing.member.name} 已由 {pairing.cadre.name} 交接给 {data['cadre'].name}。")
            return redirect("projects:household-pairing-list")
    title = f"交接：{pairing.cadre.name} 帮扶的 {pairing.member.name}"
    return render(request, "projects/pair_form.html", {"form": form, "title": title})


@require_http_methods(["GET", "POST"])
@role_required(*PAIR_EDITORS)
def household_contact(request, pk):
    if not request.user.has_perm("projects.add_householdcontact"):
        raise PermissionDenied("您的角色不能记录帮户联系。")
    pairing = _own_pairing(request, pk)
    form = ContactForm(request.POST or None, pairing=pairing)
    if request.method == "POST" and form.is_valid():
        contact = form.save(commit=False)
        contact.pairing, contact.by = pairing, request.user
        contact.save()
        messages.success(
            request, f"已记录 {pairing.cadre.name} 对 {pairing.member.name} 的{contact.get_kind_display()}。"
        )
        return redirect("projects:household-pairing-list")
    contacts = pairing.contacts.select_related("by")[:20]
    title = f"帮户联系：{pairing.cadre.name} → {pairing.member.name}"
    return render(request, "projects/pair_form.html", {"form": form, "title": title, "contacts": contacts})


@require_GET
@role_required(*ALL_ROLES)
def member_projects(request, member_pk):
    """The projects of the member's town this year that fit them (an aspiration or a skill for the industry)."""
    member = access.get_person_for_user(request.user, Member.objects.select_related("village__town"), pk=member_pk)
    industries = set(member.aspiration_ids) | set(
        Skill.objects.filter(pk__in=member.skill_ids).exclude(industry=None).values_list("industry_id", flat=True)
    )
    projects = (
        _projects(request.user)
        .filter(village__town_id=member.village.town_id, industry_id__in=industries)
        .exclude(status__in=[Project.Status.COMPLETED, Project.Status.DROPPED])
        .exclude(enrollments__member=member)
        .select_related("village", "industry")
        .order_by("-year", "-is_key", "-maturity", "name")[:50]
    )
    context = {"member": member, "projects": projects, "can_edit": _can_edit(request.user)}
    return render(request, "projects/member_projects.html", context)


@require_GET
@role_required(*ALL_ROLES)
def members_without_project(request):
    """Work list: people in difficulty (not lifted or removed) placed in no project."""
    members = (
        unenrolled(access.scope_people(request.user, Member.objects.needing_help()))
        .select_related("village__town")
        .order_by("village__town__code", "village__code", "name", "pk")
    )
    page = CappedPaginator(members, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "projects/members_without_project.html", {"page": page})

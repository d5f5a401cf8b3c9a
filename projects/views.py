from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Exists, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from guanghan import access
from guanghan.access import ALL_ROLES, Role, role_required
from guanghan.lib.paging import CappedPaginator
from guanghan.models import Village
from members.models import Member, MemberAspiration, MemberSkill
from projects import services
from projects.forms import EnrollForm, ProjectFilterForm, ProjectForm, ProjectMoveForm
from projects.models import Project

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
    form = ProjectFilterForm(
        request.GET or None,
        towns=access.towns_visible_to(request.user),
        villages=access.villages_visible_to(request.user),
    )
    projects = form.filter(_projects(request.user)).select_related("village__town", "industry", "department")
    projects = projects.annotate(enrolled=Count("enrollments", filter=Q(enrollments__left_on__isnull=True)))
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
        "suggested": suggested,
        "can_edit": can_edit,
        "status_history": steps,
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
            Exists(
                MemberAspiration.objects.filter(member=OuterRef("pk"), industry_id=OuterRef(OuterRef("industry_id")))
            )
            | Exists(
                MemberSkill.objects.filter(member=OuterRef("pk"), skill__industry_id=OuterRef(OuterRef("industry_id")))
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

"""Visits logged on a phone, their photos, and the rectifications their findings open."""

from uuid import uuid4

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Prefetch
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from guanghan import access
from guanghan.access import ALL_ROLES, Role, role_required
from guanghan.lib.paging import CappedPaginator
from supervision import services
from supervision.forms import RectificationFilterForm, StepForm, VisitFilterForm, VisitForm
from supervision.models import CHECKS, Rectification, RectificationStep, Visit, VisitPhoto, officer_of, villages_of

PAGE_SIZE = 50
FIELD_ROLES = (Role.ORG_STAFF, Role.LIAISON)


def _visits(user):
    return Visit.objects.visible_to(user).select_related("village__town", "project", "officer__cadre", "by")


def _can_log(user) -> bool:
    return (
        user.has_perm("supervision.add_visit") and not access.is_read_only(user) and access.has_role(user, *FIELD_ROLES)
    )


def _field_villages(user):
    """Where the user may log a visit: a liaison officer its own villages; organisation staff every village."""
    if access.has_role(user, Role.ORG_STAFF):
        return access.villages_visible_to(user).order_by("town__code", "code")
    return villages_of(user).select_related("town").order_by("town__code", "code")


@require_GET
@role_required(*ALL_ROLES)
def visit_list(request):
    form = VisitFilterForm(request.GET or None, user=request.user)
    visits = form.filter(_visits(request.user)).with_checks_passed().annotate(photo_count=Count("photos"))
    page = CappedPaginator(visits.order_by("-visited_on", "-pk"), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request, "supervision/visit_list.html", {"form": form, "page": page, "can_add": _can_log(request.user)}
    )


@require_http_methods(["GET", "POST"])
@role_required(*FIELD_ROLES)
def visit_create(request):
    user = request.user
    if not _can_log(user):
        raise PermissionDenied("您的角色不能记录督查。")
    villages = _field_villages(user)
    initial = {"client_key": uuid4()}
    if len(choices := list(villages[:2])) == 1:
        initial["village"] = choices[0].pk
    elif request.GET.get("village", "").isdigit() and villages.filter(pk=request.GET["village"]).exists():
        initial["village"] = int(request.GET["village"])
    form = VisitForm(request.POST or None, request.FILES or None, villages=villages, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            visit, created = services.visit_create(by=user, officer=officer_of(user), **form.service_kwargs())
        except ValidationError as error:
            form.add_error("photos", error)
        else:
            if created:
                opened = visit.rectifications.count()
                found = f"发现 {opened} 个问题，已生成整改事项。" if opened else "三项检查均为“是”。"
                messages.success(request, f"已记录 {visit.village.name} {visit.visited_on:%m月%d日}的督查。{found}")
            else:
                messages.info(request, "这次督查已经记录过了（重复提交），没有再记一次。")
            # ?saved=1 tells the page to drop the draft this browser kept while the form was being filled in.
            return redirect(reverse("supervision:visit-detail", args=[visit.pk]) + "?saved=1")
    context = {"form": form, "has_villages": bool(choices), "draft_key": f"visit-draft-{user.pk}"}
    return render(request, "supervision/visit_form.html", context)


@require_GET
@role_required(*ALL_ROLES)
def visit_detail(request, pk):
    visit = access.get_for_user(request.user, _visits(request.user), pk=pk)
    checks = [
        {"label": label, "value": getattr(visit, name), "display": getattr(visit, f"get_{name}_display")()}
        for name, label in CHECKS
    ]
    remarks = [visit.funds_remark, visit.effect_remark, visit.people_remark]
    for check, remark in zip(checks, remarks, strict=True):
        check["remark"] = remark
    context = {
        "visit": visit,
        "checks": checks,
        "photos": visit.photos.all(),
        "rectifications": visit.rectifications.select_related("owner_department"),
        "draft_key": f"visit-draft-{request.user.pk}" if request.GET.get("saved") else "",
    }
    return render(request, "supervision/visit_detail.html", context)


@require_GET
@role_required(*ALL_ROLES)
def photo(request, pk):
    """Photos are served through the scope check, never from a public media URL."""
    try:
        item = VisitPhoto.objects.get(pk=pk, visit__in=Visit.objects.visible_to(request.user))
    except VisitPhoto.DoesNotExist:
        raise Http404("没有找到该照片，或它不在您的工作范围内。") from None
    response = FileResponse(item.image.open("rb"), content_type="image/jpeg")
    response["Cache-Control"] = "private, max-age=3600"
    return response


def _rectifications(user):
    return Rectification.objects.visible_to(user).select_related("village__town", "owner_department", "project")


@require_GET
@role_required(*ALL_ROLES)
def rectification_list(request):
    today = timezone.localdate()
    form = RectificationFilterForm(request.GET or None, user=request.user)
    rows = form.filter(_rectifications(request.user), today=today)
    page = CappedPaginator(rows.order_by("deadline", "pk"), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "supervision/rectification_list.html", {"form": form, "page": page, "today": today})


def _may_report(user, rectification) -> bool:
    """The owner reports: the responsible department's staff, or for the village its town staff and officer."""
    if not user.has_perm("supervision.change_rectification") or access.is_read_only(user):
        return False
    if access.has_role(user, Role.ORG_STAFF):
        return True
    if rectification.owner == Rectification.Owner.DEPARTMENT:
        return access.has_role(user, Role.DEPT_STAFF) and user.department_id == rectification.owner_department_id
    if access.has_role(user, Role.TOWN_STAFF) and user.town_id == rectification.village.town_id:
        return True
    return access.has_role(user, Role.LIAISON) and villages_of(user).filter(pk=rectification.village_id).exists()


def _may_verify(user) -> bool:
    return (
        user.has_perm("supervision.change_rectification")
        and not access.is_read_only(user)
        and access.has_role(user, Role.ORG_STAFF)
    )


MOVES = {
    "report": (Rectification.Status.REPORTED, "报告整改完成"),
    "verify": (Rectification.Status.VERIFIED, "验收通过"),
    "reopen": (Rectification.Status.REOPENED, "退回重新整改"),
}


def _actions(user, rectification) -> list[tuple[str, str]]:
    status = rectification.status
    names = []
    if status in (Rectification.Status.OPEN, Rectification.Status.REOPENED) and _may_report(user, rectification):
        names.append("report")
    if status == Rectification.Status.REPORTED and _may_verify(user):
        names += ["verify", "reopen"]
    return [(name, MOVES[name][1]) for name in names]


@require_GET
@role_required(*ALL_ROLES)
def rectification_detail(request, pk):
    rectification = access.get_for_user(
        request.user,
        _rectifications(request.user)
        .select_related("visit", "opened_by")
        .prefetch_related(Prefetch("steps", queryset=RectificationStep.objects.select_related("by"))),
        department="owner_department",
        pk=pk,
    )
    context = {
        "rectification": rectification,
        "actions": _actions(request.user, rectification),
        "form": StepForm(),
        "overdue": rectification.is_overdue(timezone.localdate()),
    }
    return render(request, "supervision/rectification_detail.html", context)


@require_POST
@role_required(*ALL_ROLES)
def rectification_move(request, pk, action):
    if action not in MOVES:
        raise Http404("没有这个操作。")
    rectification = access.get_for_user(
        request.user, _rectifications(request.user), write=True, department="owner_department", pk=pk
    )
    allowed = _may_verify(request.user) if action in ("verify", "reopen") else _may_report(request.user, rectification)
    if not allowed:
        raise PermissionDenied("您不能办理这一步：整改由责任方报告完成，由组织部验收或退回。")
    form = StepForm(request.POST)
    if form.is_valid():
        try:
            to = MOVES[action][0]
            services.rectification_move(rectification=rectification, to=to, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            messages.error(request, "；".join(error.messages))
        else:
            messages.success(request, f"已办理：{MOVES[action][1]}。")
    else:
        messages.error(request, "；".join(f"{form.fields[f].label}：{e[0]}" for f, e in form.errors.items()))
    return redirect("supervision:rectification-detail", pk=rectification.pk)

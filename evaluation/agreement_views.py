"""目标责任书: the list with each target's progress (and its .xlsx), recording and editing an agreement with its signed
document, the detail page, and the document itself, served only through the scope check."""

from pathlib import Path

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from evaluation.agreement_forms import AgreementFilterForm, AgreementForm
from evaluation.models import Agreement
from evaluation.progress import TARGET_FIELDS, TARGETS, agreement_progress, totals
from guanghan import access
from guanghan.access import ALL_ROLES, Role, role_required
from guanghan.lib.excel import workbook, xlsx_response
from guanghan.lib.paging import CappedPaginator

PAGE_SIZE = 50
WRITERS = (Role.ORG_STAFF, Role.DEPT_STAFF)
DUPLICATE = "该部门与这个村本年度的目标责任书已经登记。"
CONTENT_TYPES = {".pdf": "application/pdf", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png"}
ORDER = ("-year", "department__name", "village__town__code", "village__code", "pk")
AGREEMENTS = Agreement.objects.select_related("department", "village__town")


def _agreement_for(user, pk, *, write=False) -> Agreement:
    """The agreement if it is in the user's scope (its village or its department), else 404."""
    return access.get_for_user(user, AGREEMENTS.select_related("by"), write=write, department="department", pk=pk)


def _own_department(user) -> int | None:
    """None when the user signs for any department (organisation staff); else its own department."""
    if access.has_role(user, Role.ORG_STAFF):
        return None
    if not user.department_id:
        raise PermissionDenied("您的账号未设置所属部门，不能登记目标责任书。")
    return user.department_id


def _may(user, perm: str) -> bool:
    return user.has_perm(f"evaluation.{perm}_agreement") and access.has_role(user, *WRITERS)


def _can_edit(user, agreement) -> bool:
    if not _may(user, "change"):
        return False
    return access.has_role(user, Role.ORG_STAFF) or agreement.department_id == user.department_id


@require_GET
@role_required(*ALL_ROLES)
def agreement_list(request):
    form = AgreementFilterForm(request.GET or None, user=request.user)
    agreements = form.filter(AGREEMENTS.visible_to(request.user)).order_by(*ORDER)
    # Progress is read for the whole selection at once (five queries), for the page and the 合计 row alike.
    everything = list(agreements.select_related(None).only("pk", "department_id", "village_id", "year", *TARGET_FIELDS))
    progress = agreement_progress(everything)
    if request.GET.get("format") == "xlsx":
        return _agreements_xlsx(agreements, progress, totals(everything, progress))
    page = CappedPaginator(agreements, PAGE_SIZE).get_page(request.GET.get("page"))
    for agreement in page:
        agreement.figures = progress[agreement.pk].values()
    context = {
        "form": form,
        "page": page,
        "targets": TARGETS,
        "total_count": len(everything),
        "totals": totals(everything, progress).values(),
        "can_add": _may(request.user, "add"),
    }
    return render(request, "evaluation/agreement_list.html", context)


def _agreements_xlsx(agreements, progress, summed):
    headers = ["年度", "帮扶部门", "乡镇", "村（社区）", "签订日期"]
    for _, label, unit in TARGETS:
        headers += [f"{label}目标（{unit}）", f"{label}完成（{unit}）", f"{label}完成率（%）"]
    headers += ["责任书文件", "说明"]

    def figures(row):
        return [value for f in row.values() for value in (f.target, f.actual, f.percent)]

    rows = [
        [
            a.year,
            a.department.short_name,
            a.village.town.name,
            a.village.name,
            a.signed_on,
            *figures(progress[a.pk]),
            "已上传" if a.document else "未上传",
            a.note,
        ]
        for a in agreements
    ]
    rows.append(["合计", "", "", "", None, *figures(summed), "", ""])
    return xlsx_response(workbook("目标责任书", headers, rows), f"目标责任书-{timezone.localdate():%Y%m%d}.xlsx")


@require_GET
@role_required(*ALL_ROLES)
def agreement_detail(request, pk):
    agreement = _agreement_for(request.user, pk)
    context = {
        "agreement": agreement,
        "figures": agreement_progress([agreement])[agreement.pk].values(),
        "can_edit": _can_edit(request.user, agreement),
    }
    return render(request, "evaluation/agreement_detail.html", context)


def _save(form, *, by) -> Agreement | None:
    """Save the form; a duplicate that slipped past the form's check (two people at once) becomes a form error."""
    agreement = form.save(commit=False)
    if agreement.by_id is None:
        agreement.by = by
    try:
        with transaction.atomic():
            agreement.save()
    except IntegrityError:
        form.add_error(None, DUPLICATE)
        return None
    return agreement


@require_http_methods(["GET", "POST"])
@role_required(*WRITERS)
def agreement_create(request):
    if not _may(request.user, "add"):
        raise PermissionDenied("您的角色不能登记目标责任书。")
    own = _own_department(request.user)
    form = AgreementForm(
        request.POST or None, request.FILES or None, own_department=own, initial={"village": request.GET.get("village")}
    )
    if request.method == "POST" and form.is_valid():
        agreement = _save(form, by=request.user)
        if agreement:
            messages.success(
                request, f"已登记 {agreement.department.short_name} 与{agreement.village.name}的目标责任书。"
            )
            return redirect("evaluation:agreement-detail", pk=agreement.pk)
    return render(request, "evaluation/agreement_form.html", {"form": form, "agreement": None})


@require_http_methods(["GET", "POST"])
@role_required(*WRITERS)
def agreement_edit(request, pk):
    if not _may(request.user, "change"):
        raise PermissionDenied("您的角色不能修改目标责任书。")
    agreement = _agreement_for(request.user, pk, write=True)
    if not _can_edit(request.user, agreement):
        raise PermissionDenied("只能修改本部门的目标责任书。")
    form = AgreementForm(
        request.POST or None, request.FILES or None, instance=agreement, own_department=_own_department(request.user)
    )
    if request.method == "POST" and form.is_valid() and _save(form, by=request.user):
        messages.success(request, "目标责任书已保存。")
        return redirect("evaluation:agreement-detail", pk=pk)
    return render(request, "evaluation/agreement_form.html", {"form": form, "agreement": agreement})


@require_GET
@role_required(*ALL_ROLES)
def agreement_document(request, pk):
    """The signed document, served through the scope check, never from a public media URL."""
    agreement = _agreement_for(request.user, pk)
    if not agreement.document:
        raise Http404("这份目标责任书还没有上传签字盖章的文件。")
    try:
        handle = agreement.document.open("rb")
    except FileNotFoundError:
        raise Http404("找不到这份责任书的文件，请重新上传。") from None
    extension = Path(agreement.document.name).suffix.lower()
    name = f"目标责任书-{agreement.year}-{agreement.department.short_name}-{agreement.village.name}{extension}"
    response = FileResponse(
        handle, content_type=CONTENT_TYPES.get(extension, "application/octet-stream"), filename=name
    )
    response["Cache-Control"] = "private, max-age=3600"
    return response


urlpatterns = [
    path("agreements/", agreement_list, name="agreement-list"),
    path("agreements/new/", agreement_create, name="agreement-create"),
    path("agreements/<int:pk>/", agreement_detail, name="agreement-detail"),
    path("agreements/<int:pk>/edit/", agreement_edit, name="agreement-edit"),
    path("agreements/<int:pk>/document/", agreement_document, name="agreement-document"),
]

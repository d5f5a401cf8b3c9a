"""审计: the auditor's pages. They read the logs and change nothing (GET only); the auditor reads no registry page.

The trail shows every change of every tracked table; the other pages are the logs of unmasked reads, exports,
logins and the administrators' own actions.
"""

from datetime import datetime, time, timedelta

from axes.models import AccessFailureLog, AccessLog
from django.db.models import Q
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from administration import trail
from administration.forms import LogFilterForm, TrailFilterForm
from administration.models import AdminAction
from guanghan.access import AdminRole, role_required
from guanghan.lib.paging import CappedPaginator
from guanghan.models import ExportRecord, SensitiveRead, User

PAGE_SIZE = 50
TABS = [
    ("administration:trail", "数据变更"),
    ("administration:reads", "敏感信息查看"),
    ("administration:exports", "数据导出"),
    ("administration:logins", "登录记录"),
    ("administration:actions", "管理操作"),
]


def _render(request, template: str, form, page, **context):
    return render(request, template, {"form": form, "page": page, "tabs": TABS, **context})


@require_GET
@role_required(AdminRole.AUDITOR)
def trail_view(request):
    form = TrailFilterForm(request.GET or None)
    rows, page = [], None
    if not form.is_bound or form.is_valid():
        data = form.cleaned_data if form.is_bound else {}
        criteria = trail.Criteria(
            record=data.get("record") or "",
            operation=data.get("operation") or "",
            user_ids=form.user_ids() if form.is_bound else None,
            address=data.get("address") or "",
            object_id=data.get("object_id"),
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
        )
        page = CappedPaginator(trail.search(criteria), PAGE_SIZE).get_page(request.GET.get("page"))
        rows = trail.describe(list(page.object_list))
    return _render(request, "administration/trail.html", form, page, rows=rows)


def _logs(form: LogFilterForm, queryset, *, user: str | None = "user", address: str = "address", at: str = "at"):
    """A log queryset limited by the shared filter (nothing when the filter is invalid); `user` is the path to the
    account (None: the caller filters by who itself)."""
    if not form.is_bound:
        return queryset
    if not form.is_valid():
        return queryset.none()
    data = form.cleaned_data
    tz = timezone.get_current_timezone()
    if user and (ids := form.user_ids()) is not None:
        queryset = queryset.filter(**{f"{user}__in": ids})
    if data["address"]:
        queryset = queryset.filter(**{address: data["address"]})
    if data["date_from"]:
        queryset = queryset.filter(**{f"{at}__gte": datetime.combine(data["date_from"], time.min, tz)})
    if data["date_to"]:
        end = datetime.combine(data["date_to"] + timedelta(days=1), time.min, tz)
        queryset = queryset.filter(**{f"{at}__lt": end})
    return queryset


def _log_page(request, queryset, template: str, **paths):
    form = LogFilterForm(request.GET or None)
    rows = _logs(form, queryset, **paths).order_by("-at", "-pk")
    page = CappedPaginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return _render(request, template, form, page)


@require_GET
@role_required(AdminRole.AUDITOR)
def reads(request):
    return _log_page(request, SensitiveRead.objects.select_related("user"), "administration/reads.html")


@require_GET
@role_required(AdminRole.AUDITOR)
def exports(request):
    return _log_page(request, ExportRecord.objects.select_related("user"), "administration/exports.html")


@require_GET
@role_required(AdminRole.AUDITOR)
def logins(request):
    """Successful logins (and their logout) or, with ?failed=1, failed ones; by username typed at the login."""
    form = LogFilterForm(request.GET or None)
    failed = request.GET.get("failed") == "1"
    model = AccessFailureLog if failed else AccessLog
    rows = _logs(form, model.objects.all(), user=None, address="ip_address", at="attempt_time")
    if form.is_bound and form.is_valid() and (who := form.cleaned_data["who"].strip()):
        # The username as typed at the login (it may belong to no account), or the account's display name.
        names = User.objects.filter(pk__in=form.user_ids() or ()).values("username")
        rows = rows.filter(Q(username__icontains=who) | Q(username__in=names))
    rows = rows.order_by("-attempt_time")
    page = CappedPaginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    extra_hidden = [("failed", "1")] if failed else []
    return _render(request, "administration/logins.html", form, page, failed=failed, extra_hidden=extra_hidden)


@require_GET
@role_required(AdminRole.AUDITOR)
def actions(request):
    queryset = AdminAction.objects.select_related("by", "target")
    return _log_page(request, queryset, "administration/actions.html", user="by")

"""用户管理 and 登录安全: the system administrator's and the security administrator's pages.

Neither page shows registry data: an account's name, roles, scope and login state only (三权分立).
"""

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import messages
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Prefetch, Q
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from administration import security, services
from administration.forms import (
    CHOOSE_DEPARTMENT_FIRST,
    NO_CADRE,
    NO_DEPARTMENT,
    AccountForm,
    InitialPasswordForm,
    ReasonForm,
    UserFilterForm,
    cadre_label,
    cadres_of,
)
from administration.models import AdminAction
from administration.users import users_with_status, with_security
from guanghan import access
from guanghan.access import AdminRole, role_required
from guanghan.lib.client_address import client_address
from guanghan.lib.paging import CappedPaginator
from guanghan.models import Department, User, UserRole

PAGE_SIZE = 50
ACCOUNT_ADMINS = (AdminRole.SYS_ADMIN, AdminRole.SECURITY_ADMIN)


def _users(form: UserFilterForm):
    users = User.objects.select_related("town", "department", "cadre").prefetch_related(
        Prefetch("groups", queryset=Group.objects.order_by("name"))
    )
    if not form.is_valid():
        return with_security(users.none())
    data = form.cleaned_data
    if q := data["q"].strip():
        users = users.filter(Q(username__icontains=q) | Q(display_name__icontains=q))
    if role := data["role"]:
        links = UserRole.objects.filter(user=OuterRef("pk"))
        users = (
            users.filter(~Exists(links), is_superuser=False)
            if role == "none"
            else users.filter(Exists(links.filter(group__name=role)))
        )
    return users_with_status(data["status"], users)


@require_GET
@role_required(*ACCOUNT_ADMINS)
def user_list(request):
    form = UserFilterForm(request.GET)  # bound even when empty: every field is optional
    page = CappedPaginator(_users(form).order_by("username"), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"form": form, "page": page, "can_create": bool(services.grantable_roles(request.user))}
    return render(request, "administration/user_list.html", context)


def _account(pk) -> User:
    queryset = with_security(User.objects.select_related("town", "department", "cadre").prefetch_related("groups"))
    return get_object_or_404(queryset, pk=pk)


@require_GET
@role_required(*ACCOUNT_ADMINS)
def user_detail(request, pk):
    account = _account(pk)
    context = {
        "account": account,
        "roles": [access.ROLE_LABELS.get(g.name, g.name) for g in account.groups.all()],
        "can_manage": access.may_manage_account(request.user, account),
        "can_secure": access.may_secure_account(request.user, account),
        "actions": AdminAction.objects.filter(target=account).select_related("by")[:20],
        "logins": AccessLog.objects.filter(username=account.username).order_by("-attempt_time")[:10],
        "failures": AccessFailureLog.objects.filter(username=account.username).order_by("-attempt_time")[:10],
        "locks": security.locked_attempts().filter(username=account.username),
    }
    return render(request, "administration/user_detail.html", context)


@require_GET
@role_required(AdminRole.SYS_ADMIN)
def cadre_options(request):
    """/administration/cadres/options/?cadre_department=ID|none: the active cadres the account form's 对应干部 offers
    for that department (administration.forms.AccountForm; static/js/dependent_select.js asks when 干部所在部门
    changes). Names and departments only: a cadre's phone is not shown."""
    department = request.GET.get("cadre_department", "").strip()
    if department and department != NO_DEPARTMENT:
        if not (department.isascii() and department.isdigit()) or len(department) > 9:
            return _json({"error": "cadre_department 应为部门的编号（整数）或 none。"}, status=400)
        if not Department.objects.filter(pk=int(department), is_active=True).exists():
            return _json({"error": "没有找到该部门，或它已停用。"}, status=404)
    cadres = cadres_of(department)
    return _json(
        {
            "cadre_department": department or None,
            "empty_label": NO_CADRE if department else CHOOSE_DEPARTMENT_FIRST,
            "cadres": [{"id": cadre.pk, "label": cadre_label(cadre)} for cadre in cadres],
        }
    )


def _json(data: dict, status: int = 200) -> JsonResponse:
    return JsonResponse(data, status=status, json_dumps_params={"ensure_ascii": False})


@require_http_methods(["GET", "POST"])
@role_required(AdminRole.SYS_ADMIN)
def user_create(request):
    grantable = services.grantable_roles(request.user)
    form = AccountForm(request.POST or None, grantable=grantable)
    password_form = InitialPasswordForm(
        request.POST or None,
        user=User(username=request.POST.get("username", ""), display_name=request.POST.get("display_name", "")),
    )
    if request.method == "POST" and form.is_valid() and password_form.is_valid():
        user = services.account_create(
            data=form.cleaned_data,
            password=password_form.cleaned_data["password1"],
            by=request.user,
            address=client_address(request),
        )
        messages.success(request, f"已建立账号 {user.username}。请把临时密码当面或电话告诉本人：首次登录须修改。")
        return redirect("administration:user-detail", pk=user.pk)
    return render(
        request, "administration/user_form.html", {"form": form, "password_form": password_form, "title": "新建账号"}
    )


def _managed(request, pk) -> User:
    account = _account(pk)
    if not access.may_manage_account(request.user, account):
        raise PermissionDenied("管理员账号、超级管理员账号和您自己的账号只能由超级管理员修改。")
    return account


@require_http_methods(["GET", "POST"])
@role_required(AdminRole.SYS_ADMIN)
def user_edit(request, pk):
    account = _managed(request, pk)
    grantable = services.grantable_roles(request.user)
    form = AccountForm(request.POST or None, instance=account, grantable=grantable)
    if request.method == "POST" and form.is_valid():
        changes = services.account_update(
            user=account, data=form.cleaned_data, grantable=grantable, by=request.user, address=client_address(request)
        )
        messages.success(
            request, f"已保存 {account.username}：" + "；".join(changes) if changes else "没有修改任何内容。"
        )
        return redirect("administration:user-detail", pk=account.pk)
    return render(
        request,
        "administration/user_form.html",
        {"form": form, "account": account, "title": f"修改账号 {account.username}"},
    )


@require_http_methods(["GET", "POST"])
@role_required(AdminRole.SYS_ADMIN)
def user_password(request, pk):
    account = _managed(request, pk)
    form = InitialPasswordForm(request.POST or None, user=account)
    if request.method == "POST" and form.is_valid():
        services.password_set(
            user=account, password=form.cleaned_data["password1"], by=request.user, address=client_address(request)
        )
        messages.success(request, f"已为 {account.username} 设置临时密码：本人下次登录须修改。")
        return redirect("administration:user-detail", pk=account.pk)
    return render(request, "administration/user_password.html", {"form": form, "account": account})


def _secured(request, pk) -> User:
    account = _account(pk)
    if not access.may_secure_account(request.user, account):
        raise PermissionDenied("您自己的账号和超级管理员账号不能在这里处理。")
    return account


def _reason(request) -> str | None:
    """The stated reason of a security action, or None after telling the user it is missing."""
    form = ReasonForm(request.POST)
    if form.is_valid():
        return form.cleaned_data["reason"]
    messages.error(request, "；".join(form.errors["reason"]))
    return None


@require_POST
@role_required(AdminRole.SECURITY_ADMIN)
def user_two_factor_reset(request, pk):
    account = _secured(request, pk)
    if (reason := _reason(request)) is None:
        return redirect("administration:user-detail", pk=account.pk)
    count = services.two_factor_reset(user=account, reason=reason, by=request.user, address=client_address(request))
    if count:
        messages.success(request, f"已删除 {account.username} 的身份验证器：本人下次登录时重新绑定。")
    else:
        messages.info(request, f"{account.username} 没有绑定身份验证器，无需重置。")
    return redirect("administration:user-detail", pk=account.pk)


@require_POST
@role_required(AdminRole.SECURITY_ADMIN)
def user_require_password_change(request, pk):
    account = _secured(request, pk)
    if (reason := _reason(request)) is None:
        return redirect("administration:user-detail", pk=account.pk)
    services.password_change_require(user=account, reason=reason, by=request.user, address=client_address(request))
    messages.success(request, f"{account.username} 下次打开任何页面前须先修改密码。")
    return redirect("administration:user-detail", pk=account.pk)


@require_GET
@role_required(AdminRole.SECURITY_ADMIN)
def security_overview(request):
    failures = AccessFailureLog.objects.order_by("-attempt_time")
    page = CappedPaginator(failures, PAGE_SIZE).get_page(request.GET.get("page"))
    locks = list(security.locked_attempts()[:200])
    known = dict(User.objects.filter(username__in={a.username for a in locks}).values_list("username", "pk"))
    for attempt in locks:
        attempt.account_pk = known.get(attempt.username)
    context = {"policy": security.policy(), "locks": locks, "page": page}
    return render(request, "administration/security.html", context)


@require_POST
@role_required(AdminRole.SECURITY_ADMIN)
def unlock(request, pk):
    attempt = get_object_or_404(AccessAttempt, pk=pk)
    if (reason := _reason(request)) is None:
        return redirect("administration:security")
    services.unlock(attempt=attempt, reason=reason, by=request.user, address=client_address(request))
    messages.success(request, f"已解除 {attempt.username}（{attempt.ip_address}）的登录锁定。")
    return redirect("administration:security")

"""The ledger pages: money in, money out, the running balance of each account, corrections, and 资金走向 — where the
money of a project, village, department or member came from and went."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q, Sum
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from funding import services
from funding.forms import (
    ContributionFilterForm,
    ContributionForm,
    DisbursementFilterForm,
    DisbursementForm,
    ReverseForm,
)
from funding.models import ZERO, Account, Channel, Contribution, Disbursement, Posting, Source
from guanghan import access
from guanghan.access import ALL_ROLES, Role, role_required
from guanghan.lib.excel import workbook, xlsx_response
from guanghan.lib.paging import CappedPaginator
from guanghan.models import Department, Village
from members.models import Member
from projects.models import Project

PAGE_SIZE = 50
RECORDERS = (Role.ORG_STAFF, Role.DEPT_STAFF)


def _can_record(user, perm: str) -> bool:
    return user.has_perm(f"funding.{perm}") and not access.is_read_only(user) and access.has_role(user, *RECORDERS)


def _require_recorder(user, perm: str) -> None:
    if not _can_record(user, perm):
        raise PermissionDenied("您的角色不能登记资金。")
    services.accounts_open_for(user)


def _contributions(user):
    return Contribution.objects.visible_to(user).select_related("account", "town", "cadre", "department", "by")


def _disbursements(user):
    return Disbursement.objects.visible_to(user).select_related("account", "village__town", "project", "member", "by")


@require_GET
@role_required(*ALL_ROLES)
def overview(request):
    user = request.user
    accounts = Account.objects.visible_to(user).select_related("department").order_by("-channel", "name")
    lines = Disbursement.objects.visible_to(user)
    by_channel = {
        row["account__channel"]: row
        for row in lines.values("account__channel").annotate(total=Sum("amount"), count=Count("id"))
    }
    villages = (
        lines.values("village_id", "village__name", "village__town__name")
        .annotate(total=Sum("amount"), projects=Count("project", distinct=True))
        .order_by("-total")[:20]
    )
    context = {
        "accounts": accounts[:100],
        "account_total": accounts.aggregate(total=Sum("balance"))["total"] or ZERO,
        "channels": [
            {"label": label, "value": value, **by_channel.get(value, {"total": ZERO, "count": 0})}
            for value, label in Channel.choices[:2]
        ],
        "villages": villages,
        "recent": _disbursements(user).order_by("-paid_on", "-pk")[:10],
        "can_contribute": _can_record(user, "add_contribution"),
        "can_disburse": _can_record(user, "add_disbursement"),
        "sees_accounts": access.has_role(user, Role.ORG_STAFF, Role.LEADER, Role.DEPT_STAFF),
    }
    return render(request, "funding/overview.html", context)


@require_GET
@role_required(Role.ORG_STAFF, Role.LEADER, Role.DEPT_STAFF)
def account_ledger(request, pk):
    account = access.get_for_user(
        request.user, Account.objects.select_related("department"), village=None, department="department", pk=pk
    )
    postings = (
        Posting.objects.filter(account=account)
        .select_related(
            "contribution__town",
            "contribution__cadre",
            "disbursement__village",
            "disbursement__project",
            "disbursement__member",
            "contribution__by",
            "disbursement__by",
        )
        .order_by("-seq")
    )
    year = request.GET.get("year", "")
    if year.isdigit():
        postings = postings.filter(posted_on__year=int(year))
    if request.GET.get("format") == "xlsx":
        return _ledger_xlsx(account, postings.order_by("seq"))
    page = CappedPaginator(postings, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "funding/account_ledger.html", {"account": account, "page": page, "year": year})


def _posting_text(p: Posting) -> str:
    if p.contribution_id:
        c = p.contribution
        who = c.contributor or (c.town.name if c.town_id else "")
        return f"{c.get_source_display()} {who} {c.note}".strip()
    d = p.disbursement
    target = " · ".join(
        x for x in (d.village.name, d.project.name if d.project_id else "", d.member.name if d.member_id else "") if x
    )
    return f"{d.get_purpose_display()}：{target} {d.note}".strip()


def _ledger_xlsx(account, postings):
    headers = ["序号", "业务日期", "凭证号", "摘要", "收入（元）", "支出（元）", "余额（元）", "记账人", "记账时间"]
    rows = (
        [
            p.seq,
            p.posted_on,
            (p.contribution or p.disbursement).voucher_no,
            _posting_text(p),
            p.amount if p.amount > 0 else None,
            -p.amount if p.amount < 0 else None,
            p.balance_after,
            str((p.contribution or p.disbursement).by),
            timezone.localtime(p.posted_at).replace(tzinfo=None),
        ]
        for p in postings.iterator(chunk_size=2000)
    )
    return xlsx_response(
        workbook(account.name, headers, rows), f"{account.name}-明细账-{timezone.localdate():%Y%m%d}.xlsx"
    )


def _line_list(request, *, form, lines, template, xlsx):
    lines = form.filter(lines)
    if request.GET.get("format") == "xlsx":
        return xlsx(lines.order_by(lines.model.DATE_FIELD, "pk"))
    totals = lines.aggregate(total=Sum("amount"), count=Count("id"))
    page = CappedPaginator(lines.order_by(f"-{lines.model.DATE_FIELD}", "-pk"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    context = {"form": form, "page": page, "totals": totals}
    context["can_add"] = _can_record(request.user, f"add_{lines.model._meta.model_name}")
    return render(request, template, context)


@require_GET
@role_required(*ALL_ROLES)
def contribution_list(request):
    form = ContributionFilterForm(request.GET or None, user=request.user)
    return _line_list(
        request,
        form=form,
        lines=_contributions(request.user),
        template="funding/contribution_list.html",
        xlsx=_contributions_xlsx,
    )


def _contributions_xlsx(lines):
    headers = ["到账日期", "资金账户", "来源", "出资乡镇", "出资人", "金额（元）", "凭证号", "摘要", "冲销", "记账人"]
    rows = (
        [
            c.received_on,
            c.account.name,
            c.get_source_display(),
            c.town.name if c.town_id else "",
            c.contributor,
            c.amount,
            c.voucher_no,
            c.note,
            "冲销记录" if c.reverses_id else "",
            str(c.by),
        ]
        for c in lines.iterator(chunk_size=2000)
    )
    return xlsx_response(workbook("资金来源", headers, rows), f"资金来源-{timezone.localdate():%Y%m%d}.xlsx")


@require_GET
@role_required(*ALL_ROLES)
def disbursement_list(request):
    form = DisbursementFilterForm(request.GET or None, user=request.user)
    return _line_list(
        request,
        form=form,
        lines=_disbursements(request.user),
        template="funding/disbursement_list.html",
        xlsx=_disbursements_xlsx,
    )


def _disbursements_xlsx(lines):
    headers = [
        "支付日期",
        "资金账户",
        "乡镇",
        "村（社区）",
        "项目",
        "帮扶对象",
        "用途",
        "金额（元）",
        "凭证号",
        "审批人",
        "摘要",
        "冲销",
        "记账人",
    ]
    rows = (
        [
            d.paid_on,
            d.account.name,
            d.village.town.name,
            d.village.name,
            d.project.name if d.project_id else "",
            d.member.name if d.member_id else "",
            d.get_purpose_display(),
            d.amount,
            d.voucher_no,
            d.approved_by,
            d.note,
            "冲销记录" if d.reverses_id else "",
            str(d.by),
        ]
        for d in lines.iterator(chunk_size=2000)
    )
    return xlsx_response(workbook("资金去向", headers, rows), f"资金去向-{timezone.localdate():%Y%m%d}.xlsx")


def _saved_message(request, line, text: str) -> None:
    """A repeated submission (same key) is not an error: the line it meant is saved, and the page shows it."""
    if line.is_repeat:
        messages.info(request, services.REPEAT_MESSAGE)
    else:
        messages.success(request, text)


@require_http_methods(["GET", "POST"])
@role_required(*RECORDERS)
def contribution_create(request):
    _require_recorder(request.user, "add_contribution")
    form = ContributionForm(request.POST or None, user=request.user)
    if form.is_valid():
        try:
            line = services.contribution_create(**form.service_kwargs(), by=request.user)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            _saved_message(request, line, f"已记账：{line.account.name}收入 {line.amount:,.2f} 元。")
            return redirect("funding:contribution-detail", pk=line.pk)
    return render(request, "funding/line_form.html", {"form": form, "title": "登记资金来源（收入）"})


@require_http_methods(["GET", "POST"])
@role_required(*RECORDERS)
def disbursement_create(request):
    _require_recorder(request.user, "add_disbursement")
    user = request.user
    project = member = None
    if request.GET.get("project", "").isdigit():
        project = access.get_for_user(
            user, Project.objects.select_related("village__town"), department="department", pk=request.GET["project"]
        )
    elif request.GET.get("member", "").isdigit():
        member = access.get_person_for_user(user, Member.objects.select_related("village"), pk=request.GET["member"])
    form = DisbursementForm(request.POST or None, user=user, project=project, member=member)
    if form.is_valid():
        data = form.cleaned_data
        try:
            line = services.disbursement_create(**data, by=user)
        except ValidationError as error:
            form.add_error("amount" if "余额不足" in str(error) else None, error)
        else:
            _saved_message(request, line, f"已记账：{line.account.name}支出 {line.amount:,.2f} 元。")
            return redirect("funding:disbursement-detail", pk=line.pk)
    title = "登记资金去向（支出）" + (f"：{project.name}" if project else f"：{member.name}" if member else "")
    return render(request, "funding/line_form.html", {"form": form, "title": title, "project": project})


def _line_detail(request, line, template):
    posting = Posting.objects.filter(**{line._meta.model_name: line}).first()
    can_reverse = (
        _can_record(request.user, f"add_{line._meta.model_name}")
        and not line.is_reversal
        and Account.objects.writable_by(request.user).filter(pk=line.account_id).exists()
    )
    reversal = type(line).objects.filter(reverses=line).select_related("by").first()
    context = {
        "line": line,
        "posting": posting,
        "reversal": reversal,
        "can_reverse": can_reverse and reversal is None,
        "reverse_form": ReverseForm(),
    }
    return render(request, template, context)


@require_GET
@role_required(*ALL_ROLES)
def contribution_detail(request, pk):
    line = _get_line(request.user, _contributions(request.user).select_related("reverses"), pk)
    return _line_detail(request, line, "funding/contribution_detail.html")


@require_GET
@role_required(*ALL_ROLES)
def disbursement_detail(request, pk):
    line = _get_line(request.user, _disbursements(request.user).select_related("reverses"), pk)
    return _line_detail(request, line, "funding/disbursement_detail.html")


def _get_line(user, lines, pk):
    try:
        return lines.get(pk=pk)
    except lines.model.DoesNotExist:
        raise Http404("没有找到该记录，或它不在您的工作范围内。") from None


def _reverse(request, lines, pk, detail_url):
    line = _get_line(request.user, lines, pk)
    model_name = line._meta.model_name
    if not _can_record(request.user, f"add_{model_name}"):
        raise PermissionDenied("您的角色不能冲销资金记录。")
    if not Account.objects.writable_by(request.user).filter(pk=line.account_id).exists():
        raise PermissionDenied("只能冲销本部门账户的记录。")
    form = ReverseForm(request.POST)
    if form.is_valid():
        try:
            reversal = services.line_reverse(line=line, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            messages.error(request, "；".join(error.messages))
        else:
            _saved_message(request, reversal, f"已冲销，冲销金额 {reversal.amount:,.2f} 元，原记录保留。")
            return redirect(detail_url, pk=reversal.pk)
    else:
        messages.error(request, "；".join(f"{form.fields[f].label}：{e[0]}" for f, e in form.errors.items()))
    return redirect(detail_url, pk=line.pk)


@require_POST
@role_required(*RECORDERS)
def contribution_reverse(request, pk):
    return _reverse(request, _contributions(request.user), pk, "funding:contribution-detail")


@require_POST
@role_required(*RECORDERS)
def disbursement_reverse(request, pk):
    return _reverse(request, _disbursements(request.user), pk, "funding:disbursement-detail")


# 资金走向: where the money of one project, village, department or member came from and went.


def _flow(request, *, lines, title, crumbs, subject, extra=None):
    """One page for every flow: totals by account (and the account's sources), by target, and the lines."""
    by_account = list(
        lines.values("account_id", "account__name", "account__channel")
        .annotate(total=Sum("amount"), count=Count("id"))
        .order_by("account__channel", "account__name")
    )
    account_ids = [row["account_id"] for row in by_account]
    sources = {}
    for row in (
        Contribution.objects.filter(account_id__in=account_ids)
        .values("account_id", "source")
        .annotate(total=Sum("amount"))
        .order_by("account_id", "-total")
    ):
        sources.setdefault(row["account_id"], []).append(row)
    for row in by_account:
        incoming = sources.get(row["account_id"], [])
        whole = sum((s["total"] for s in incoming), ZERO)
        row["sources"] = [
            {
                "label": Source(s["source"]).label,
                "total": s["total"],
                "share": (s["total"] * 100 / whole) if whole else None,
            }
            for s in incoming
        ]
    targets = (
        lines.values("village_id", "village__name", "project_id", "project__name", "member_id", "member__name")
        .annotate(total=Sum("amount"), count=Count("id"))
        .order_by("village__name", "project__name", "member__name")[:200]
    )
    page = CappedPaginator(lines.order_by("-paid_on", "-pk"), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "title": title,
        "crumbs": crumbs,
        "subject": subject,
        "by_account": by_account,
        "total": sum((row["total"] for row in by_account), ZERO),
        "targets": targets,
        "page": page,
        "can_disburse": _can_record(request.user, "add_disbursement"),
        **(extra or {}),
    }
    return render(request, "funding/flow.html", context)


@require_GET
@role_required(*ALL_ROLES)
def project_flow(request, pk):
    project = access.get_for_user(
        request.user, Project.objects.select_related("village__town", "department"), department="department", pk=pk
    )
    lines = _disbursements(request.user).filter(project=project)
    crumbs = [("项目", reverse("projects:project-list")), (project.name, reverse("projects:project-detail", args=[pk]))]
    loans = project.loans.visible_to(request.user).aggregate(
        count=Count("id", filter=Q(disbursed_on__isnull=False)),
        amount=Sum("amount_approved", filter=Q(disbursed_on__isnull=False)),
    )
    return _flow(
        request,
        lines=lines,
        title=f"资金走向：{project.name}",
        crumbs=crumbs,
        subject=project,
        extra={"project": project, "loans": loans, "add_query": f"project={project.pk}"},
    )


@require_GET
@role_required(*ALL_ROLES)
def village_flow(request, pk):
    village = access.get_for_user(request.user, Village.objects.select_related("town"), village="", pk=pk)
    lines = _disbursements(request.user).filter(village=village)
    crumbs = [
        ("村（社区）", reverse("guanghan:village-list")),
        (village.name, reverse("guanghan:village-detail", args=[pk])),
    ]
    return _flow(
        request, lines=lines, title=f"资金走向：{village.town.name} {village.name}", crumbs=crumbs, subject=village
    )


@require_GET
@role_required(Role.ORG_STAFF, Role.LEADER, Role.DEPT_STAFF)
def department_flow(request, pk):
    department = access.get_for_user(request.user, Department.objects.all(), village=None, department="", pk=pk)
    lines = _disbursements(request.user).filter(account__department=department)
    account = Account.objects.filter(department=department).first()
    incoming = [
        {**row, "source": Source(row["source"]).label}
        for row in Contribution.objects.filter(account__department=department)
        .values("received_on__year", "source")
        .annotate(total=Sum("amount"))
        .order_by("received_on__year", "source")
    ]
    crumbs = [
        ("部门", reverse("guanghan:department-list")),
        (department.short_name, reverse("guanghan:department-detail", args=[pk])),
    ]
    return _flow(
        request,
        lines=lines,
        title=f"资金走向：{department.name}",
        crumbs=crumbs,
        subject=department,
        extra={"account": account, "incoming": incoming},
    )


@require_GET
@role_required(*ALL_ROLES)
def member_flow(request, pk):
    member = access.get_person_for_user(request.user, Member.objects.select_related("village__town"), pk=pk)
    lines = _disbursements(request.user).filter(member=member)
    loans = member.loans.visible_to(request.user).order_by("-applied_on")
    crumbs = [("信息库", reverse("members:member-list")), (member.name, reverse("members:member-detail", args=[pk]))]
    return _flow(
        request,
        lines=lines,
        title=f"资金走向：{member.name}",
        crumbs=crumbs,
        subject=member,
        extra={"member": member, "member_loans": loans, "add_query": f"member={member.pk}"},
    )

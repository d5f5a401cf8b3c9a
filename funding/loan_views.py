"""党员农贷快车: members' bank loans (application, the bank's steps, the schedule, repayments) and 联保小组.

Every page reads loans through `Loan.objects.visible_to(user)` (people in the user's scope); the writes go through
funding.services, one transaction each, and a refusal there comes back as a message on the form that asked for it.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import (
    Case,
    Count,
    DateField,
    Exists,
    F,
    Func,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from funding import services
from funding.loan_forms import (
    DecideForm,
    DisburseForm,
    GroupFilterForm,
    GuaranteeGroupForm,
    LoanFilterForm,
    LoanForm,
    RepayForm,
    ReverseForm,
)
from funding.models import ZERO, GuaranteeGroup, GuaranteeMembership, Loan, Repayment
from funding.services import yuan
from guanghan import access
from guanghan.access import ALL_ROLES, role_required
from guanghan.lib.excel import workbook, xlsx_response
from guanghan.lib.paging import CappedPaginator
from members.models import Member

PAGE_SIZE = 50
PEOPLE = {"village": "member__village", "person": "member"}


class DaysSince(Func):
    """`day - date_column` in whole days (PostgreSQL subtracts dates as integers)."""

    template = "(%(expressions)s)"
    arg_joiner = " - "
    output_field = IntegerField()


def _days_overdue(today):
    """Days since the first unpaid instalment fell due; only a loan still being repaid is overdue."""
    since = DaysSince(Value(today, output_field=DateField()), F("overdue_since"))
    return Case(When(status=Loan.Status.DISBURSED, then=since), default=None, output_field=IntegerField())


def _may(user, perm: str) -> bool:
    return user.has_perm(perm) and not access.is_read_only(user)


def _require(user, perm: str) -> None:
    if not _may(user, perm):
        raise PermissionDenied("您的角色不能办理这项农贷业务。")


def _loan(request, *, perm: str | None = None, **lookup) -> Loan:
    """The loan in the user's scope with its arrears (404 outside it); with `perm`, 403 unless the user may act."""
    if perm:
        _require(request.user, perm)
    loans = Loan.objects.with_arrears(today=timezone.localdate()).select_related(
        "member__village__town", "project", "guarantee_group", "by"
    )
    return access.get_person_for_user(request.user, loans, write=perm is not None, **PEOPLE, **lookup)


def overdue_loan_count(user) -> int:
    """For the home page's work list: loans in the user's scope with an instalment unpaid after its due date."""
    return Loan.objects.visible_to(user).overdue(today=timezone.localdate()).count()


# The list -----------------------------------------------------------------------------------------------------------


@require_GET
@role_required(*ALL_ROLES)
def loan_list(request):
    today = timezone.localdate()
    form = LoanFilterForm(request.GET or None, user=request.user)
    loans = form.filter(Loan.objects.visible_to(request.user), today=today)
    loans = loans.annotate(days_overdue=_days_overdue(today)).select_related("member__village__town")
    loans = loans.order_by("-applied_on", "-pk")
    if request.GET.get("format") == "xlsx":
        return _loans_xlsx(loans, today)
    member_pk = form.cleaned_data.get("member") if form.is_valid() else None
    totals = loans.aggregate(
        count=Count("pk"),
        approved=Coalesce(Sum("amount_approved"), ZERO),
        outstanding=Coalesce(
            Sum(F("amount_approved") - F("paid_principal"), filter=Q(status=Loan.Status.DISBURSED)), ZERO
        ),
    )
    context = {
        "form": form,
        "page": CappedPaginator(loans, PAGE_SIZE).get_page(request.GET.get("page")),
        "totals": totals,
        "member": member_pk and access.get_person_for_user(request.user, Member.objects.all(), pk=member_pk),
        "can_add": _may(request.user, "funding.add_loan"),
    }
    return render(request, "funding/loan_list.html", context)


def _loans_xlsx(loans, today):
    headers = [
        "借款人",
        "乡镇",
        "村（社区）",
        "贷款银行",
        "贷款品种",
        "申请金额（元）",
        "批准金额（元）",
        "期限（月）",
        "年利率（%）",
        "还款方式",
        "状态",
        "申请日期",
        "放款日期",
        "借款合同号",
        "已还本金（元）",
        "尚欠本金（元）",
        "逾期起始日",
        "逾期天数",
    ]
    rows = (
        [
            loan.member.name,
            loan.member.village.town.name,
            loan.member.village.name,
            loan.bank,
            loan.get_product_display(),
            loan.amount_requested,
            loan.amount_approved,
            loan.term_months,
            loan.annual_rate,
            loan.get_method_display(),
            loan.get_status_display(),
            loan.applied_on,
            loan.disbursed_on,
            loan.contract_no,
            loan.paid_principal,
            loan.outstanding_principal if loan.disbursed_on else None,
            loan.overdue_since if loan.days_overdue else None,
            loan.days_overdue,
        ]
        for loan in loans.iterator(chunk_size=2000)
    )
    return xlsx_response(workbook("党员农贷快车", headers, rows), f"党员农贷快车-{today:%Y%m%d}.xlsx")


# Application and detail ---------------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@role_required(*ALL_ROLES)
def loan_create(request):
    _require(request.user, "funding.add_loan")
    form = LoanForm(request.POST or None, user=request.user, initial={"member": request.GET.get("member")})
    if request.method == "POST" and form.is_valid():
        loan = form.save(commit=False)
        loan.by = request.user
        loan.save()
        messages.success(request, f"已登记 {loan.member.name} 的贷款申请，申请金额 {yuan(loan.amount_requested)}。")
        return redirect("funding:loan-detail", pk=loan.pk)
    return render(request, "funding/loan_form.html", {"form": form})


@require_GET
@role_required(*ALL_ROLES)
def loan_detail(request, pk):
    return _detail(request, _loan(request, pk=pk))


def _schedule(loan: Loan, today) -> list:
    """The instalments, each with its state: 已还 when the loan's payments cover its cumulative amounts, 逾期 when
    not and its due date has passed, 未到期 otherwise."""
    paid = Q(cum_principal__lte=loan.paid_principal, cum_interest__lte=loan.paid_interest)
    state = Case(When(paid, then=Value("paid")), When(due_on__lt=today, then=Value("overdue")), default=Value("due"))
    return list(loan.instalments.annotate(state=state))


def _detail(request, loan: Loan, **bound):
    """The loan page; an action that failed passes its bound form (`decide_form`, …) to be shown with its errors."""
    today, user = timezone.localdate(), request.user
    instalments = _schedule(loan, today)
    repayments = loan.repayments.select_related("by").annotate(
        is_reversed=Exists(Repayment.objects.filter(reverses=OuterRef("pk")))
    )
    can_decide, can_repay = _may(user, "funding.change_loan"), _may(user, "funding.add_repayment")
    is_open = loan.status == Loan.Status.DISBURSED
    reverse_forms = {r.pk: ReverseForm(repayment=r) for r in repayments if not (r.reverses_id or r.is_reversed)}
    if "reverse_form" in bound:
        form = bound.pop("reverse_form")
        reverse_forms[form.repayment.pk] = form
    group = loan.guarantee_group
    next_due = next((i for i in instalments if i.state != "paid"), None)
    context = {
        "loan": loan,
        "instalments": instalments,
        "repayments": repayments,
        "reverse_forms": reverse_forms if can_repay else {},
        "memberships": group.memberships.select_related("member__village") if group else [],
        "arrears_principal": max(loan.due_principal - loan.paid_principal, ZERO) if is_open else ZERO,
        "arrears_interest": max(loan.due_interest - loan.paid_interest, ZERO) if is_open else ZERO,
        "days_overdue": (today - loan.overdue_since).days if is_open and loan.overdue_since else None,
        "decide_form": DecideForm(loan=loan) if can_decide and loan.status == Loan.Status.APPLIED else None,
        "disburse_form": DisburseForm(loan=loan) if can_decide and loan.status == Loan.Status.APPROVED else None,
        "repay_form": RepayForm(loan=loan, next_due=next_due) if can_repay and is_open else None,
        **bound,
    }
    return render(request, "funding/loan_detail.html", context)


# The bank's steps and the repayments (POST only) -------------------------------------------------------------------


def _act(request, loan: Loan, form, name: str, run):
    """A valid form runs `run(cleaned_data)` (a service, one transaction) and returns to the loan with its message;
    a refusal from the service goes onto the form, and nothing is written."""
    if form.is_valid():
        try:
            message = run(form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, message)
            return redirect("funding:loan-detail", pk=loan.pk)
    return _detail(request, loan, **{name: form})


@require_POST
@role_required(*ALL_ROLES)
def loan_decide(request, pk):
    loan = _loan(request, perm="funding.change_loan", pk=pk)

    def run(data):
        approve = data["decision"] == "approve"
        services.loan_decide(
            loan=loan, approve=approve, on=data["decided_on"], amount=data["amount"], reason=data["reason"]
        )
        return f"已批准贷款 {yuan(data['amount'])}。" if approve else "已记录：贷款未批准。"

    return _act(request, loan, DecideForm(request.POST, loan=loan), "decide_form", run)


@require_POST
@role_required(*ALL_ROLES)
def loan_disburse(request, pk):
    loan = _loan(request, perm="funding.change_loan", pk=pk)

    def run(data):
        services.loan_disburse(loan=loan, on=data["disbursed_on"], contract_no=data["contract_no"])
        return f"已放款，还款计划从 {data['disbursed_on']:%Y-%m-%d} 起算。"

    return _act(request, loan, DisburseForm(request.POST, loan=loan), "disburse_form", run)


@require_POST
@role_required(*ALL_ROLES)
def loan_repay(request, pk):
    loan = _loan(request, perm="funding.add_repayment", pk=pk)
    form = RepayForm(request.POST, loan=loan)
    # A repeated submission is answered before the form is checked: the first one may have settled the loan, and
    # the same amounts would now be refused as more than is owed.
    key = form.submitted_key()
    if key and (saved := loan.repayments.filter(client_key=key).first()):
        messages.info(request, services.REPEAT_MESSAGE)
        return redirect(reverse("funding:loan-detail", args=[loan.pk]) + f"#repayment-{saved.pk}")

    def run(data):
        repayment = services.repayment_record(loan=loan, by=request.user, **data)
        if repayment.is_repeat:
            return services.REPEAT_MESSAGE
        return f"已登记还款：本金 {yuan(data['principal'])}，利息 {yuan(data['interest'])}。"

    return _act(request, loan, form, "repay_form", run)


@require_POST
@role_required(*ALL_ROLES)
def repayment_reverse(request, pk):
    loan = _loan(request, perm="funding.add_repayment", repayments__pk=pk)
    repayment = loan.repayments.get(pk=pk)
    form = ReverseForm(request.POST, repayment=repayment)
    # Sent twice: the second finds the reversal the first saved (and would otherwise be told it is reversed already).
    key = form.submitted_key()
    if key and Repayment.objects.filter(reverses=repayment, client_key=key).exists():
        messages.info(request, services.REPEAT_MESSAGE)
        return redirect("funding:loan-detail", pk=loan.pk)

    def run(data):
        reversal = services.repayment_reverse(
            repayment=repayment,
            on=data["reversed_on"],
            reason=data["reason"],
            by=request.user,
            client_key=data.get("client_key"),
        )
        if reversal.is_repeat:
            return services.REPEAT_MESSAGE
        return f"已冲销 {repayment.paid_on:%Y-%m-%d} 的还款 {yuan(repayment.amount)}。"

    return _act(request, loan, form, "reverse_form", run)


# 联保小组 ------------------------------------------------------------------------------------------------------------


@require_GET
@role_required(*ALL_ROLES)
def guarantee_group_list(request):
    form = GroupFilterForm(request.GET or None, user=request.user)
    groups = form.filter(GuaranteeGroup.objects.visible_to(request.user)).select_related("village__town")
    groups = groups.prefetch_related(
        Prefetch("memberships", queryset=GuaranteeMembership.objects.select_related("member"))
    ).order_by("village__town__code", "village__code", "name", "pk")
    context = {
        "form": form,
        "page": CappedPaginator(groups, PAGE_SIZE).get_page(request.GET.get("page")),
        "can_add": _may(request.user, "funding.add_guaranteegroup"),
    }
    return render(request, "funding/guarantee_group_list.html", context)


@require_http_methods(["GET", "POST"])
@role_required(*ALL_ROLES)
def guarantee_group_create(request):
    _require(request.user, "funding.add_guaranteegroup")
    village = request.POST.get("village") or request.GET.get("village")
    form = GuaranteeGroupForm(request.POST or None, user=request.user, village_id=village, initial={"village": village})
    if request.method == "POST" and form.is_valid():
        try:
            group = services.guarantee_group_create(**form.cleaned_data, by=request.user)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"已成立联保小组“{group.name}”（{len(form.cleaned_data['members'])} 户）。")
            return redirect("funding:guarantee-group-detail", pk=group.pk)
    return render(request, "funding/guarantee_group_form.html", {"form": form})


@require_GET
@role_required(*ALL_ROLES)
def guarantee_group_detail(request, pk):
    groups = GuaranteeGroup.objects.select_related("village__town", "by")
    group = access.get_for_user(request.user, groups, village="village", pk=pk)
    loans = (
        Loan.objects.visible_to(request.user)
        .filter(member__guarantee_memberships__group=group)
        .select_related("member", "guarantee_group")
        .order_by("member__name", "-applied_on", "-pk")
    )
    context = {
        "group": group,
        "memberships": group.memberships.select_related("member__village"),
        "loans": loans,
        "can_add_loan": _may(request.user, "funding.add_loan"),
    }
    return render(request, "funding/guarantee_group_detail.html", context)


urlpatterns = [
    path("loans/", loan_list, name="loan-list"),
    path("loans/new/", loan_create, name="loan-create"),
    path("loans/<int:pk>/", loan_detail, name="loan-detail"),
    path("loans/<int:pk>/decide/", loan_decide, name="loan-decide"),
    path("loans/<int:pk>/disburse/", loan_disburse, name="loan-disburse"),
    path("loans/<int:pk>/repay/", loan_repay, name="loan-repay"),
    path("repayments/<int:pk>/reverse/", repayment_reverse, name="repayment-reverse"),
    path("guarantee-groups/", guarantee_group_list, name="guarantee-group-list"),
    path("guarantee-groups/new/", guarantee_group_create, name="guarantee-group-create"),
    path("guarantee-groups/<int:pk>/", guarantee_group_detail, name="guarantee-group-detail"),
]

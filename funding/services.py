"""Money movements. Each is one transaction that locks the account (or the loan) row first, so concurrent requests
queue, checks against what the row holds then, and writes the document and its posting together or not at all."""

import calendar
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F

from funding.models import (
    GROUP_SIZE,
    ZERO,
    Account,
    Channel,
    Contribution,
    Disbursement,
    GuaranteeGroup,
    GuaranteeMembership,
    Loan,
    LoanInstalment,
    Posting,
    Repayment,
)
from guanghan import access
from guanghan.lib.money import CENT
from guanghan.models import Department, Village

REPEAT_MESSAGE = "该记录已保存，未重复记账。"


def yuan(amount: Decimal) -> str:
    return f"{amount:,.2f} 元"


def _saved(model, client_key: UUID | None):
    """The line an earlier submission of the same form saved (marked `is_repeat`), or None."""
    if client_key is None:
        return None
    line = model.objects.filter(client_key=client_key).first()
    if line is not None:
        line.is_repeat = True
    return line


def _first_wins(model, client_key: UUID | None, write):
    """Run `write`. Two concurrent submissions of one key can both get past the callers' check; the unique key lets
    one INSERT through, the other waits for it to commit, fails, and answers the line the first saved."""
    try:
        return write()
    except IntegrityError:
        if saved := _saved(model, client_key):
            return saved
        raise


def account_for_department(department: Department) -> Account:
    """The department's own account (部门帮扶资金), opened on first use."""
    account, _ = Account.objects.get_or_create(
        channel=Channel.DEPARTMENT,
        department=department,
        defaults={"name": f"{department.short_name}帮扶资金"},
    )
    return account


def accounts_open_for(user) -> None:
    """Open the accounts the user may post to and that have no line yet: a department's own account for its staff;
    the special fund and every department's account for organisation staff (who record on their behalf)."""
    if access.has_role(user, access.Role.ORG_STAFF):
        special_account()
        missing = Department.objects.filter(fund_account__isnull=True)
        Account.objects.bulk_create(
            [Account(channel=Channel.DEPARTMENT, department=d, name=f"{d.short_name}帮扶资金") for d in missing],
            ignore_conflicts=True,
        )
    elif user.department_id:
        account_for_department(user.department)


def special_account() -> Account:
    account, _ = Account.objects.get_or_create(channel=Channel.SPECIAL, defaults={"name": "党内帮扶专项资金"})
    return account


def _post(*, account: Account, delta: Decimal, on: date, contribution=None, disbursement=None) -> Posting:
    """Add `delta` to the account's balance and journal it. Must run inside the caller's transaction."""
    locked = Account.objects.select_for_update().get(pk=account.pk)
    if locked.balance + delta < 0:
        if disbursement is not None and delta < 0 and not disbursement.is_reversal:
            raise ValidationError(
                f"余额不足：{locked.name}当前余额 {yuan(locked.balance)}，本次支出 {yuan(-delta)}，"
                f"还差 {yuan(-delta - locked.balance)}。支出未记账。"
            )
        raise ValidationError(
            f"不能冲销：{locked.name}当前余额 {yuan(locked.balance)}，冲销 {yuan(-delta)}后将为负数。"
            "请先冲销用这笔钱支付的支出。"
        )
    Account.objects.filter(pk=locked.pk).update(balance=F("balance") + delta, line_count=F("line_count") + 1)
    return Posting.objects.create(
        account=locked,
        seq=locked.line_count + 1,
        amount=delta,
        balance_after=locked.balance + delta,
        contribution=contribution,
        disbursement=disbursement,
        posted_on=on,
    )


def _guarded(operation):
    """Run a posting; a database CHECK that fires anyway (a writer outside this module) becomes a message."""
    try:
        with transaction.atomic():
            return operation()
    except IntegrityError as error:
        if "balance_not_negative" in str(error):
            raise ValidationError("余额不足，本笔未记账。") from None
        raise


def contribution_create(
    *,
    account: Account,
    source: str,
    amount: Decimal,
    received_on: date,
    voucher_no: str,
    by,
    department=None,
    town=None,
    cadre=None,
    contributor: str = "",
    note: str = "",
    client_key: UUID | None = None,
) -> Contribution:
    """Money in: the contribution and its posting, in one transaction.

    `client_key` is the form's submission key: the same key again (a double click, a resubmit after a lost answer)
    answers the contribution it saved, with `is_repeat` set, and posts nothing.
    """
    if saved := _saved(Contribution, client_key):
        return saved
    if amount <= 0:
        raise ValidationError("收入金额必须大于 0。")

    def run():
        line = Contribution.objects.create(
            account=account,
            source=source,
            amount=amount,
            received_on=received_on,
            voucher_no=voucher_no,
            department=department,
            town=town,
            cadre=cadre,
            contributor=contributor,
            note=note,
            by=by,
            client_key=client_key,
        )
        _post(account=account, delta=amount, on=received_on, contribution=line)
        return line

    return _first_wins(Contribution, client_key, lambda: _guarded(run))


def disbursement_create(
    *,
    account: Account,
    amount: Decimal,
    paid_on: date,
    voucher_no: str,
    purpose: str,
    approved_by: str,
    by,
    project=None,
    member=None,
    note: str = "",
    client_key: UUID | None = None,
) -> Disbursement:
    """Money out to a project and/or a member. Refused, with the balance in the message, if it would overdraw.

    The same `client_key` again answers the disbursement it saved (`is_repeat` set) and posts nothing.
    """
    if saved := _saved(Disbursement, client_key):
        return saved
    if amount <= 0:
        raise ValidationError("支出金额必须大于 0。")
    if project is None and member is None:
        raise ValidationError("请选择资金投向的项目或帮扶对象。")
    if project is not None and member is not None and member.village.town_id != project.village.town_id:
        raise ValidationError(f"{member.name} 不在项目“{project.name}”所在乡镇，请核对。")
    village = project.village if project is not None else member.village

    def run():
        line = Disbursement.objects.create(
            account=account,
            amount=amount,
            paid_on=paid_on,
            voucher_no=voucher_no,
            purpose=purpose,
            approved_by=approved_by,
            village=village,
            project=project,
            member=member,
            note=note,
            by=by,
            client_key=client_key,
        )
        _post(account=account, delta=-amount, on=paid_on, disbursement=line)
        return line

    return _first_wins(Disbursement, client_key, lambda: _guarded(run))


def line_reverse(
    *, line: Contribution | Disbursement, on: date, reason: str, by, client_key: UUID | None = None
) -> Contribution | Disbursement:
    """冲销: a new line with the opposite amount, pointing at the original; the original stays as it was posted.

    The same `client_key` again (the reversal form sent twice) answers the reversal it saved, with `is_repeat` set.
    """
    if saved := _saved(type(line), client_key):
        return saved
    if not reason.strip():
        raise ValidationError("请填写冲销原因。")
    if line.is_reversal:
        raise ValidationError("冲销记录本身不能再冲销；如有错误请重新登记一笔。")
    if on < getattr(line, line.DATE_FIELD):
        raise ValidationError("冲销日期不能早于原记录的日期。")
    model = type(line)
    fields = {
        f.name: getattr(line, f.name)
        for f in model._meta.concrete_fields
        if f.name not in ("id", "amount", "reverses", "note", "by", "created_at", "client_key", model.DATE_FIELD)
    }

    def run():
        Account.objects.select_for_update().get(pk=line.account_id)  # one reversal at a time per account
        if saved := _saved(model, client_key):  # the same form, sent while the first was being saved
            return saved
        if model.objects.filter(reverses=line).exists():
            raise ValidationError("这笔记录已经冲销过了。")
        reversal = model.objects.create(
            **fields,
            amount=-line.amount,
            reverses=line,
            client_key=client_key,
            note=f"冲销：{reason.strip()}"[:200],
            by=by,
            **{model.DATE_FIELD: on},
        )
        delta = -line.amount if model is Contribution else line.amount
        kind = "contribution" if model is Contribution else "disbursement"
        _post(account=line.account, delta=delta, on=on, **{kind: reversal})
        return reversal

    try:
        return _guarded(run)
    except IntegrityError:
        raise ValidationError("这笔记录已经冲销过了。") from None


# 党员农贷快车


def add_months(start: date, months: int) -> date:
    """The same day `months` later, or the month's last day when it is shorter (31 Jan + 1 month = 28/29 Feb)."""
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class Instalment:
    number: int
    due_on: date
    principal: Decimal
    interest: Decimal


def _cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def repayment_schedule(*, principal: Decimal, annual_rate: Decimal, term_months: int, method: str, start: date):
    """The instalments of a loan disbursed on `start`. Interest is on the principal still owed, simple, 30/360 by
    months; each amount is rounded half up to the fen, and the last principal takes the rounding remainder so the
    principal sums exactly to the loan."""
    monthly = annual_rate / Decimal(100) / Decimal(12)
    if method == Loan.Method.BULLET:
        return [Instalment(1, add_months(start, term_months), principal, _cents(principal * monthly * term_months))]
    if method == Loan.Method.QUARTERLY_INTEREST:
        ends = [*range(3, term_months, 3), term_months]
        out, previous = [], 0
        for number, end in enumerate(ends, start=1):
            interest = _cents(principal * monthly * (end - previous))
            out.append(Instalment(number, add_months(start, end), principal if end == term_months else ZERO, interest))
            previous = end
        return out
    share = _cents(principal / term_months)
    out, owed = [], principal
    for number in range(1, term_months + 1):
        part = owed if number == term_months else min(share, owed)
        out.append(Instalment(number, add_months(start, number), part, _cents(owed * monthly)))
        owed -= part
    return out


@transaction.atomic
def loan_decide(*, loan: Loan, approve: bool, on: date, amount: Decimal | None = None, reason: str = "") -> Loan:
    loan = Loan.objects.select_for_update().get(pk=loan.pk)
    if loan.status != Loan.Status.APPLIED:
        raise ValidationError(f"该贷款当前为“{loan.get_status_display()}”，只有已申请的贷款可以审批。")
    if on < loan.applied_on:
        raise ValidationError(f"审批日期不能早于申请日期 {loan.applied_on:%Y-%m-%d}。")
    if approve:
        amount = amount or loan.amount_requested
        if amount <= 0:
            raise ValidationError("批准金额必须大于 0。")
        if amount > loan.amount_requested:
            raise ValidationError(f"批准金额 {yuan(amount)} 不能超过申请金额 {yuan(loan.amount_requested)}。")
        loan.status, loan.amount_approved = Loan.Status.APPROVED, amount
    else:
        if not reason.strip():
            raise ValidationError("请填写未批准的原因。")
        loan.status, loan.refusal_reason = Loan.Status.REFUSED, reason.strip()
    loan.decided_on = on
    loan.save(update_fields=["status", "amount_approved", "refusal_reason", "decided_on"])
    return loan


@transaction.atomic
def loan_disburse(*, loan: Loan, on: date, contract_no: str = "") -> Loan:
    """放款: the bank pays out; the repayment schedule is fixed from that day."""
    loan = Loan.objects.select_for_update().get(pk=loan.pk)
    if loan.status != Loan.Status.APPROVED:
        raise ValidationError(f"该贷款当前为“{loan.get_status_display()}”，只有已批准的贷款可以放款。")
    if on < loan.decided_on:
        raise ValidationError(f"放款日期不能早于审批日期 {loan.decided_on:%Y-%m-%d}。")
    loan.status, loan.disbursed_on, loan.contract_no = Loan.Status.DISBURSED, on, contract_no
    loan.save(update_fields=["status", "disbursed_on", "contract_no"])
    cum_p = cum_i = ZERO
    rows = []
    for i in repayment_schedule(
        principal=loan.amount_approved,
        annual_rate=loan.annual_rate,
        term_months=loan.term_months,
        method=loan.method,
        start=on,
    ):
        cum_p, cum_i = cum_p + i.principal, cum_i + i.interest
        rows.append(
            LoanInstalment(
                loan=loan,
                number=i.number,
                due_on=i.due_on,
                principal=i.principal,
                interest=i.interest,
                cum_principal=cum_p,
                cum_interest=cum_i,
            )
        )
    LoanInstalment.objects.bulk_create(rows)
    return loan


def repayment_record(
    *,
    loan: Loan,
    paid_on: date,
    principal: Decimal,
    interest: Decimal,
    by,
    voucher_no: str = "",
    note: str = "",
    client_key: UUID | None = None,
) -> Repayment:
    """还款: principal may not exceed what is still owed. The loan is settled when no principal is left.

    The same `client_key` again answers the repayment it saved (`is_repeat` set) and changes nothing: checked
    under the loan's row lock, so a concurrent second submission waits for the first and then finds its row.
    """

    def write():
        with transaction.atomic():
            return _repayment_record(
                loan=loan,
                paid_on=paid_on,
                principal=principal,
                interest=interest,
                by=by,
                voucher_no=voucher_no,
                note=note,
                client_key=client_key,
            )

    return _first_wins(Repayment, client_key, write)


def _repayment_record(*, loan, paid_on, principal, interest, by, voucher_no, note, client_key):
    loan = Loan.objects.select_for_update().get(pk=loan.pk)
    if saved := _saved(Repayment, client_key):
        return saved
    if loan.status != Loan.Status.DISBURSED:
        raise ValidationError(f"该贷款当前为“{loan.get_status_display()}”，不能登记还款。")
    if principal < 0 or interest < 0 or principal + interest <= 0:
        raise ValidationError("请填写还款本金或利息（不能为负数）。")
    if paid_on < loan.disbursed_on:
        raise ValidationError(f"还款日期不能早于放款日期 {loan.disbursed_on:%Y-%m-%d}。")
    owed = loan.outstanding_principal
    if principal > owed:
        raise ValidationError(f"还款本金 {yuan(principal)} 超过尚欠本金 {yuan(owed)}。")
    repayment = Repayment.objects.create(
        loan=loan,
        paid_on=paid_on,
        principal=principal,
        interest=interest,
        voucher_no=voucher_no,
        note=note,
        by=by,
        client_key=client_key,
    )
    loan.paid_principal += principal
    loan.paid_interest += interest
    fields = ["paid_principal", "paid_interest"]
    if loan.paid_principal == loan.principal:
        loan.status, loan.settled_on = Loan.Status.SETTLED, paid_on
        fields += ["status", "settled_on"]
    loan.save(update_fields=fields)
    return repayment


@transaction.atomic
def repayment_reverse(*, repayment: Repayment, on: date, reason: str, by, client_key: UUID | None = None) -> Repayment:
    """A repayment entered by mistake: a negative repayment undoes it; a settled loan opens again if principal is
    owed again. The same `client_key` again answers the reversal it saved (`is_repeat` set)."""
    if not reason.strip():
        raise ValidationError("请填写冲销原因。")
    if repayment.reverses_id:
        raise ValidationError("冲销记录本身不能再冲销。")
    if on < repayment.paid_on:
        raise ValidationError(f"冲销日期不能早于原还款日期 {repayment.paid_on:%Y-%m-%d}。")
    loan = Loan.objects.select_for_update().get(pk=repayment.loan_id)
    if saved := _saved(Repayment, client_key):
        return saved
    if Repayment.objects.filter(reverses=repayment).exists():
        raise ValidationError("这笔还款已经冲销过了。")
    reversal = Repayment.objects.create(
        client_key=client_key,
        loan=loan,
        paid_on=on,
        principal=-repayment.principal,
        interest=-repayment.interest,
        voucher_no=repayment.voucher_no,
        reverses=repayment,
        note=f"冲销：{reason.strip()}"[:200],
        by=by,
    )
    loan.paid_principal -= repayment.principal
    loan.paid_interest -= repayment.interest
    if loan.paid_principal < loan.principal:  # undoing an interest-only payment leaves a settled loan settled
        loan.status, loan.settled_on = Loan.Status.DISBURSED, None
    loan.save(update_fields=["paid_principal", "paid_interest", "status", "settled_on"])
    return reversal


@transaction.atomic
def guarantee_group_create(*, name: str, village: Village, formed_on: date, members, by) -> GuaranteeGroup:
    """联保小组: three to five households of one village, who join on the day the group is formed."""
    members = list(members)
    low, high = GROUP_SIZE
    if not low <= len(members) <= high:
        raise ValidationError(f"联保小组须有 {low} 到 {high} 户成员，现在选了 {len(members)} 户。")
    strangers = [m.name for m in members if m.village_id != village.pk]
    if strangers:
        raise ValidationError(f"{'、'.join(strangers)} 不是{village.name}的，联保小组成员须同村。")
    if GuaranteeGroup.objects.filter(village=village, name=name).exists():
        raise ValidationError(f"{village.name}已有名为“{name}”的联保小组。")
    group = GuaranteeGroup.objects.create(name=name, village=village, formed_on=formed_on, by=by)
    GuaranteeMembership.objects.bulk_create(
        GuaranteeMembership(group=group, member=m, joined_on=formed_on) for m in members
    )
    return group

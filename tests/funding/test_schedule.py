"""党员农贷快车 maths and rules, at the service level: the schedule, arrears, and the loan's state machine."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import InternalError, transaction

from funding import services
from funding.models import Loan, LoanInstalment, Repayment
from funding.services import add_months, repayment_schedule
from tests.funding.loan_fixtures import *  # noqa: F403
from tests.funding.loan_fixtures import disburse, make_loan

D = Decimal


def schedule(principal, rate, months, method=Loan.Method.EQUAL_PRINCIPAL, start=date(2016, 4, 30)):
    return repayment_schedule(
        principal=D(principal), annual_rate=D(rate), term_months=months, method=method, start=start
    )


# Dates ----------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "months", "due"),
    [
        (date(2015, 1, 31), 1, date(2015, 2, 28)),
        (date(2016, 1, 31), 1, date(2016, 2, 29)),  # leap year
        (date(2016, 1, 30), 1, date(2016, 2, 29)),
        (date(2016, 1, 31), 2, date(2016, 3, 31)),  # from the start day, not from the short February
        (date(2016, 12, 31), 2, date(2017, 2, 28)),
        (date(2016, 11, 15), 3, date(2017, 2, 15)),
        (date(2016, 5, 31), 120, date(2026, 5, 31)),
    ],
)
def test_a_month_later_is_the_same_day_or_the_months_last(start, months, due):
    assert add_months(start, months) == due


def test_instalments_started_on_the_31st_fall_on_each_months_last_day_without_drifting():
    dues = [i.due_on for i in schedule("12000.00", "6", 4, start=date(2016, 1, 31))]
    assert dues == [date(2016, 2, 29), date(2016, 3, 31), date(2016, 4, 30), date(2016, 5, 31)]


# Equal principal (按月等额本金) ------------------------------------------------------------------------------------


def test_equal_principal_charges_interest_on_the_declining_balance():
    rows = schedule("30000.00", "4.35", 12)
    assert [r.principal for r in rows] == [D("2500.00")] * 12
    # 30,000 × 4.35 % / 12 = 108.75; each month 2,500 less is owed, so 9.0625 less interest (rounded to the fen).
    assert [r.interest for r in rows[:4]] == [D("108.75"), D("99.69"), D("90.63"), D("81.56")]
    assert rows[-1].interest == D("9.06")
    assert sum(r.interest for r in rows) == D("706.89")
    assert [r.number for r in rows] == list(range(1, 13))


def test_the_last_instalment_takes_the_rounding_so_principal_sums_exactly():
    rows = schedule("10000.00", "5", 3)
    assert [r.principal for r in rows] == [D("3333.33"), D("3333.33"), D("3333.34")]
    assert [r.interest for r in rows] == [D("41.67"), D("27.78"), D("13.89")]
    rows = schedule("20000.00", "5", 3)
    assert [r.principal for r in rows] == [D("6666.67"), D("6666.67"), D("6666.66")]


def test_amounts_round_half_up_to_the_fen():
    (only,) = schedule("1005.00", "1.20", 1)  # 1,005 × 0.1 % = 1.005 → 1.01, not the banker's 1.00
    assert only.interest == D("1.01")


@pytest.mark.parametrize("method", list(Loan.Method))
@pytest.mark.parametrize(
    ("principal", "rate", "months"),
    [("50000.01", "4.35", 7), ("499999.99", "6.15", 120), ("0.05", "5", 12), ("300000.00", "0", 36)],
)
def test_every_schedule_repays_the_principal_exactly_in_decimal(method, principal, rate, months):
    rows = schedule(principal, rate, months, method=method)
    assert sum(r.principal for r in rows) == D(principal)
    assert all(isinstance(r.principal, Decimal) and r.principal >= 0 and r.interest >= 0 for r in rows)
    assert all(
        r.principal == r.principal.quantize(D("0.01")) and r.interest == r.interest.quantize(D("0.01")) for r in rows
    )
    assert rows[-1].due_on == add_months(date(2016, 4, 30), months)
    assert [r.due_on for r in rows] == sorted(r.due_on for r in rows)


def test_a_loan_without_interest_charges_none():
    assert {r.interest for r in schedule("12000.00", "0", 12)} == {D("0.00")}


# 按季付息、到期还本 and 到期一次还本付息 ---------------------------------------------------------------------------


def test_quarterly_interest_is_paid_every_three_months_and_the_principal_at_the_end():
    rows = schedule("100000.00", "4.8", 12, method=Loan.Method.QUARTERLY_INTEREST)
    assert [r.due_on for r in rows] == [date(2016, 7, 30), date(2016, 10, 30), date(2017, 1, 30), date(2017, 4, 30)]
    assert [r.principal for r in rows] == [D("0.00"), D("0.00"), D("0.00"), D("100000.00")]
    assert [r.interest for r in rows] == [D("1200.00")] * 4


def test_a_term_not_divisible_by_three_ends_with_a_short_quarter():
    rows = schedule("100000.00", "4.8", 8, method=Loan.Method.QUARTERLY_INTEREST)
    assert [r.interest for r in rows] == [D("1200.00"), D("1200.00"), D("800.00")]
    assert rows[-1].due_on == date(2016, 12, 30)


def test_a_bullet_loan_pays_everything_once_at_the_end():
    (only,) = schedule("20000.00", "6", 18, method=Loan.Method.BULLET)
    assert (only.due_on, only.principal, only.interest) == (date(2017, 10, 30), D("20000.00"), D("1800.00"))


def test_disbursing_stores_the_schedule_with_cumulative_sums(loan_disbursed):
    rows = list(loan_disbursed.instalments.all())
    assert len(rows) == 12
    assert (rows[0].cum_principal, rows[0].cum_interest) == (D("2500.00"), D("108.75"))
    assert (rows[1].cum_principal, rows[1].cum_interest) == (D("5000.00"), D("208.44"))
    assert (rows[-1].cum_principal, rows[-1].cum_interest) == (D("30000.00"), D("706.89"))


def test_the_stored_schedule_cannot_be_edited(loan_disbursed):
    with pytest.raises(InternalError), transaction.atomic():
        LoanInstalment.objects.filter(loan=loan_disbursed).update(principal=D("1.00"))


# Arrears and overdue ------------------------------------------------------------------------------------------------


def arrears(loan, today):
    return Loan.objects.with_arrears(today=today).get(pk=loan.pk)


def is_overdue(loan, today):
    return Loan.objects.overdue(today=today).filter(pk=loan.pk).exists()


def pay(loan, principal, interest, on=date(2016, 5, 30)):
    return services.repayment_record(loan=loan, paid_on=on, principal=D(principal), interest=D(interest), by=loan.by)


def test_a_loan_is_overdue_from_the_day_after_an_unpaid_instalment_was_due(loan_disbursed):
    assert not is_overdue(loan_disbursed, date(2016, 5, 30))  # the first instalment is due that day
    assert is_overdue(loan_disbursed, date(2016, 5, 31))
    loan = arrears(loan_disbursed, date(2016, 5, 31))
    assert (loan.overdue_since, loan.due_principal, loan.due_interest) == (date(2016, 5, 30), D("2500.00"), D("108.75"))
    loan = arrears(loan_disbursed, date(2016, 7, 1))
    assert (loan.overdue_since, loan.due_principal, loan.due_interest) == (date(2016, 5, 30), D("5000.00"), D("208.44"))


def test_paying_the_instalment_clears_it_until_the_next_falls_due(loan_disbursed):
    pay(loan_disbursed, "2500.00", "108.75")
    assert not is_overdue(loan_disbursed, date(2016, 5, 31))
    assert not is_overdue(loan_disbursed, date(2016, 6, 30))
    assert arrears(loan_disbursed, date(2016, 7, 1)).overdue_since == date(2016, 6, 30)


@pytest.mark.parametrize(("principal", "interest"), [("2000.00", "108.75"), ("2500.00", "100.00"), ("0", "108.75")])
def test_a_partial_payment_leaves_the_loan_overdue_from_the_same_day(loan_disbursed, principal, interest):
    pay(loan_disbursed, principal, interest)
    assert arrears(loan_disbursed, date(2016, 6, 15)).overdue_since == date(2016, 5, 30)


def test_paying_ahead_covers_later_instalments(loan_disbursed):
    pay(loan_disbursed, "7500.00", "300.00")
    assert not is_overdue(loan_disbursed, date(2016, 8, 1))  # three instalments (interest 299.07) are covered
    assert arrears(loan_disbursed, date(2016, 8, 31)).overdue_since == date(2016, 8, 30)


def test_settled_and_undisbursed_loans_are_never_overdue(loan_disbursed, other_member, bookkeeper):
    pay(loan_disbursed, "30000.00", "108.75")  # all principal back, most interest not
    loan_disbursed.refresh_from_db()
    assert loan_disbursed.status == Loan.Status.SETTLED
    applied = make_loan(other_member, bookkeeper)
    assert not Loan.objects.overdue(today=date(2020, 1, 1)).exists()
    assert arrears(applied, date(2020, 1, 1)).overdue_since is None


# The state machine --------------------------------------------------------------------------------------------------


def test_a_loan_is_decided_once(loan_approved):
    assert (loan_approved.status, loan_approved.amount_approved) == (Loan.Status.APPROVED, D("30000.00"))
    with pytest.raises(ValidationError, match="只有已申请的贷款可以审批"):
        services.loan_decide(loan=loan_approved, approve=False, on=date(2016, 4, 11), reason="重复")
    loan_approved.refresh_from_db()
    assert loan_approved.status == Loan.Status.APPROVED


def test_the_bank_approves_at_most_the_amount_requested(loan_applied):
    with pytest.raises(ValidationError, match=r"不能超过申请金额 30,000\.00 元"):
        services.loan_decide(loan=loan_applied, approve=True, on=date(2016, 4, 10), amount=D("30000.01"))
    loan = services.loan_decide(loan=loan_applied, approve=True, on=date(2016, 4, 10), amount=D("20000.00"))
    assert loan.amount_approved == D("20000.00")


def test_a_refusal_needs_a_reason_and_ends_the_loan(loan_applied):
    with pytest.raises(ValidationError, match="请填写未批准的原因"):
        services.loan_decide(loan=loan_applied, approve=False, on=date(2016, 4, 10), reason=" ")
    loan = services.loan_decide(loan=loan_applied, approve=False, on=date(2016, 4, 10), reason="征信不良")
    assert (loan.status, loan.refusal_reason, loan.amount_approved) == (Loan.Status.REFUSED, "征信不良", None)
    with pytest.raises(ValidationError, match="只有已批准的贷款可以放款"):
        services.loan_disburse(loan=loan, on=date(2016, 4, 30))


def test_a_loan_is_not_paid_out_before_it_is_approved(loan_applied):
    with pytest.raises(ValidationError, match="只有已批准的贷款可以放款"):
        services.loan_disburse(loan=loan_applied, on=date(2016, 4, 30))
    assert not LoanInstalment.objects.exists()


def test_repayments_wait_for_the_money_to_be_paid_out(loan_approved):
    with pytest.raises(ValidationError, match="不能登记还款"):
        pay(loan_approved, "100.00", "0")


def test_a_repayment_cannot_exceed_the_principal_still_owed(loan_disbursed):
    pay(loan_disbursed, "29000.00", "0")
    with pytest.raises(ValidationError, match=r"还款本金 1,000.01 元 超过尚欠本金 1,000.00 元"):
        pay(loan_disbursed, "1000.01", "0")
    loan_disbursed.refresh_from_db()
    assert loan_disbursed.paid_principal == D("29000.00")
    assert Repayment.objects.count() == 1


def test_paying_the_last_of_the_principal_settles_the_loan(loan_disbursed):
    pay(loan_disbursed, "29000.00", "700.00")
    pay(loan_disbursed, "1000.00", "6.89", on=date(2017, 4, 30))
    loan_disbursed.refresh_from_db()
    assert (loan_disbursed.status, loan_disbursed.settled_on) == (Loan.Status.SETTLED, date(2017, 4, 30))
    assert loan_disbursed.outstanding_principal == D("0.00")
    with pytest.raises(ValidationError, match="不能登记还款"):
        pay(loan_disbursed, "0", "1.00")


def test_a_reversal_reopens_a_settled_loan(loan_disbursed):
    last = pay(loan_disbursed, "30000.00", "706.89")
    reversal = services.repayment_reverse(repayment=last, on=date(2016, 6, 1), reason="回单重复录入", by=last.by)
    loan_disbursed.refresh_from_db()
    assert (loan_disbursed.status, loan_disbursed.settled_on) == (Loan.Status.DISBURSED, None)
    assert (loan_disbursed.paid_principal, loan_disbursed.paid_interest) == (D("0.00"), D("0.00"))
    assert (reversal.principal, reversal.interest, reversal.note) == (
        D("-30000.00"),
        D("-706.89"),
        "冲销：回单重复录入",
    )
    assert is_overdue(loan_disbursed, date(2016, 6, 2))


def test_reversing_only_interest_leaves_a_settled_loan_settled(loan_disbursed):
    interest = pay(loan_disbursed, "0", "108.75")
    pay(loan_disbursed, "30000.00", "0", on=date(2016, 6, 30))
    services.repayment_reverse(repayment=interest, on=date(2016, 7, 1), reason="利息记错", by=interest.by)
    loan_disbursed.refresh_from_db()
    assert (loan_disbursed.status, loan_disbursed.settled_on) == (Loan.Status.SETTLED, date(2016, 6, 30))
    assert (loan_disbursed.paid_principal, loan_disbursed.paid_interest) == (D("30000.00"), D("0.00"))


def test_a_reversal_cannot_be_reversed_nor_a_repayment_reversed_twice(loan_disbursed):
    first = pay(loan_disbursed, "2500.00", "108.75")
    reversal = services.repayment_reverse(repayment=first, on=date(2016, 6, 1), reason="录错金额", by=first.by)
    with pytest.raises(ValidationError, match="冲销记录本身不能再冲销"):
        services.repayment_reverse(repayment=reversal, on=date(2016, 6, 1), reason="再冲", by=first.by)
    with pytest.raises(ValidationError, match="已经冲销过了"):
        services.repayment_reverse(repayment=first, on=date(2016, 6, 1), reason="再冲", by=first.by)
    with pytest.raises(ValidationError, match="请填写冲销原因"):
        services.repayment_reverse(repayment=first, on=date(2016, 6, 1), reason="", by=first.by)
    loan_disbursed.refresh_from_db()
    assert loan_disbursed.paid_principal == D("0.00")
    assert Repayment.objects.count() == 2


def test_a_repayment_is_never_edited_in_place(loan_disbursed):
    first = pay(loan_disbursed, "2500.00", "108.75")
    with pytest.raises(InternalError), transaction.atomic():
        Repayment.objects.filter(pk=first.pk).update(principal=D("1.00"))


def test_a_large_loan_disbursed_for_less_keeps_the_schedule_on_the_amount_approved(member, bookkeeper):
    loan = make_loan(member, bookkeeper, product=Loan.Product.LARGE, amount_requested=D("200000.00"), term_months=24)
    disburse(loan, date(2016, 5, 15), amount=D("150000.00"))
    rows = list(loan.instalments.all())
    assert (len(rows), rows[-1].cum_principal, rows[0].due_on) == (24, D("150000.00"), date(2016, 6, 15))

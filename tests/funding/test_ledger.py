"""The ledger: money in and out, balances that never go below zero, reversing entries, append-only lines."""

import threading
from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, InternalError, connection, transaction
from django.db.models import Sum

from funding import services
from funding.models import Account, Contribution, Disbursement, Posting

D = Decimal


def disburse(account, amount, *, by, project=None, member=None, voucher="ZC-1"):
    return services.disbursement_create(
        account=account,
        amount=D(amount),
        paid_on=date(2016, 4, 1),
        voucher_no=voucher,
        purpose="start_up",
        approved_by="王建国",
        by=by,
        project=project,
        member=member,
    )


def test_a_contribution_and_a_disbursement_post_with_a_running_balance(special_fund, project, bookkeeper):
    disburse(special_fund, "30000.50", by=bookkeeper, project=project)
    special_fund.refresh_from_db()
    assert special_fund.balance == D("69999.50")
    assert list(
        Posting.objects.filter(account=special_fund).order_by("seq").values_list("seq", "amount", "balance_after")
    ) == [
        (1, D("100000.00"), D("100000.00")),
        (2, D("-30000.50"), D("69999.50")),
    ]
    line = Disbursement.objects.get()
    assert line.village == project.village and line.by == bookkeeper


def test_an_overdraw_is_refused_with_the_balance_and_nothing_is_written(special_fund, project, bookkeeper):
    with pytest.raises(ValidationError) as refused:
        disburse(special_fund, "100000.01", by=bookkeeper, project=project)
    assert "余额不足" in refused.value.messages[0]
    assert "100,000.00 元" in refused.value.messages[0] and "还差 0.01 元" in refused.value.messages[0]
    assert not Disbursement.objects.exists()
    assert Posting.objects.count() == 1
    special_fund.refresh_from_db()
    assert special_fund.balance == D("100000.00")


def test_a_department_cannot_spend_another_departments_money(dept_fund, other_dept_fund, project, bookkeeper):
    disburse(dept_fund, "50000", by=bookkeeper, project=project)
    with pytest.raises(ValidationError):
        disburse(dept_fund, "0.01", by=bookkeeper, project=project)
    other_dept_fund.refresh_from_db()
    assert other_dept_fund.balance == D("20000.00")


def test_the_database_refuses_a_negative_balance_whatever_the_application_does(special_fund):
    with pytest.raises(IntegrityError), transaction.atomic():
        Account.objects.filter(pk=special_fund.pk).update(balance=D("-0.01"))


def test_posted_lines_cannot_be_changed_or_deleted(special_fund, project, bookkeeper):
    line = disburse(special_fund, "100", by=bookkeeper, project=project)
    for statement in (
        lambda: Disbursement.objects.filter(pk=line.pk).update(amount=D("1")),
        lambda: connection.cursor().execute("DELETE FROM funding_disbursement WHERE id = %s", [line.pk]),
        lambda: Contribution.objects.update(amount=D("1")),
        lambda: Posting.objects.filter(account=special_fund).update(balance_after=D("5")),
    ):
        with pytest.raises(InternalError, match="Cannot update or delete"), transaction.atomic():
            statement()
    assert Disbursement.objects.get().amount == D("100.00")


def test_a_reversal_is_a_new_opposite_line_and_the_original_stays(special_fund, project, bookkeeper):
    line = disburse(special_fund, "2500", by=bookkeeper, project=project)
    reversal = services.line_reverse(line=line, on=date(2016, 4, 2), reason="金额录错", by=bookkeeper)
    assert reversal.amount == D("-2500.00") and reversal.reverses == line
    assert reversal.project == project and reversal.voucher_no == line.voucher_no
    assert "金额录错" in reversal.note
    special_fund.refresh_from_db()
    assert special_fund.balance == D("100000.00")
    assert Disbursement.objects.get(pk=line.pk).amount == D("2500.00")
    assert Disbursement.objects.filter(project=project).aggregate(total=Sum("amount"))["total"] == D("0.00")
    assert Posting.objects.get(disbursement=reversal).amount == D("2500.00")


def test_a_line_is_reversed_once_and_a_reversal_never(special_fund, project, bookkeeper):
    line = disburse(special_fund, "10", by=bookkeeper, project=project)
    reversal = services.line_reverse(line=line, on=date(2016, 4, 2), reason="重复", by=bookkeeper)
    with pytest.raises(ValidationError, match="已经冲销过"):
        services.line_reverse(line=line, on=date(2016, 4, 2), reason="再来", by=bookkeeper)
    with pytest.raises(ValidationError, match="冲销记录本身不能再冲销"):
        services.line_reverse(line=reversal, on=date(2016, 4, 2), reason="再来", by=bookkeeper)
    with pytest.raises(ValidationError, match="冲销原因"):
        services.line_reverse(line=line, on=date(2016, 4, 2), reason="  ", by=bookkeeper)


def test_a_contribution_already_spent_cannot_be_reversed(special_fund, project, bookkeeper):
    disburse(special_fund, "60000", by=bookkeeper, project=project)
    contribution = Contribution.objects.get()
    with pytest.raises(ValidationError, match="不能冲销"):
        services.line_reverse(line=contribution, on=date(2016, 5, 1), reason="退回", by=bookkeeper)
    special_fund.refresh_from_db()
    assert special_fund.balance == D("40000.00")


def test_the_database_refuses_a_reversal_with_a_positive_amount(special_fund, bookkeeper):
    original = Contribution.objects.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        Contribution.objects.create(
            account=special_fund,
            source="city_finance",
            amount=D("5"),
            received_on=date(2016, 3, 2),
            voucher_no="X",
            reverses=original,
            by=bookkeeper,
        )


def test_a_disbursement_needs_a_project_or_a_member(special_fund, bookkeeper):
    with pytest.raises(ValidationError, match="项目或帮扶对象"):
        disburse(special_fund, "10", by=bookkeeper)


def test_money_to_a_member_goes_to_the_members_village(special_fund, member, bookkeeper):
    line = disburse(special_fund, "800", by=bookkeeper, member=member)
    assert line.village_id == member.village_id


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_disbursements_cannot_overdraw(village, bookkeeper):
    """Two requests each pay 60,000 from 100,000 at the same moment: one is posted, the other refused."""
    from tests.factories import ProjectFactory

    project = ProjectFactory(village=village)
    account = services.special_account()
    services.contribution_create(
        account=account,
        source="city_finance",
        amount=D("100000"),
        received_on=date(2016, 3, 1),
        voucher_no="CZ",
        by=bookkeeper,
    )
    barrier = threading.Barrier(2)
    outcomes = []

    def pay(n):
        try:
            barrier.wait()
            disburse(account, "60000", by=bookkeeper, project=project, voucher=f"ZC-{n}")
            outcomes.append("posted")
        except ValidationError as error:
            outcomes.append(error.messages[0])
        finally:
            connection.close()

    threads = [threading.Thread(target=pay, args=(n,)) for n in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes, key=len)[0] == "posted"
    assert sum(o == "posted" for o in outcomes) == 1
    assert any("余额不足" in o and "40,000.00 元" in o for o in outcomes)
    account.refresh_from_db()
    assert account.balance == D("40000.00") and account.line_count == 2
    assert Disbursement.objects.count() == 1
    assert list(Posting.objects.order_by("seq").values_list("balance_after", flat=True)) == [
        D("100000.00"),
        D("40000.00"),
    ]


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_reversals_of_one_line_make_one(village, bookkeeper):
    from tests.factories import ProjectFactory

    project = ProjectFactory(village=village)
    account = services.special_account()
    services.contribution_create(
        account=account,
        source="city_finance",
        amount=D("100"),
        received_on=date(2016, 3, 1),
        voucher_no="CZ",
        by=bookkeeper,
    )
    line = disburse(account, "40", by=bookkeeper, project=project)
    barrier = threading.Barrier(2)
    outcomes = []

    def undo():
        try:
            barrier.wait()
            services.line_reverse(line=line, on=date(2016, 4, 2), reason="重复录入", by=bookkeeper)
            outcomes.append("ok")
        except ValidationError as error:
            outcomes.append(error.messages[0])
        finally:
            connection.close()

    threads = [threading.Thread(target=undo) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert outcomes.count("ok") == 1
    account.refresh_from_db()
    assert account.balance == D("100.00")
    assert Disbursement.objects.filter(reverses=line).count() == 1

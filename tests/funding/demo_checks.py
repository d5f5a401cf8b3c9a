"""The demo money tells the 2016 report's story (seed 二.3): 100 万元 special fund, 1,842 万元 of department money,
about 300 loans; and the ledger holds together (running balances, postings, reversals)."""

import io
from datetime import date
from decimal import Decimal

from django.core.management import call_command
from django.db.models import Count, Exists, F, Max, Min, OuterRef, Q, Sum

from funding.models import (
    Account,
    Contribution,
    Disbursement,
    FundTarget,
    GuaranteeGroup,
    GuaranteeMembership,
    Loan,
    LoanInstalment,
    Posting,
    Purpose,
    Repayment,
)
from guanghan.models import Town, User
from projects.models import VillagePairing

REPORT_DATE = date(2016, 7, 21)
FOUR_SOURCES = {"city_finance", "party_dues", "town_match", "donation"}


def total(queryset, field="amount"):
    return queryset.aggregate(total=Sum(field))["total"] or Decimal("0.00")


def test_the_special_fund_is_one_million_from_the_four_sources(seeded):
    special = Account.objects.get(channel="special")
    money_in = Contribution.objects.filter(account=special)
    assert total(money_in) == Decimal("1000000.00")
    assert set(money_in.values_list("source", flat=True)) == FOUR_SOURCES
    assert money_in.filter(source="city_finance").count() >= 2
    towns = money_in.filter(source="town_match").values("town").distinct().count()
    assert towns == Town.objects.count() == 18
    donations = money_in.filter(source="donation", reverses__isnull=True)
    assert donations.count() > 200
    assert not donations.filter(Q(cadre__isnull=True) | ~Q(contributor=F("cadre__name"))).exists()
    assert money_in.filter(received_on__year__in=[2015, 2016]).count() == money_in.count()


def test_most_of_the_special_fund_was_paid_out_for_projects_start_ups_and_interest(seeded):
    special = Account.objects.get(channel="special")
    money_out = Disbursement.objects.filter(account=special)
    assert Decimal("700000") < total(money_out) <= Decimal("1000000.00")
    assert {Purpose.START_UP, Purpose.SUBSIDY, Purpose.INTEREST} <= set(money_out.values_list("purpose", flat=True))
    assert not money_out.filter(purpose=Purpose.INTEREST, member__loans__isnull=True).exists()
    assert set(money_out.values_list("by__username", flat=True)) == {"staff"}
    assert not money_out.exclude(voucher_no__regex=r"^ZX-201[56]-\d{4}$").exists()


def test_the_departments_paid_1842_wan_into_their_own_paired_villages(seeded):
    money_out = Disbursement.objects.filter(account__channel="department")
    assert total(money_out) == Decimal("18420000.00")
    assert total(money_out.not_reversed()) == Decimal("18420000.00")
    paired = set(VillagePairing.objects.values_list("department_id", "village_id"))
    assert set(money_out.values_list("account__department_id", "village_id")) <= paired
    assert Account.objects.filter(channel="department").count() == len({d for d, _ in paired})
    assert not money_out.filter(paid_on__gt=REPORT_DATE).exists()
    assert not money_out.exclude(by__department=F("account__department")).exists()
    assert not money_out.exclude(voucher_no__regex=r"^BM-\d{2}-201[56]-\d{4}$").exists()
    for account in Account.objects.filter(channel="department").select_related("department")[:5]:
        assert account.name == f"{account.department.short_name}帮扶资金"


def test_every_payment_names_its_village_purpose_approver_and_voucher(seeded):
    lines = Disbursement.objects.all()
    assert not lines.filter(Q(voucher_no="") | Q(approved_by="") | Q(purpose="")).exists()
    assert not lines.filter(project__isnull=False).exclude(village=F("project__village")).exists()
    assert not lines.filter(project__isnull=True).exclude(village=F("member__village")).exists()
    assert not lines.exclude(approved_by__regex=r"^[\u4e00-\u9fff]{2,3}$").exists()


def test_every_account_balance_is_the_end_of_its_journal(seeded):
    assert not Posting.objects.filter(balance_after__lt=0).exists()
    for account in Account.objects.annotate(
        n=Count("postings"), total=Sum("postings__amount"), top=Max("postings__seq"), first=Min("postings__seq")
    ):
        assert account.n == account.line_count == account.top > 0
        assert account.first == 1
        assert account.total == account.balance >= 0
        postings = list(Posting.objects.filter(account=account).order_by("seq"))
        assert postings[-1].balance_after == account.balance
        running = Decimal("0.00")
        for posting in postings:
            running += posting.amount
            assert posting.balance_after == running
        assert [p.posted_on for p in postings] == sorted(p.posted_on for p in postings)
    assert Posting.objects.count() == Contribution.objects.count() + Disbursement.objects.count()
    assert not Contribution.objects.filter(posting__isnull=True).exists()
    assert not Disbursement.objects.filter(posting__isnull=True).exists()
    assert not Posting.objects.filter(contribution__isnull=False).exclude(account=F("contribution__account")).exists()
    assert not Posting.objects.filter(disbursement__isnull=False).exclude(amount=-F("disbursement__amount")).exists()
    assert not Posting.objects.filter(contribution__isnull=False).exclude(amount=F("contribution__amount")).exists()


def test_a_few_mistakes_were_corrected_by_reversing_lines(seeded):
    reversals = [
        *Contribution.objects.filter(reverses__isnull=False),
        *Disbursement.objects.filter(reverses__isnull=False),
    ]
    assert len(reversals) == 8
    for line in reversals:
        original = line.reverses
        assert line.amount == -original.amount < 0
        assert line.note.startswith("冲销：")
        assert line.account_id == original.account_id
        assert line.voucher_no == original.voucher_no
        assert getattr(line, line.DATE_FIELD) >= getattr(original, original.DATE_FIELD)
    assert {type(line) for line in reversals} == {Contribution, Disbursement}


def test_targets_by_year_add_up_to_the_special_fund_and_cover_every_department(seeded):
    special = FundTarget.objects.filter(channel="special")
    assert total(special.filter(source="")) == Decimal("1000000.00")
    assert total(special.exclude(source="")) == Decimal("1000000.00")
    assert set(special.exclude(source="").values_list("source", flat=True)) == FOUR_SOURCES
    departments = FundTarget.objects.filter(channel="department", department__isnull=False)
    assert departments.values("department").distinct().count() == Account.objects.filter(channel="department").count()
    assert set(departments.values_list("year", flat=True)) == {2015, 2016}
    assert FundTarget.objects.filter(channel="credit").count() == 2


def test_loans_are_in_every_state_with_a_few_in_arrears(seeded):
    loans = Loan.objects.all()
    assert 280 <= loans.count() <= 320
    states = dict(loans.values_list("status").annotate(n=Count("pk")))
    assert set(states) == set(Loan.Status.values)
    assert states["settled"] > states["disbursed"]
    assert not loans.filter(status="refused", refusal_reason="").exists()
    assert not loans.filter(status__in=["approved", "disbursed", "settled"], amount_approved__isnull=True).exists()
    assert not loans.filter(status="approved", disbursed_on__isnull=False).exists()
    assert loans.filter(member__category="party").count() > loans.count() / 2
    assert loans.filter(disbursed_on__year__in=[2015, 2016]).count() == loans.filter(disbursed_on__isnull=False).count()
    overdue = Loan.objects.overdue(today=date.today())
    assert 20 <= overdue.count() <= 40
    assert overdue.count() == states["disbursed"]
    assert 0 < Loan.objects.overdue(today=REPORT_DATE).count() < overdue.count()
    assert loans.exclude(relaxed_terms="").count() > loans.count() / 2
    assert not loans.exclude(annual_rate__range=(Decimal("4.35"), Decimal("6.50"))).exists()
    assert not loans.exclude(term_months__range=(12, 36)).exists()
    assert len(set(loans.values_list("method", flat=True))) == 3
    assert len(set(loans.values_list("bank", flat=True))) >= 3


def test_loan_amounts_match_their_products_and_large_ones_have_a_joint_guarantee_group(seeded):
    assert not Loan.objects.filter(product="small", amount_requested__gt=Decimal("50000")).exists()
    large = Loan.objects.filter(product="large")
    assert large.count() >= 20
    assert not large.exclude(amount_requested__range=(Decimal("50000.01"), Decimal("500000"))).exists()
    assert not large.filter(guarantee_group__isnull=True).exists()
    assert not large.exclude(guarantee_group__village=F("member__village")).exists()
    in_own_group = GuaranteeMembership.objects.filter(group=OuterRef("guarantee_group"), member=OuterRef("member"))
    assert large.filter(Exists(in_own_group)).count() == large.count()
    for group in GuaranteeGroup.objects.annotate(n=Count("memberships")).prefetch_related("members"):
        assert 3 <= group.n <= 5
        assert {m.village_id for m in group.members.all()} == {group.village_id}


def test_repayments_add_up_and_settled_loans_are_paid_in_full(seeded):
    sums = {
        row["loan"]: row
        for row in Repayment.objects.values("loan").annotate(principal=Sum("principal"), interest=Sum("interest"))
    }
    for loan in Loan.objects.filter(status__in=["disbursed", "settled"]):
        paid = sums.get(loan.pk, {"principal": Decimal("0.00"), "interest": Decimal("0.00")})
        assert (loan.paid_principal, loan.paid_interest) == (paid["principal"], paid["interest"])
    settled = Loan.objects.filter(status="settled")
    assert not settled.exclude(paid_principal=F("amount_approved")).exists()
    assert not settled.filter(settled_on__isnull=True).exists()
    assert not Loan.objects.filter(status="disbursed", paid_principal=F("amount_approved")).exists()
    assert Repayment.objects.filter(reverses__isnull=False).count() == 2


def test_every_disbursed_loan_has_its_schedule_with_running_totals(seeded):
    for loan in Loan.objects.filter(disbursed_on__isnull=False).prefetch_related("instalments")[:60]:
        instalments = list(loan.instalments.all())
        assert instalments, loan.pk
        assert sum(i.principal for i in instalments) == loan.amount_approved
        assert instalments[-1].cum_principal == loan.amount_approved
        assert instalments[-1].cum_interest == sum(i.interest for i in instalments)
        assert [i.number for i in instalments] == list(range(1, len(instalments) + 1))
    assert not LoanInstalment.objects.filter(loan__disbursed_on__isnull=True).exists()


def test_a_second_seed_adds_no_funding_rows(seeded):
    models = (Account, Contribution, Disbursement, Posting, FundTarget, Loan, LoanInstalment, Repayment)
    before = [m.objects.count() for m in models]
    call_command("seed_demo", stdout=io.StringIO())
    assert [m.objects.count() for m in models] == before


def test_department_staff_record_their_department_lines(seeded):
    dept01 = User.objects.get(username="dept01")
    lines = Disbursement.objects.filter(account__department=dept01.department)
    assert lines.exists()
    assert set(lines.values_list("by", flat=True)) == {dept01.pk}
    assert (
        Disbursement.objects.visible_to(dept01).filter(account__department=dept01.department).count() == lines.count()
    )

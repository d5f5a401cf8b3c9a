"""Agreement progress: each actual against a direct count of the data, the percent maths, and a fixed query count."""

from datetime import date
from decimal import Decimal

import pytest
from django.db.models import Sum

from evaluation.progress import Figure, agreement_progress, percent_of, totals
from funding import services as funding
from funding.models import Disbursement
from members.models import StatusChange
from projects.models import Enrollment, Project
from supervision.models import Visit
from tests.evaluation.agreement_fixtures import agreement_for
from tests.factories import DepartmentFactory, MemberFactory, ProjectFactory, UserFactory, VillageFactory

D = Decimal


@pytest.fixture
def clerk(db):
    return UserFactory(username="clerk", role="org_staff")


def funded(department, amount, *, by):
    account = funding.account_for_department(department)
    funding.contribution_create(
        account=account,
        source="department",
        amount=D(amount),
        received_on=date(2015, 1, 5),
        voucher_no="SR",
        department=department,
        by=by,
    )
    return account


def pay(account, amount, on, *, project, by):
    return funding.disbursement_create(
        account=account,
        amount=D(amount),
        paid_on=on,
        voucher_no="ZC",
        purpose="start_up",
        approved_by="王书记",
        project=project,
        by=by,
    )


def visit(village, on, *, by):
    return Visit.objects.create(
        village=village, visited_on=on, funds_clear="yes", effect_visible="yes", people_satisfied="yes", by=by
    )


def lifted(member, on):
    return StatusChange.objects.create(
        member=member, from_status="assisted", to_status="lifted", changed_on=on, reason="销号"
    )


@pytest.fixture
def world(village, other_village, department, other_department, clerk):
    """A year of work in `village` (2016), with data that must not count: 2015, another village, another department,
    the special fund, projects not started, a reversal."""
    running = ProjectFactory(village=village, year=2016, name="韭黄", status="running", started_on=date(2016, 4, 1))
    done = ProjectFactory(village=village, year=2016, name="生猪", status="completed", started_on=date(2016, 3, 1))
    dropped = ProjectFactory(village=village, year=2016, name="蘑菇", status="dropped", started_on=date(2016, 5, 1))
    ProjectFactory(village=village, year=2016, name="候选", status="recommended")
    ProjectFactory(village=village, year=2016, name="敲定", status="selected")
    old = ProjectFactory(village=village, year=2015, name="旧项目", status="completed", started_on=date(2015, 3, 1))
    far = ProjectFactory(village=other_village, year=2016, name="远处", status="running", started_on=date(2016, 3, 1))

    a, b, c, d = (MemberFactory(village=village) for _ in range(4))
    stranger = MemberFactory(village=other_village)
    for project, member in [(running, a), (done, a), (done, b), (dropped, c), (old, d), (far, stranger)]:
        Enrollment.objects.create(project=project, member=member, enrolled_on=date(project.year, 4, 1))

    ours, theirs = funded(department, "100000", by=clerk), funded(other_department, "100000", by=clerk)
    special = funding.special_account()
    funding.contribution_create(
        account=special,
        source="city_finance",
        amount=D("100000"),
        received_on=date(2015, 1, 5),
        voucher_no="CZ",
        by=clerk,
    )
    pay(ours, "30000.00", date(2016, 4, 2), project=running, by=clerk)
    mistake = pay(ours, "5000.00", date(2016, 5, 2), project=done, by=clerk)
    funding.line_reverse(line=mistake, on=date(2016, 5, 3), reason="录入错误", by=clerk)
    pay(ours, "1234.56", date(2016, 12, 31), project=done, by=clerk)
    pay(ours, "7000.00", date(2015, 6, 1), project=old, by=clerk)  # another year
    pay(ours, "8000.00", date(2016, 6, 1), project=far, by=clerk)  # another village
    pay(theirs, "9000.00", date(2016, 6, 1), project=running, by=clerk)  # another department
    pay(special, "4000.00", date(2016, 6, 1), project=running, by=clerk)  # the special fund

    for on in (date(2016, 1, 1), date(2016, 6, 1), date(2016, 12, 31), date(2015, 12, 31)):
        visit(village, on, by=clerk)
    visit(other_village, date(2016, 6, 1), by=clerk)

    lifted(a, date(2016, 9, 1))
    lifted(b, date(2016, 10, 1))
    StatusChange.objects.create(
        member=b, from_status="lifted", to_status="returned", changed_on=date(2016, 11, 1), reason="返贫"
    )
    lifted(b, date(2016, 12, 1))  # lifted twice in the year: one person
    lifted(c, date(2015, 12, 1))
    lifted(stranger, date(2016, 9, 1))
    StatusChange.objects.create(
        member=d, from_status="registered", to_status="assisted", changed_on=date(2016, 3, 1), reason="帮扶"
    )

    return agreement_for(
        department,
        village,
        by=clerk,
        projects_started=4,
        members_enrolled=3,
        money_invested=D("50000.00"),
        visits=0,
        members_lifted=2,
    )


def test_each_actual_counts_only_the_village_year_and_department(world, village, department):
    figures = agreement_progress([world])[world.pk]
    assert {key: f.actual for key, f in figures.items()} == {
        "projects_started": 3,  # running, completed, and the dropped one that had started
        "members_enrolled": 3,  # a (twice), b, c
        "money_invested": D("31234.56"),  # 30,000 + 5,000 − 5,000 + 1,234.56
        "visits": 3,
        "members_lifted": 2,
    }


def test_the_actuals_match_direct_counts(world, village, department):
    figures = agreement_progress([world])[world.pk]
    in_2016 = {"gte": date(2016, 1, 1), "lt": date(2017, 1, 1)}
    assert (
        figures["projects_started"].actual
        == Project.objects.filter(village=village, year=2016, started_on__isnull=False).count()
    )
    assert (
        figures["members_enrolled"].actual
        == Enrollment.objects.filter(project__village=village, project__year=2016).values("member").distinct().count()
    )
    assert (
        figures["money_invested"].actual
        == Disbursement.objects.filter(
            account__department=department, village=village, paid_on__gte=in_2016["gte"], paid_on__lt=in_2016["lt"]
        ).aggregate(total=Sum("amount"))["total"]
    )
    assert figures["visits"].actual == Visit.objects.filter(village=village, visited_on__year=2016).count()
    assert (
        figures["members_lifted"].actual
        == StatusChange.objects.filter(member__village=village, to_status="lifted", changed_on__year=2016)
        .values("member")
        .distinct()
        .count()
    )


def test_a_department_without_money_in_the_village_shows_zero_not_the_others_money(
    world, village, other_department, clerk
):
    theirs = agreement_for(other_department, village, by=clerk, money_invested=D("9000.00"))
    figure = agreement_progress([theirs])[theirs.pk]["money_invested"]
    assert figure.actual == D("9000.00") and figure.percent == D("100.0")
    fresh = agreement_for(DepartmentFactory(), village, by=clerk)
    assert agreement_progress([fresh])[fresh.pk]["money_invested"].actual == D("0.00")


def test_the_same_village_in_another_year_reads_that_year(world, village, department, clerk):
    earlier = agreement_for(department, village, by=clerk, year=2015)
    figures = agreement_progress([earlier])[earlier.pk]
    assert figures["projects_started"].actual == 1
    assert figures["money_invested"].actual == D("7000.00")
    assert figures["visits"].actual == 1
    assert figures["members_lifted"].actual == 1


def test_percents_of_the_world_agreement(world):
    figures = agreement_progress([world])[world.pk]
    assert figures["projects_started"].percent == D("75.0")
    assert figures["members_enrolled"].percent == D("100.0")
    assert figures["money_invested"].percent == D("62.5")  # 31,234.56 ÷ 50,000 = 62.469 %
    assert figures["visits"].percent is None  # no target
    assert figures["members_lifted"].percent == D("100.0")


@pytest.mark.parametrize(
    ("actual", "target", "percent"),
    [
        (1, 3, D("33.3")),
        (2, 3, D("66.7")),
        (1, 16, D("6.3")),  # 6.25: half up, not to even
        (3, 8, D("37.5")),
        (D("0.01"), D("200.00"), D("0.0")),
        (D("0.10"), D("200.00"), D("0.1")),  # 0.05 % rounds up to 0.1
        (5, 4, D("125.0")),
        (0, 5, D("0.0")),
        (3, 0, None),
        (0, D("0.00"), None),
    ],
)
def test_percent_is_one_decimal_half_up_and_none_without_a_target(actual, target, percent):
    assert percent_of(actual, target) == percent


def test_the_bar_is_capped_at_full_and_empty_without_a_target():
    assert Figure("visits", "督查走访", "次", target=4, actual=6).bar == 100
    assert Figure("visits", "督查走访", "次", target=4, actual=1).bar == 25
    assert Figure("visits", "督查走访", "次", target=0, actual=1).bar == 0
    assert Figure("money_invested", "投入资金", "元", target=D("3"), actual=D("-1")).bar == 0


def test_totals_add_targets_and_actuals(world, village, other_village, department, clerk):
    far = agreement_for(department, other_village, by=clerk, visits=2)
    progress = agreement_progress([world, far])
    summed = totals([world, far], progress)
    assert (summed["visits"].target, summed["visits"].actual, summed["visits"].percent) == (2, 4, D("200.0"))
    assert summed["money_invested"].actual == D("39234.56")  # 31,234.56 here + 8,000 in the other village


def test_no_agreements_make_no_queries(django_assert_num_queries):
    with django_assert_num_queries(0):
        assert agreement_progress([]) == {}


@pytest.mark.parametrize("count", [3, 30])
def test_progress_takes_five_queries_for_any_number_of_agreements(count, clerk, department, django_assert_num_queries):
    agreements = []
    for n in range(count):
        place = VillageFactory()
        ProjectFactory(village=place, year=2016, status="running", started_on=date(2016, 3, 1))
        visit(place, date(2016, 5, 1), by=clerk)
        agreements.append(agreement_for(department, place, by=clerk, year=2015 + n % 2))
    with django_assert_num_queries(5):
        progress = agreement_progress(agreements)
    in_2016 = sum(1 for a in agreements if a.year == 2016)
    assert sum(p["projects_started"].actual for p in progress.values()) == in_2016
    assert sum(p["visits"].actual for p in progress.values()) == in_2016

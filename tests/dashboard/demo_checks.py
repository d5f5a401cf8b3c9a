"""The dashboard over the demo data: each figure equals a count made here directly, the list each figure links to lists
exactly the rows counted, the seed's section 三 holds (680+ lifted, 7,000+ brought along, 95%+ satisfied), and scoped
users see their scope only."""

from datetime import date
from decimal import Decimal

from django.db.models import Exists, OuterRef, Q, Sum
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from dashboard import figures
from funding.models import Disbursement
from guanghan import access
from guanghan.models import Town, User
from members.models import Lifting, Member, StatusChange
from projects.models import Enrollment, HouseholdPairing, Project, VillagePairing
from supervision.models import Response, Visit

YEAR = 2016
END = date(YEAR, 12, 31)


def _client(username: str) -> Client:
    client = Client()
    client.force_login(User.objects.get(username=username))
    return client


def _sections(username: str, **params) -> dict:
    response = _client(username).get(reverse("dashboard-figures"), {"year": YEAR, **params})
    assert response.status_code == 200, response.content
    return response.json()["sections"]


def _value(sections, key: str):
    section, figure = key.split(".")
    return sections[section]["figures"][figure]


def _in_registry_at_end():
    removed = StatusChange.objects.filter(member=OuterRef("pk"), to_status="removed", changed_on__lte=END)
    return Member.objects.filter(registered_on__lte=END).exclude(Exists(removed))


def test_each_figure_equals_a_direct_count(seeded):
    s = _sections("leader")
    party = _in_registry_at_end().filter(category="party")
    assert _value(s, "registry.party")["value"] == party.count() == 821
    ages = [m.age_on(END) for m in party.only("birth_date")]
    assert _value(s, "registry.band_<=45")["value"] == sum(a <= 45 for a in ages)
    assert _value(s, "registry.band_46-59")["value"] == sum(46 <= a <= 59 for a in ages)
    assert _value(s, "registry.band_>=60")["value"] == sum(a >= 60 for a in ages)
    assert _value(s, "registry.party_rural")["value"] == party.filter(area="rural").count()
    assert _value(s, "registry.resident")["value"] == _in_registry_at_end().filter(category="resident").count()

    lifted = Lifting.objects.filter(closed_on__lte=END, member__category="party").values("member").distinct()
    assert _value(s, "outcomes.lifted")["value"] == lifted.count() >= 680
    residents = Member.objects.filter(category="resident")
    brought = residents.filter(
        Q(pk__in=Enrollment.objects.filter(enrolled_on__lte=END).values("member"))
        | Q(pk__in=Lifting.objects.filter(closed_on__lte=END).values("member"))
    )
    assert _value(s, "outcomes.brought")["value"] == brought.count() >= 7000
    answers = Response.objects.filter(questionnaire__held_on__year=YEAR)
    content = answers.filter(answer__in=["satisfied", "basically"]).count()
    rate = (Decimal(content) * 100 / answers.count()).quantize(Decimal("0.1"))
    assert Decimal(_value(s, "outcomes.satisfaction")["value"]) == rate >= 95

    projects = Project.objects.filter(year=YEAR)
    assert _value(s, "projects.total")["value"] == projects.count() >= 400
    assert _value(s, "projects.key")["value"] == projects.filter(is_key=True).count()
    assert _value(s, "projects.demo")["value"] == projects.filter(is_demo_base=True).count() >= 60
    assert _value(s, "projects.residents")["value"] == projects.filter(for_residents=True).count() == 74

    assert _value(s, "pairs.village_pairs")["value"] == VillagePairing.objects.filter(year=YEAR).count()
    standing = HouseholdPairing.objects.filter(Q(ended_on=None) | Q(ended_on__gt=END), started_on__lte=END)
    assert _value(s, "pairs.household_pairs")["value"] == standing.count() == 2223

    paid = Disbursement.objects.filter(paid_on__year=YEAR).aggregate(total=Sum("amount"))["total"]
    assert Decimal(_value(s, "funds.paid")["value"]) == paid > 0
    visits = Visit.objects.filter(visited_on__year=YEAR)
    assert _value(s, "supervision.visits")["value"] == visits.count()
    passed = visits.filter(funds_clear="yes", effect_visible="yes", people_satisfied="yes").count()
    assert _value(s, "supervision.passed")["value"] == passed
    assert _value(s, "supervision.findings")["value"] == visits.count() - passed


COUNTED = [
    "registry.total",
    "registry.party",
    "registry.band_>=60",
    "registry.party_rural",
    "registry.party_assisted",
    "registry.party_lifted",
    "registry.resident_assisted",
    "outcomes.lifted",
    "outcomes.lifted_in_year",
    "outcomes.brought",
    "projects.total",
    "projects.key",
    "projects.demo",
    "projects.residents",
    "projects.without_key",
    "projects.status_running",
    "pairs.village_pairs",
    "pairs.household_pairs",
    "funds.overdue_loans",
    "supervision.visits",
    "supervision.passed",
    "supervision.findings",
    "supervision.open",
    "supervision.overdue",
]


def test_every_figure_links_to_a_list_of_exactly_its_rows(seeded):
    client = _client("leader")
    s = _sections("leader")
    town = Town.objects.get(name="三星堆镇")
    in_town = _sections("leader", town=town.pk)
    for sections in (s, in_town):
        for key in COUNTED:
            figure = _value(sections, key)
            response = client.get(figure["url"])
            assert response.status_code == 200, (key, figure["url"])
            assert response.context["page"].paginator.count == figure["value"], (key, figure["url"])
        for key in ("funds.paid", "funds.paid_special", "funds.paid_department"):
            figure = _value(sections, key)
            listed = client.get(figure["url"]).context["totals"]["total"] or Decimal("0.00")
            assert listed == Decimal(figure["value"]), (key, figure["url"])


def test_the_town_breakdown_adds_up_and_drills_down_to_villages(seeded):
    client = _client("leader")
    towns = client.get(reverse("dashboard-areas"), {"year": YEAR}).json()
    assert towns["level"] == "town" and len(towns["rows"]) == 18
    whole = _sections("leader")
    assert sum(r["members"] for r in towns["rows"]) == whole["registry"]["figures"]["total"]["value"]
    assert sum(r["lifted"] for r in towns["rows"]) == whole["outcomes"]["figures"]["lifted"]["value"]
    assert sum(r["projects"] for r in towns["rows"]) == whole["projects"]["figures"]["total"]["value"]
    row = towns["rows"][0]
    villages = client.get(reverse("dashboard-areas"), {"year": YEAR, "town": row["id"]}).json()
    assert villages["level"] == "village"
    assert sum(r["members"] for r in villages["rows"]) == row["members"]
    assert sum(r["visits"] for r in villages["rows"]) == row["visits"]
    listed = client.get(row["urls"]["members"]).context["page"].paginator.count
    assert listed == row["members"]


def test_a_town_officer_sees_its_town_as_the_leader_sees_that_town(seeded):
    town01 = User.objects.get(username="town01")
    mine = _sections("town01")
    leaders_view = _sections("leader", town=town01.town_id)
    for key in ("registry.total", "outcomes.lifted", "projects.total", "supervision.visits", "funds.paid"):
        assert _value(mine, key)["value"] == _value(leaders_view, key)["value"], key
    areas = _client("town01").get(reverse("dashboard-areas"), {"year": YEAR}).json()
    assert areas["level"] == "village"
    assert sorted(r["name"] for r in areas["rows"]) == sorted(
        access.villages_visible_to(town01).values_list("name", flat=True)
    )
    other = Town.objects.exclude(pk=town01.town_id).first()
    assert _client("town01").get(reverse("dashboard-figures"), {"town": other.pk}).status_code == 400


def test_a_department_sees_its_villages_and_its_households(seeded):
    dept = User.objects.get(username="dept01")
    s = _sections("dept01")
    villages = VillagePairing.objects.filter(department=dept.department, ended_on=None).values("village")
    assert _value(s, "projects.total")["value"] == Project.objects.filter(year=YEAR, village__in=villages).count()
    households = HouseholdPairing.objects.filter(cadre__department=dept.department, ended_on=None).values("member")
    total = _in_registry_at_end().filter(pk__in=households).count()
    assert _value(s, "registry.total")["value"] == total < 100


def test_a_liaison_officer_sees_its_village(seeded):
    s = _sections("officer01")
    officer = User.objects.get(username="officer01")
    from supervision.models import villages_of

    villages = villages_of(officer)
    assert (
        _value(s, "supervision.visits")["value"]
        == Visit.objects.filter(visited_on__year=YEAR, village__in=villages).count()
    )
    assert _value(s, "registry.total")["value"] == _in_registry_at_end().filter(village__in=villages).count()


def test_the_summary_prints_the_dashboards_numbers(seeded):
    client = _client("leader")
    page = client.get(reverse("dashboard:summary"), {"year": YEAR})
    assert page.status_code == 200
    s = _sections("leader")
    html = page.content.decode()
    for key in ("outcomes.lifted", "outcomes.brought", "registry.party", "projects.key", "pairs.household_pairs"):
        assert f"{_value(s, key)['value']:,}" in html, key
    assert "97." in html or "98." in html  # satisfaction (95%+)
    assert timezone.localdate() >= END  # the demo's 2016 is a past year: stocks are taken on 31 December
    area = figures.Area(year=YEAR, today=timezone.localdate())
    assert area.day == END and area.is_past

"""The list filters behind the dashboard's links and the work lists: each list shows exactly the rows counted."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from members.models import Lifting, StatusChange, Survey
from projects.models import Enrollment, HouseholdPairing, VillagePairing
from tests.factories import CadreFactory, MemberFactory, ProjectFactory


def listed(client, user, name, **params) -> list[str]:
    client.force_login(user)
    response = client.get(reverse(name), params)
    assert response.status_code == 200
    return sorted(str(row) for row in response.context["page"].object_list)


def count(client, name, **params) -> int:
    return client.get(reverse(name), params).context["page"].paginator.count


def close_lifting(member, on: date):
    return Lifting.objects.create(
        member=member,
        assessed_on=on - timedelta(days=20),
        verified_on=on - timedelta(days=15),
        notice_start=on - timedelta(days=12),
        notice_end=on - timedelta(days=5),
        closed_on=on,
    )


def test_members_lifted_between_two_days(client, org_staff, village):
    early, late, never = (MemberFactory(village=village, name=n) for n in ("甲", "乙", "丙"))
    close_lifting(early, date(2015, 6, 1))
    close_lifting(late, date(2016, 6, 1))
    client.force_login(org_staff)
    assert count(client, "members:member-list", lifted_to="2016-12-31") == 2
    assert count(client, "members:member-list", lifted_from="2016-01-01", lifted_to="2016-12-31") == 1
    assert count(client, "members:member-list", lifted_to="2015-12-31") == 1
    page = client.get(reverse("members:member-list"), {"lifted_to": "2016-12-31"}).content.decode()
    assert "脱贫销号" in page and 'name="lifted_to" value="2016-12-31"' in page  # kept when the form is sent again
    assert never


def test_residents_brought_along_are_enrolled_or_lifted_by_the_day(client, org_staff, village):
    enrolled, lifted, waiting = (MemberFactory(village=village, category="resident") for _ in range(3))
    project = ProjectFactory(village=village, year=2016)
    Enrollment.objects.create(project=project, member=enrolled, enrolled_on=date(2016, 5, 1))
    close_lifting(lifted, date(2015, 9, 1))
    client.force_login(org_staff)
    assert count(client, "members:member-list", category="resident", brought_to="2016-12-31") == 2
    assert count(client, "members:member-list", category="resident", brought_to="2015-12-31") == 1
    assert waiting


def test_as_of_a_past_day_lists_the_registry_and_the_status_of_that_day(client, org_staff, village):
    member = MemberFactory(village=village, registered_on=date(2015, 1, 1), status="lifted")
    StatusChange.objects.create(
        member=member, from_status="registered", to_status="assisted", changed_on=date(2015, 3, 1), reason="纳入帮扶"
    )
    StatusChange.objects.create(
        member=member, from_status="assisted", to_status="lifted", changed_on=date(2016, 3, 1), reason="脱贫"
    )
    MemberFactory(village=village, registered_on=date(2016, 2, 1))
    client.force_login(org_staff)
    assert count(client, "members:member-list", as_of="2015-12-31") == 1
    assert count(client, "members:member-list", as_of="2015-12-31", status="assisted") == 1
    assert count(client, "members:member-list", as_of="2015-12-31", status="lifted") == 0
    assert count(client, "members:member-list", as_of="2016-12-31", status="lifted") == 1
    today = timezone.localdate().isoformat()
    assert count(client, "members:member-list", as_of=today, status="lifted") == 1  # today: the status column


def test_members_without_a_survey_in_a_year(client, org_staff, village):
    surveyed, not_surveyed = MemberFactory(village=village), MemberFactory(village=village)
    MemberFactory(village=village, status="removed")  # out of the registry: not waiting for a survey
    Survey.objects.create(
        member=surveyed,
        surveyed_on=date(2016, 4, 1),
        household_size=3,
        income_per_capita=2400,
        allowance="none",
        health="healthy",
        labour_capacity="normal",
    )
    client.force_login(org_staff)
    response = client.get(reverse("members:member-list"), {"no_survey_in": 2016})
    assert [m.pk for m in response.context["page"].object_list] == [not_surveyed.pk]
    assert "2016 年没有摸底调查记录" in response.content.decode()
    bad = client.get(reverse("members:member-list"), {"no_survey_in": "1900"})
    assert bad.status_code == 200 and "未摸底调查年度" in bad.content.decode()


@pytest.mark.parametrize("user", ["org_staff", "town_staff"])
def test_the_staff_work_list_counts_members_without_a_survey_this_year(client, user, village, other_village, request):
    MemberFactory(village=village)
    MemberFactory(village=other_village)
    client.force_login(request.getfixturevalue(user))
    worklists = {w["title"]: w for w in client.get(reverse("home")).context["worklists"]}
    waiting = worklists["本年度未摸底调查的困难对象"]
    assert waiting["count"] == (2 if user == "org_staff" else 1)
    assert f"no_survey_in={timezone.localdate().year}" in waiting["url"]
    assert client.get(waiting["url"]).context["page"].paginator.count == waiting["count"]


def test_the_other_roles_have_no_survey_work_list(client, liaison, dept_staff, leader):
    for user in (liaison, dept_staff, leader):
        client.force_login(user)
        titles = [w["title"] for w in client.get(reverse("home")).context["worklists"]]
        assert "本年度未摸底调查的困难对象" not in titles


def test_projects_for_residents(client, org_staff, village):
    ProjectFactory(village=village, year=2016, for_residents=True, name="群众项目")
    ProjectFactory(village=village, year=2016, name="党员项目")
    assert [n for n in listed(client, org_staff, "projects:project-list", residents=1) if "群众项目" in n]
    assert len(listed(client, org_staff, "projects:project-list", residents=1)) == 1


def test_household_pairs_standing_on_a_day_and_in_a_town(client, org_staff, village, other_village):
    cadre = CadreFactory()
    HouseholdPairing.objects.create(
        cadre=cadre,
        member=MemberFactory(village=village),
        started_on=date(2015, 3, 1),
        ended_on=date(2016, 5, 1),
        end_reason="调动",
    )
    HouseholdPairing.objects.create(cadre=cadre, member=MemberFactory(village=village), started_on=date(2016, 3, 1))
    HouseholdPairing.objects.create(
        cadre=cadre, member=MemberFactory(village=other_village), started_on=date(2017, 3, 1)
    )
    client.force_login(org_staff)
    assert count(client, "projects:household-pairing-list", on="2015-12-31") == 1
    assert count(client, "projects:household-pairing-list", on="2016-12-31") == 1
    assert count(client, "projects:household-pairing-list", on="2016-04-01") == 2
    assert count(client, "projects:household-pairing-list", on="2017-12-31") == 2
    assert count(client, "projects:household-pairing-list", on="2017-12-31", town=village.town_id) == 1
    assert count(client, "projects:household-pairing-list") == 2  # without a day: the pairs standing now


def test_village_pairs_in_a_town(client, org_staff, department, village, other_village):
    VillagePairing.objects.create(department=department, village=village, year=2016, started_on=date(2016, 1, 5))
    VillagePairing.objects.create(department=department, village=other_village, year=2016, started_on=date(2016, 1, 5))
    client.force_login(org_staff)
    url = reverse("projects:village-pairing-list")
    assert client.get(url, {"year": 2016}).context["page"].paginator.count == 2
    assert client.get(url, {"year": 2016, "town": village.town_id}).context["page"].paginator.count == 1
    assert client.get(url, {"village": other_village.pk}).context["page"].paginator.count == 1

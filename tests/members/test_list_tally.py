"""MemberListTally: how many members not 退出 hold each skill and aspiration, kept by the members' statement-level
triggers whatever writes them (the ORM, a roster import's COPY and UPDATE … FROM, a status change); the city-wide
statistics of today read it instead of every member's lists, with the same figures."""

from collections import Counter
from datetime import date, timedelta

import pytest
from django.db import InternalError, transaction
from django.urls import reverse
from django.utils import timezone

from guanghan.models import Industry, Skill
from members import services
from members.models import TALLIED, Member, MemberListTally
from members.stats import registry_stats
from members.views import _filter_form, _tally_applies
from tests.factories import MemberFactory, add_to_list
from tests.members.test_roster import import_file, person

pytestmark = pytest.mark.django_db


def recount() -> Counter:
    counts = Counter()
    for lists in Member.objects.exclude(status="removed").values_list(*TALLIED):
        for column, items in zip(TALLIED, lists, strict=True):
            for item in items:
                counts[column, item] += 1
    return counts


def tally() -> Counter:
    rows = MemberListTally.objects.values_list("list", "item", "members")
    return Counter({(column, item): n for column, item, n in rows if n})


def test_every_way_of_writing_members_keeps_the_tally(xlsx, everywhere, village, other_village, org_staff):
    skills, industries = list(Skill.objects.order_by("pk")[:3]), list(Industry.objects.order_by("pk")[:2])
    first = MemberFactory(village=village, skill_ids=skills[:2], aspiration_ids=industries[:1])
    MemberFactory(village=other_village, skill_ids=skills[1:], aspiration_ids=industries)
    add_to_list(first, "skill_ids", skills[2])  # an UPDATE
    assert tally() == recount()

    services.status_change(member=first, to_status="assisted", on=date(2016, 3, 1), reason="纳入项目", by=org_staff)
    assert tally() == recount()
    services.status_change(
        member=first, to_status="removed", on=date(2016, 4, 1), reason="迁出", by=org_staff, removal_reason="moved"
    )
    assert tally() == recount()  # 退出: no longer counted

    import_file(xlsx([person(1, 生存技能="电工、木工", 致富愿景="养殖"), person(2, 生存技能="电工")]), everywhere)
    import_file(xlsx([person(1, 生存技能="木工"), person(2, 致富愿景="种植"), person(3)]), everywhere)  # COPY, UPDATE
    assert tally() == recount()
    assert sum(tally().values()) == sum(recount().values()) > 0


def test_nothing_else_may_write_the_tally(village):
    MemberFactory(village=village, skill_ids=[Skill.objects.first()])
    row = MemberListTally.objects.get()

    with pytest.raises(InternalError, match="不能直接修改"), transaction.atomic():
        MemberListTally.objects.filter(pk=row.pk).update(members=99)
    with pytest.raises(InternalError, match="不能直接修改"), transaction.atomic():
        MemberListTally.objects.create(list="skill_ids", item=1, members=1)

    assert MemberListTally.objects.get().members == 1


@pytest.fixture
def people(village, other_village, org_staff):
    skills, industries = list(Skill.objects.order_by("pk")[:4]), list(Industry.objects.order_by("pk")[:3])
    members = [
        MemberFactory(
            village=(village, other_village)[i % 2],
            skill_ids=skills[: i % 4],
            aspiration_ids=industries[i % 3 : i % 3 + 1],
        )
        for i in range(12)
    ]
    services.status_change(
        member=members[1],
        to_status="removed",
        on=timezone.localdate(),
        reason="迁出",
        by=org_staff,
        removal_reason="moved",
    )
    return members


def test_the_tally_gives_the_figures_the_members_give(people):
    today = timezone.localdate()

    read = registry_stats(Member.objects.all(), on=today, party_member_total=10, tally=True)
    counted = registry_stats(Member.objects.all(), on=today, party_member_total=10)

    assert read == counted
    assert read["by_skill"] and read["by_aspiration"]


def test_only_the_unfiltered_statistics_of_today_read_the_tally(rf, people, org_staff, town_staff, village):
    today = timezone.localdate()

    def applies(user, on=today, **query):
        request = rf.get("/", query)
        request.user = user
        return _tally_applies(user, _filter_form(request), on)

    assert applies(org_staff)
    assert applies(org_staff, sort="name")
    assert not applies(org_staff, town=village.town_id)  # a town's few members: the members' pass
    assert not applies(org_staff, category="party")
    assert not applies(org_staff, skill=Skill.objects.first().pk)
    assert not applies(org_staff, on=today - timedelta(days=1))  # another day
    assert not applies(town_staff)
    MemberFactory(village=village, registered_on=today + timedelta(days=3))
    assert not applies(org_staff)  # the tally would count a member the statistics do not count yet


def test_the_stats_json_counts_the_lists_from_the_tally(client, people, org_staff):
    client.force_login(org_staff)
    response = client.get(reverse("registry-stats"))

    assert response.status_code == 200
    expected = registry_stats(Member.objects.all(), on=timezone.localdate(), party_member_total=0)
    assert response.json()["by_skill"] == expected["by_skill"]
    assert response.json()["by_aspiration"] == expected["by_aspiration"]

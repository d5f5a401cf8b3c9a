"""members/stats.py counts the registry in a few passes (docs/benchmarks.md): its figures must be exactly those of the
straightforward per-figure queries it replaced, whatever the date, the filters and the scope."""

from collections import Counter
from datetime import date

import pytest
from django.db.models import Count
from django.urls import reverse

from guanghan.models import Industry, PovertyCause, Skill
from members.models import AGE_BANDS, Member, StatusChange
from members.stats import registry_stats
from tests.factories import MemberFactory, VillageFactory

TODAY = date.today()


def reference(members, *, on: date, skill=None, aspiration=None) -> dict:
    """The figures as the one-query-per-figure version computed them (a status subquery per member for a past day);
    the lists counted in Python, only the filtered-by item when the list is filtered by one."""
    members = members.in_registry(on)

    def list_counts(column, only):
        names = dict(Member._meta.get_field(column).lookup_model.objects.values_list("pk", "name"))
        found = Counter(item for ids in members.values_list(column, flat=True) for item in ids)
        return {names[item]: n for item, n in found.items() if only is None or item == only.pk}

    def counts(queryset, field):
        rows = queryset.order_by().values(field).annotate(n=Count("pk", distinct=True))
        return {row[field]: row["n"] for row in rows if row[field] is not None}

    by_status = counts(members, "status") if on >= TODAY else counts(members.with_status_on(on), "status_on")
    return {
        "total": members.count(),
        "by_category": {c: members.filter(category=c).count() for c in Member.Category.values},
        "by_status": {s: by_status.get(s, 0) for s in Member.Status.values if s != "removed"},
        "by_age_band": {band: members.in_age_band(band, on).count() for band in AGE_BANDS},
        "rural": members.filter(area="rural").count(),
        "urban": members.filter(area="urban").count(),
        "by_cause": counts(members, "main_cause__name"),
        "by_skill": list_counts("skill_ids", skill),
        "by_aspiration": list_counts("aspiration_ids", aspiration),
        "by_town": counts(members, "village__town__name"),
    }


def changed(member, *steps):
    """Status changes (to_status, day) in order; the member's own status follows the last one."""
    status = member.status
    for to_status, day in steps:
        StatusChange.objects.create(
            member=member, from_status=status, to_status=to_status, changed_on=day, reason="测试"
        )
        status = to_status
    Member.objects.filter(pk=member.pk).update(status=status)


@pytest.fixture
def people(village, other_village):
    """Party members and residents in two towns, of every age band, with causes, skills and aspirations, and status
    histories that change within a day, fall back, and leave the registry."""
    causes, skills, industries = (
        list(PovertyCause.objects.all()),
        list(Skill.objects.all()),
        list(Industry.objects.all()),
    )
    third = VillageFactory(town=village.town, name="第三村")
    members = []
    for i in range(18):
        member = MemberFactory(
            village=(village, other_village, third)[i % 3],
            category="party" if i % 4 else "resident",
            area="urban" if i % 5 == 0 else "rural",
            birth_date=date(1940 + 3 * i, 3, 1),
            main_cause=causes[i % 4] if i % 6 else None,
            registered_on=date(2014 + i % 3, 6, 1),
            skill_ids=skills[: i % 3],
            aspiration_ids=industries[i % 2 : i % 2 + 2] if i % 4 else [],
        )
        members.append(member)
    changed(members[1], ("assisted", date(2015, 3, 1)))
    changed(members[2], ("assisted", date(2015, 3, 1)), ("removed", date(2016, 2, 1)))
    changed(members[3], ("assisted", date(2015, 1, 1)), ("returned", date(2015, 1, 1)))  # two on one day: the later
    changed(members[4], ("assisted", date(2014, 9, 1)), ("removed", date(2015, 6, 1)))
    changed(members[7], ("assisted", date(2016, 1, 1)))
    changed(members[8], ("assisted", date(2016, 3, 1)), ("returned", date(2016, 5, 1)), ("assisted", date(2016, 6, 1)))
    Member.objects.filter(pk=members[9].pk).update(status="lifted")  # no history: registered at any past day
    return members


DAYS = [date(2014, 12, 31), date(2015, 1, 1), date(2015, 7, 1), date(2016, 7, 21), TODAY]
FILTERS = [{}, {"category": "party"}, {"skill": 0}, {"aspiration": 1}, {"skill": 1, "aspiration": 0}, {"town": True}]


def test_the_figures_are_those_of_one_query_per_figure(people, village):
    for filters in FILTERS:
        members = Member.objects.all()
        skill = Skill.objects.order_by("pk")[filters["skill"]] if "skill" in filters else None
        aspiration = Industry.objects.order_by("pk")[filters["aspiration"]] if "aspiration" in filters else None
        if "category" in filters:
            members = members.filter(category=filters["category"])
        if "town" in filters:
            members = members.filter(village__town=village.town)
        if skill:
            members = members.filter(skill_ids__contains=[skill.pk])
        if aspiration:
            members = members.filter(aspiration_ids__contains=[aspiration.pk])
        for on in DAYS:
            figures = registry_stats(members, on=on, party_member_total=50, skill=skill, aspiration=aspiration)
            expected = reference(members, on=on, skill=skill, aspiration=aspiration)
            for key, value in expected.items():
                assert figures[key] == value, (filters, on, key)
            assert expected["total"] > 0 or on < date(2015, 1, 1) or skill


def test_a_scope_that_sees_nobody_counts_zero(people):
    figures = registry_stats(Member.objects.none(), on=TODAY, party_member_total=0)
    assert figures["total"] == 0 and figures["by_town"] == {} and figures["by_status"]["registered"] == 0


@pytest.mark.parametrize("rows", [3, 30])
def test_the_stats_json_makes_a_fixed_number_of_queries(client, org_staff, village, rows, django_assert_num_queries):
    MemberFactory.create_batch(rows, village=village)
    client.force_login(org_staff)
    # The session, the user and its roles, the party branches, whether anyone is registered after today, then one
    # pass over the members (summed by town in it), the causes' names, the lists' tally and their names; the session's
    # save (3). A past day reads the lists from the members instead, and adds the status changes.
    with django_assert_num_queries(12):
        assert client.get(reverse("registry-stats")).status_code == 200
    with django_assert_num_queries(12):
        assert client.get(reverse("registry-stats"), {"as_of": "2016-07-21"}).status_code == 200


def test_the_json_gives_whole_numbers_and_a_town_sums_its_villages(client, org_staff, people, village):
    client.force_login(org_staff)
    figures = client.get(reverse("registry-stats")).json()
    in_town = Member.objects.in_registry(TODAY).filter(village__town=village.town).count()
    assert figures["by_town"][village.town.name] == in_town  # 第三村 and the fixture's village
    assert type(figures["total"]) is int and all(type(n) is int for n in figures["by_age_band"].values())
    assert sum(figures["by_age_band"].values()) == figures["total"]


def test_the_member_pass_may_read_the_covering_index(transactional_db):
    """member_village_status holds every column the statistics' pass reads, so PostgreSQL can answer it from the
    index alone (an index-only scan); the pass lowers random_page_cost for its own statement only."""
    from django.db import connection

    from members import stats

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_indexdef('member_village_status'::regclass)")
        definition = cursor.fetchone()[0]
        covered = "INCLUDE (main_cause_id, category, area, birth_date, registered_on, id)"
        assert f"(village_id, status) {covered}" in definition
        cursor.execute(stats.INDEX_ONLY + "SELECT current_setting('random_page_cost')")
        assert cursor.fetchone()[0] == "1.1"
        cursor.execute("SELECT current_setting('random_page_cost')")
        assert cursor.fetchone()[0] == "4"  # the next statements keep the server's setting

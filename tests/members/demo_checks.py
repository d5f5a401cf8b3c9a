"""The demo registry matches the 2016 report (seed section 一 and 三)."""

import io

from django.core.management import call_command
from django.urls import reverse

from guanghan.models import User
from members.models import Lifting, Member, Survey


def test_the_report_figures_as_of_its_date(client, seeded):
    client.force_login(User.objects.get(username="leader"))
    figures = client.get(reverse("registry-stats"), {"as_of": "2016-07-21", "category": "party"}).json()
    assert figures["total"] == 821
    assert figures["by_age_band"] == {"<=45": 10, "46-59": 108, ">=60": 703}
    assert figures["rural"] == 742
    assert figures["rural_share"] == 90.38
    assert figures["party_share"] == 3.11
    assert figures["by_status"]["lifted"] >= 680


def test_eight_thousand_residents_were_brought_in(seeded):
    assert Member.objects.filter(category="resident").count() >= 8000


def test_every_demo_id_is_valid_and_every_member_was_surveyed(seeded):
    from guanghan.lib import idnumber

    for value in Member.objects.values_list("id_number", flat=True)[:2000]:
        idnumber.parse(value)
    assert not Member.objects.filter(surveys__isnull=True).exists()
    assert Survey.objects.values("member").distinct().count() == Member.objects.count()


def test_every_demo_survey_carries_its_members_lists(seeded):
    """Each member has one or two aspirations (致富愿景): every survey has them, as its member does (a member may have
    learnt a skill in a training since)."""
    assert not Survey.objects.filter(aspiration_ids=[]).exists()
    survey = Survey.objects.exclude(skill_ids=[]).select_related("member").first()
    assert set(survey.skill_ids) <= set(survey.member.skill_ids)
    assert survey.aspiration_ids == survey.member.aspiration_ids


def test_the_lifted_went_through_the_whole_procedure(seeded):
    lifted = Member.objects.filter(status="lifted")
    closed = Lifting.objects.filter(closed_on__isnull=False, member__in=lifted)
    assert closed.count() == lifted.count()
    assert not closed.filter(notice_end__lt=models_f("notice_start")).exists()


def test_some_people_are_on_public_notice_on_the_report_date(seeded):
    from datetime import date

    assert Lifting.objects.in_notice(date(2016, 7, 21)).count() >= 10


def test_a_second_seed_changes_nothing(seeded):
    before = (Member.objects.count(), Survey.objects.count(), Lifting.objects.count())
    call_command("seed_demo", stdout=io.StringIO())
    assert (Member.objects.count(), Survey.objects.count(), Lifting.objects.count()) == before


def models_f(name):
    from django.db.models import F

    return F(name)

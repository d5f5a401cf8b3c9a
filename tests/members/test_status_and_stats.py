from datetime import date, timedelta
from io import BytesIO

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from openpyxl import load_workbook

from members import services
from members.models import Lifting, Member, StatusChange
from tests.factories import MemberFactory, PartyBranchFactory

TODAY = date.today()


def change(client, member, **data):
    payload = {"to_status": "assisted", "changed_on": "2016-01-05", "reason": "纳入帮扶", "removal_reason": ""}
    payload.update(data)
    return client.post(reverse("members:status-change", args=[member.pk]), payload)


def step(client, member, name, **data):
    return client.post(reverse("members:lifting-step", args=[member.pk]), {"step": name, **data})


# Status changes -------------------------------------------------------------------------------------------------


def test_a_status_change_is_recorded_with_who_when_and_why(client, town_staff, member):
    client.force_login(town_staff)
    assert change(client, member).status_code == 302
    member.refresh_from_db()
    assert member.status == "assisted"
    record = StatusChange.objects.get(member=member)
    assert (record.from_status, record.to_status, record.changed_on, record.by) == (
        "registered",
        "assisted",
        date(2016, 1, 5),
        town_staff,
    )


def test_removal_needs_a_reason_and_never_deletes(client, town_staff, member):
    client.force_login(town_staff)
    response = change(client, member, to_status="removed")
    assert "退出时请选择退出原因" in str(response.context["form"].errors["removal_reason"])
    change(client, member, to_status="removed", removal_reason="deceased", reason="2016年1月病故")
    member.refresh_from_db()
    assert (member.status, member.removal_reason) == ("removed", "deceased")
    assert Member.objects.filter(pk=member.pk).exists()


def test_lifting_out_cannot_skip_the_procedure(client, town_staff, member):
    client.force_login(town_staff)
    response = change(client, member, to_status="lifted")
    assert "脱贫须走脱贫销号程序" in str(response.context["form"].errors["to_status"])
    member.refresh_from_db()
    assert member.status == "registered"


def test_the_service_refuses_a_transition_the_table_does_not_allow(member, org_staff):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.status_change(member=member, to_status="returned", on=TODAY, reason="x", by=org_staff)


# The lifting-out procedure ---------------------------------------------------------------------------------------


def test_the_full_procedure_lifts_the_member_out(client, town_staff, member):
    client.force_login(town_staff)
    assert step(client, member, "assess", day="2016-06-01", note="评议通过").status_code == 302
    assert step(client, member, "verify", day="2016-06-05", note="收入达标").status_code == 302
    assert step(client, member, "notice", day="2016-06-08", notice_end="2016-06-14").status_code == 302
    assert step(client, member, "close", day="2016-06-15").status_code == 302
    member.refresh_from_db()
    assert member.status == "lifted"
    lifting = Lifting.objects.get(member=member)
    assert (lifting.assessed_on, lifting.verified_on, lifting.notice_start, lifting.notice_end, lifting.closed_on) == (
        date(2016, 6, 1),
        date(2016, 6, 5),
        date(2016, 6, 8),
        date(2016, 6, 14),
        date(2016, 6, 15),
    )
    assert StatusChange.objects.filter(member=member, to_status="lifted", changed_on=date(2016, 6, 15)).exists()


def test_a_notice_shorter_than_five_days_is_refused(client, town_staff, member):
    client.force_login(town_staff)
    step(client, member, "assess", day="2016-06-01")
    step(client, member, "verify", day="2016-06-05")
    response = step(client, member, "notice", day="2016-06-08", notice_end="2016-06-11")
    assert "公示期不少于 5 天" in str(response.context["form"].errors["notice_end"])
    assert Lifting.objects.get(member=member).notice_start is None


def test_closing_before_the_notice_ends_is_refused(client, town_staff, member):
    client.force_login(town_staff)
    step(client, member, "assess", day="2016-06-01")
    step(client, member, "verify", day="2016-06-05")
    step(client, member, "notice", day="2016-06-08", notice_end="2016-06-14")
    response = step(client, member, "close", day="2016-06-14")
    assert "结束后才能销号" in str(response.context["form"].errors["day"])
    member.refresh_from_db()
    assert member.status == "registered"


def test_a_step_out_of_order_is_not_offered(client, town_staff, member):
    client.force_login(town_staff)
    response = step(client, member, "close", day="2016-06-15")
    assert response.status_code == 302  # the page offered 民主评议 instead, and it was done
    assert Lifting.objects.get(member=member).step == "assessed"
    assert Member.objects.get(pk=member.pk).status == "registered"


def test_the_procedure_can_be_cancelled_with_a_reason(client, town_staff, member):
    client.force_login(town_staff)
    step(client, member, "assess", day="2016-06-01")
    response = step(client, member, "cancel", day="2016-06-02", note="")
    assert "note" in response.context["form"].errors
    step(client, member, "cancel", day="2016-06-02", note="评议未通过")
    assert Lifting.objects.get(member=member).step == "cancelled"
    assert step(client, member, "assess", day="2016-07-01").status_code == 302
    assert Lifting.objects.filter(member=member).count() == 2


def test_the_database_refuses_a_short_notice_and_a_second_open_procedure(member):
    with pytest.raises(IntegrityError), transaction.atomic():
        Lifting.objects.create(
            member=member,
            assessed_on=date(2016, 6, 1),
            verified_on=date(2016, 6, 2),
            notice_start=date(2016, 6, 3),
            notice_end=date(2016, 6, 5),
        )
    Lifting.objects.create(member=member, assessed_on=date(2016, 6, 1))
    with pytest.raises(IntegrityError), transaction.atomic():
        Lifting.objects.create(member=member, assessed_on=date(2016, 6, 2))


# The public notice list ------------------------------------------------------------------------------------------


@pytest.fixture
def on_notice(member):
    Lifting.objects.create(
        member=member,
        assessed_on=date(2016, 7, 1),
        verified_on=date(2016, 7, 5),
        notice_start=date(2016, 7, 18),
        notice_end=date(2016, 7, 24),
    )
    return member


def test_the_notice_list_names_people_without_id_phone_health_or_income(client, town_staff, on_notice):
    client.force_login(town_staff)
    response = client.get(reverse("members:notice-list"), {"as_of": "2016-07-21"})
    html = response.content.decode()
    assert "张德福" in html
    for private in (on_notice.id_number, on_notice.id_number[-4:], "138", "2,400", "健康"):
        assert private not in html.split('data-testid="notice-table"')[1]
    assert client.get(reverse("members:notice-list"), {"as_of": "2016-07-25"}).context["page"].object_list.count() == 0


def test_the_notice_list_exports_without_private_columns(client, org_staff, on_notice):
    client.force_login(org_staff)
    response = client.get(reverse("members:notice-list"), {"as_of": "2016-07-21", "format": "xlsx"})
    rows = list(load_workbook(BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[0] == ("乡镇", "村（社区）", "姓名", "性别", "类别", "公示开始", "公示结束")
    assert rows[1][2] == "张德福"
    assert len(rows) == 2


def test_other_towns_notices_are_not_shown_to_town_staff(client, other_town_staff, on_notice):
    client.force_login(other_town_staff)
    assert list(client.get(reverse("members:notice-list"), {"as_of": "2016-07-21"}).context["page"]) == []


# Statistics ------------------------------------------------------------------------------------------------------


@pytest.fixture
def registry(village, other_village, department):
    """Six people on 2016-07-21: ages 40, 50, 65, 70 (party) and two residents; one urban; one lifted in 2016."""
    PartyBranchFactory(village=village, member_count=300)
    PartyBranchFactory(village=None, department=department, member_count=100)
    day = date(2016, 7, 21)
    people = [
        MemberFactory(village=village, birth_date=date(1976, 1, 1)),
        MemberFactory(village=village, birth_date=date(1966, 1, 1)),
        MemberFactory(village=village, birth_date=date(1951, 1, 1), area="urban"),
        MemberFactory(village=other_village, birth_date=date(1946, 1, 1)),
        MemberFactory(village=other_village, birth_date=date(1956, 7, 21), category="resident"),
        MemberFactory(village=other_village, birth_date=date(1956, 7, 22), category="resident"),
    ]
    lifted = people[0]
    StatusChange.objects.create(
        member=lifted, from_status="registered", to_status="lifted", changed_on=date(2016, 5, 1), reason="销号"
    )
    lifted.status = "lifted"
    lifted.save()
    late = MemberFactory(village=village, registered_on=date(2016, 8, 1))  # not yet registered on the day
    return day, people, late


def stats(client, **params):
    response = client.get(reverse("registry-stats"), params)
    assert response.status_code == 200
    return response.json()


def test_stats_count_bands_areas_status_and_share_at_a_date(client, org_staff, registry):
    client.force_login(org_staff)
    figures = stats(client, as_of="2016-07-21")
    assert figures["total"] == 6
    assert figures["by_category"] == {"party": 4, "resident": 2}
    assert figures["by_age_band"] == {"<=45": 1, "46-59": 2, ">=60": 3}
    assert (figures["rural"], figures["urban"], figures["rural_share"]) == (5, 1, 83.33)
    assert figures["by_status"] == {"registered": 5, "assisted": 0, "lifted": 1, "returned": 0}
    assert figures["party_member_total"] == 400
    assert figures["party_share"] == 1.0
    assert figures["by_town"] == {"三星堆镇": 3, "南兴镇": 3}


def test_stats_before_a_status_change_use_the_status_of_that_day(client, org_staff, registry):
    client.force_login(org_staff)
    assert stats(client, as_of="2016-04-30")["by_status"]["lifted"] == 0


def test_stats_take_the_list_filters(client, org_staff, registry):
    client.force_login(org_staff)
    figures = stats(client, as_of="2016-07-21", category="party")
    assert figures["total"] == 4
    assert figures["by_age_band"] == {"<=45": 1, "46-59": 1, ">=60": 2}


def test_stats_are_scoped_to_the_users_town(client, town_staff, registry):
    client.force_login(town_staff)
    figures = stats(client, as_of="2016-07-21")
    assert figures["total"] == 3
    assert figures["party_member_total"] == 300


def test_a_bad_date_is_a_400_with_a_chinese_message(client, org_staff):
    client.force_login(org_staff)
    response = client.get(reverse("registry-stats"), {"as_of": "2016-02-30"})
    assert response.status_code == 400
    assert "YYYY-MM-DD" in response.json()["error"]


@pytest.mark.parametrize("rows", [3, 40])
def test_stats_make_the_same_queries_whatever_the_rows(client, org_staff, village, rows, django_assert_max_num_queries):
    MemberFactory.create_batch(rows, village=village)
    client.force_login(org_staff)
    with django_assert_max_num_queries(14):
        stats(client, as_of="2016-07-21")
    with django_assert_max_num_queries(16):
        assert client.get(reverse("members:stats"), {"as_of": "2016-07-21"}).status_code == 200


def test_the_stats_page_shows_the_figures(client, org_staff, registry):
    client.force_login(org_staff)
    html = client.get(reverse("members:stats"), {"as_of": "2016-07-21"}).content.decode()
    assert "截至 2016年7月21日" in html
    assert "83.33%" in html


# Database invariants ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "values",
    [{"id_number": "51068119520308123"}, {"household_size": 0}, {"income_per_capita": -1}],
    ids=["short-id", "empty-household", "negative-income"],
)
def test_the_database_refuses_impossible_members(member, values):
    with pytest.raises(IntegrityError), transaction.atomic():
        Member.objects.filter(pk=member.pk).update(**values)


def test_resident_rows_cannot_carry_a_branch(member, village):
    branch = PartyBranchFactory(village=village)
    with pytest.raises(IntegrityError), transaction.atomic():
        Member.objects.filter(pk=member.pk).update(category="resident", branch=branch)


def test_id_numbers_are_unique(member):
    with pytest.raises(IntegrityError), transaction.atomic():
        MemberFactory(village=member.village, id_number=member.id_number)


def test_skill_changes_are_kept_in_history(member):
    from guanghan.models import Skill

    skill = Skill.objects.first()
    Member.objects.filter(pk=member.pk).update(skill_ids=[skill])
    Member.objects.filter(pk=member.pk).update(skill_ids=[])
    events = member.events.order_by("pgh_id")
    assert [(e.pgh_label, e.skill_ids) for e in events] == [("insert", []), ("update", [skill.pk]), ("update", [])]


def test_age_band_is_computed_on_the_chosen_day(member):
    member.birth_date = date(1956, 7, 22)
    assert member.age_band_on(date(2016, 7, 21)) == "46-59"
    assert member.age_band_on(date(2016, 7, 22)) == ">=60"
    assert member.age_on(TODAY - timedelta(days=1)) >= 0

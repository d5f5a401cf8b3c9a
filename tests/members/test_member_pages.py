from datetime import date, timedelta
from decimal import Decimal
from io import BytesIO

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from guanghan.lib import idnumber
from guanghan.models import SensitiveRead
from members.models import Member, Survey
from tests.factories import MemberFactory, PartyBranchFactory, VillageFactory

GOOD_ID = idnumber.make("510681", date(1952, 3, 8), 123, "male")


def form_data(village, **changes):
    data = {
        "category": "party",
        "name": "王建国",
        "id_number": GOOD_ID,
        "gender": "",
        "birth_date": "",
        "ethnicity": "汉族",
        "phone": "13900001111",
        "village": village.pk,
        "area": "rural",
        "household_size": "4",
        "income_per_capita": "2350.50",
        "allowance": "rural_dibao",
        "health": "chronic",
        "labour_capacity": "weak",
        "main_cause": "",
        "registered_on": "2016-03-01",
        "notes": "",
    }
    data.update(changes)
    return data


def post_new(client, village, **changes):
    return client.post(reverse("members:member-create"), form_data(village, **changes))


def field_errors(response, field):
    return [str(e) for e in response.context["form"].errors.get(field, [])]


# Creating a member --------------------------------------------------------------------------------------------


def test_new_member_gets_gender_and_birth_date_from_the_id_and_a_first_survey(client, town_staff, village):
    client.force_login(town_staff)
    response = post_new(client, village)
    member = Member.objects.get(id_number=GOOD_ID)
    assert response.url == reverse("members:member-detail", args=[member.pk])
    assert (member.gender, member.birth_date) == ("male", date(1952, 3, 8))
    assert member.income_per_capita == Decimal("2350.50")
    survey = member.surveys.get()
    assert (survey.surveyed_on, survey.income_per_capita, survey.surveyor) == (
        date(2016, 3, 1),
        Decimal("2350.50"),
        town_staff,
    )


@pytest.mark.parametrize(
    ("bad_id", "message"),
    [
        (GOOD_ID[:-1] + ("0" if GOOD_ID[-1] != "0" else "1"), "校验位不正确"),
        (GOOD_ID[:16], "应为 18 位"),
        ("510681195202300018", "出生日期 19520230 不存在"),
    ],
)
def test_a_bad_id_is_named_on_the_field_and_nothing_is_saved(client, town_staff, village, bad_id, message):
    client.force_login(town_staff)
    response = post_new(client, village, id_number=bad_id)
    assert response.status_code == 200
    assert any(message in e for e in field_errors(response, "id_number"))
    assert "王建国" in response.content.decode()  # what was typed is kept
    assert Member.objects.count() == 0


def test_an_id_already_registered_links_to_that_member(client, town_staff, member):
    client.force_login(town_staff)
    response = post_new(client, member.village, id_number=member.id_number)
    errors = field_errors(response, "id_number")
    assert "该身份证号已登记" in errors[0]
    assert reverse("members:member-detail", args=[member.pk]) in errors[0]


def test_birth_date_and_gender_must_agree_with_the_id(client, town_staff, village):
    client.force_login(town_staff)
    response = post_new(client, village, birth_date="1952-03-09", gender="female")
    assert "1952-03-08" in field_errors(response, "birth_date")[0]
    assert "男性" in field_errors(response, "gender")[0]


def test_negative_income_and_empty_household_are_refused(client, town_staff, village):
    client.force_login(town_staff)
    response = post_new(client, village, income_per_capita="-5", household_size="0")
    assert field_errors(response, "income_per_capita") == ["收入不能为负数，请核对。"]
    assert field_errors(response, "household_size") == ["家庭人口至少为 1 人。"]


def test_a_village_outside_the_scope_is_refused(client, town_staff, other_village):
    client.force_login(town_staff)
    response = post_new(client, other_village)
    assert field_errors(response, "village") == ["请从列表中选择您工作范围内的村（社区）。"]


def test_an_unknown_region_code_is_accepted_with_a_warning(client, org_staff, village):
    client.force_login(org_staff)
    outside = idnumber.make("110105", date(1952, 3, 8), 5, "male")
    response = post_new(client, village, id_number=outside)
    assert Member.objects.filter(id_number=outside).exists()
    shown = [str(m) for m in response.wsgi_request._messages]
    assert any("地区码 110105" in m for m in shown)


def test_a_possible_duplicate_is_flagged_until_confirmed(client, org_staff, village):
    MemberFactory(village=village, name="王建国", birth_date=date(1952, 3, 8))
    client.force_login(org_staff)
    response = post_new(client, village)
    assert "同名且出生日期相同" in field_errors(response, "confirm_not_duplicate")[0]
    assert Member.objects.filter(id_number=GOOD_ID).count() == 0
    post_new(client, village, confirm_not_duplicate="on")
    assert Member.objects.filter(id_number=GOOD_ID).count() == 1


def test_residents_carry_no_party_fields(client, org_staff, village):
    branch = PartyBranchFactory(village=village)
    client.force_login(org_staff)
    response = post_new(client, village, category="resident", branch=branch.pk, joined_party_on="1980-07-01")
    assert field_errors(response, "branch") == ["困难群众不填所在党支部。"]
    assert field_errors(response, "joined_party_on") == ["困难群众不填入党时间。"]


def test_at_most_two_other_causes_and_not_the_main_one(client, org_staff, village):
    from guanghan.models import PovertyCause

    causes = list(PovertyCause.objects.order_by("order")[:4])
    client.force_login(org_staff)
    response = post_new(client, village, main_cause=causes[0].pk, other_causes=[c.pk for c in causes[:4]])
    errors = field_errors(response, "other_causes")
    assert "最多选两项" in errors[0]
    assert "已是主要致贫原因" in errors[1]


# Editing and history ----------------------------------------------------------------------------------------


def test_editing_saves_and_the_history_says_who_changed_what(client, town_staff, member):
    client.force_login(town_staff)
    data = form_data(member.village, id_number=member.id_number, name="张德富", registered_on="2014-06-01")
    data["version"] = member.version
    response = client.post(reverse("members:member-edit", args=[member.pk]), data)
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.name == "张德富"
    history = client.get(reverse("members:member-detail", args=[member.pk])).context["history"]
    latest = history[0]
    assert latest["label"] == "修改"
    assert "姓名" in latest["fields"]
    assert latest["by"] == town_staff.display_name


def test_a_change_of_the_lists_is_in_the_members_history_with_the_rest_of_its_save(client, town_staff, member):
    """The lists are kept in link tables with their own history; the member page shows them with the member's own
    fields, one row per save, newest first."""
    from guanghan.models import Skill

    electrician = Skill.objects.get(name="电工")
    client.force_login(town_staff)
    data = form_data(member.village, id_number=member.id_number, name="张德富", skills=[electrician.pk])
    data["version"] = member.version
    assert client.post(reverse("members:member-edit", args=[member.pk]), data).status_code == 302
    client.post(reverse("members:survey-create", args=[member.pk]), survey_data(surveyed_on="2016-11-01"))

    history = client.get(reverse("members:member-detail", args=[member.pk])).context["history"]

    survey_save, edit, created = history
    assert (survey_save["label"], survey_save["fields"], survey_save["by"]) == (
        "修改",
        ["家庭人口", "家庭年人均收入（元）", "低保类型", "健康状况", "劳动能力", "生存技能"],
        town_staff.display_name,
    )
    assert edit["label"] == "修改" and {"姓名", "生存技能"} <= set(edit["fields"])
    assert created["label"] == "新建"


def test_the_history_shows_the_latest_saves_of_a_long_history(client, town_staff, member):
    import pghistory

    for n in range(55):  # each in its own request's context, as a page's saves are
        with pghistory.context(user=town_staff.pk):
            member.notes = f"第{n}次"
            member.save()
    client.force_login(town_staff)
    history = client.get(reverse("members:member-detail", args=[member.pk])).context["history"]
    assert len(history) == 50
    assert all(row["fields"] == ["备注"] for row in history)
    assert history[0]["at"] >= history[-1]["at"]


# Detail: masking and the logged reveal -----------------------------------------------------------------------


def test_detail_masks_until_a_reason_is_given_and_logs_the_reveal(client, town_staff, member):
    client.force_login(town_staff)
    url = reverse("members:member-detail", args=[member.pk])
    html = client.get(url).content.decode()
    assert member.id_number not in html
    assert "138****5678" in html

    assert member.id_number not in client.post(url, {"reason": ""}).content.decode()
    assert SensitiveRead.objects.count() == 0

    html = client.post(url, {"reason": "核对低保材料"}, REMOTE_ADDR="198.51.100.7").content.decode()
    assert member.id_number in html
    assert "13812345678" in html
    log = SensitiveRead.objects.get()
    assert (log.user, log.object_id, log.reason, log.address) == (
        town_staff,
        str(member.pk),
        "核对低保材料",
        "198.51.100.7",
    )


def test_leader_may_read_but_not_reveal(client, leader, member):
    client.force_login(leader)
    url = reverse("members:member-detail", args=[member.pk])
    assert client.get(url).status_code == 200
    assert client.post(url, {"reason": "看看"}).status_code == 403


def test_detail_makes_the_same_queries_however_long_the_history(
    client, org_staff, member, django_assert_max_num_queries
):
    def add_survey(n):
        Survey.objects.create(
            member=member,
            surveyed_on=date(2015, 1, 1) + timedelta(days=n),
            household_size=3,
            income_per_capita=Decimal(2000 + n),
            allowance="none",
            health="healthy",
            labour_capacity="normal",
        )
        member.notes = f"第{n}次"
        member.save()

    add_survey(0)
    client.force_login(org_staff)
    url = reverse("members:member-detail", args=[member.pk])
    with django_assert_max_num_queries(30) as few:
        client.get(url)
    for n in range(1, 21):
        add_survey(n)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(url)


# List, search, filters, export -------------------------------------------------------------------------------


def test_list_masks_ids_and_phones(client, org_staff, member):
    client.force_login(org_staff)
    html = client.get(reverse("members:member-list")).content.decode()
    assert member.id_number not in html
    assert member.id_number[:6] + "********" + member.id_number[-4:] in html
    assert "13812345678" not in html


def test_list_searches_by_name_id_and_phone(client, org_staff, member, other_member):
    client.force_login(org_staff)

    def names(q):
        return [m.name for m in client.get(reverse("members:member-list"), {"q": q}).context["page"]]

    assert names("德福") == ["张德福"]
    assert names(other_member.id_number[:14]) == ["李秀英"]
    assert names("1381234") == ["张德福"]


def test_list_filters_by_age_band_category_and_town(client, org_staff, village, other_village):
    today = date.today()
    MemberFactory(village=village, name="年轻人", birth_date=date(today.year - 40, 1, 1))
    MemberFactory(village=village, name="中年人", birth_date=date(today.year - 50, 1, 1))
    MemberFactory(village=other_village, name="老年人", birth_date=date(today.year - 70, 1, 1), category="resident")
    client.force_login(org_staff)

    def names(**params):
        return sorted(m.name for m in client.get(reverse("members:member-list"), params).context["page"])

    assert names(age_band="<=45") == ["年轻人"]
    assert names(age_band="46-59") == ["中年人"]
    assert names(age_band=">=60") == ["老年人"]
    assert names(category="resident") == ["老年人"]
    assert names(town=village.town_id) == ["中年人", "年轻人"]


@pytest.mark.parametrize("rows", [3, 60])
def test_list_makes_the_same_queries_whatever_the_rows(
    client, town_staff, village, rows, django_assert_max_num_queries
):
    MemberFactory.create_batch(rows, village=village)
    client.force_login(town_staff)
    with django_assert_max_num_queries(16):
        assert client.get(reverse("members:member-list"), {"status": "registered"}).status_code == 200


def test_export_writes_the_filtered_list_masked_and_formula_safe(client, org_staff, member, other_member):
    MemberFactory(village=member.village, name="=HYPERLINK(1)")
    client.force_login(org_staff)
    response = client.get(reverse("members:member-export"), {"town": member.village.town_id})
    sheet = load_workbook(BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:5] == ("姓名", "类别", "性别", "出生日期", "身份证号")
    names = sorted(r[0] for r in rows[1:])
    assert names == sorted(["'=HYPERLINK(1)", "张德福"])
    assert all("********" in r[4] for r in rows[1:])


# Surveys --------------------------------------------------------------------------------------------------------


def survey_data(**changes):
    data = {
        "surveyed_on": "2016-05-10",
        "surveyor_name": "村两委",
        "household_size": "3",
        "income_per_capita": "4100.00",
        "allowance": "none",
        "health": "healthy",
        "labour_capacity": "normal",
    }
    data.update(changes)
    return data


def test_a_new_survey_becomes_the_members_current_state(client, town_staff, member):
    client.force_login(town_staff)
    response = client.post(reverse("members:survey-create", args=[member.pk]), survey_data())
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.income_per_capita == Decimal("4100.00")
    assert member.surveys.count() == 1


def test_an_older_survey_is_kept_without_changing_the_current_state(client, town_staff, member):
    client.force_login(town_staff)
    client.post(reverse("members:survey-create", args=[member.pk]), survey_data())
    client.post(
        reverse("members:survey-create", args=[member.pk]),
        survey_data(surveyed_on="2015-05-10", income_per_capita="3000"),
    )
    member.refresh_from_db()
    assert member.income_per_capita == Decimal("4100.00")
    assert member.surveys.count() == 2


def test_a_survey_with_negative_income_or_a_future_date_is_refused(client, town_staff, member):
    client.force_login(town_staff)
    tomorrow = (date.today() + timedelta(days=1)).isoformat()
    response = client.post(
        reverse("members:survey-create", args=[member.pk]), survey_data(income_per_capita="-1", surveyed_on=tomorrow)
    )
    assert field_errors(response, "income_per_capita") == ["收入不能为负数，请核对。"]
    assert field_errors(response, "surveyed_on") == ["调查日期不能晚于今天。"]
    assert member.surveys.count() == 0


def test_many_members_in_one_village_are_not_a_problem_for_other_towns(client, other_town_staff, member):
    client.force_login(other_town_staff)
    assert client.post(reverse("members:survey-create", args=[member.pk]), survey_data()).status_code == 404
    assert VillageFactory  # the other town's staff never reaches this member

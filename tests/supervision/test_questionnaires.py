"""Satisfaction questionnaires: the rate's maths, the phone form and its messages, scope, who may open what, the
satisfaction page against direct counts, and constant query counts."""

from collections import Counter
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from projects.models import VillagePairing
from supervision.models import Answer, Questionnaire, Response, satisfaction_counts, satisfaction_rate
from supervision.questionnaire_forms import MAX_ROWS
from tests.factories import DepartmentFactory, ProjectFactory, TownFactory, VillageFactory

LETTERS = {"S": Answer.SATISFIED, "B": Answer.BASICALLY, "D": Answer.DISSATISFIED}
ROLES = ["org_staff", "town_staff", "other_town_staff", "liaison", "dept_staff", "leader", "superuser", "no_role_user"]
WRITERS = ("org_staff", "liaison", "superuser")


def survey(village, answers: str, *, by, on=date(2016, 5, 10), project=None) -> Questionnaire:
    """A questionnaire with one answer per letter: S 满意, B 基本满意, D 不满意."""
    questionnaire = Questionnaire.objects.create(village=village, held_on=on, by=by, project=project)
    Response.objects.bulk_create(
        Response(questionnaire=questionnaire, respondent=f"村民{n}", answer=LETTERS[letter])
        for n, letter in enumerate(answers, start=1)
    )
    return questionnaire


def direct(responses) -> dict:
    """Counts and rate worked out by hand from the rows, to check the grouped queries against."""
    tally = Counter(r.answer for r in responses)
    total = sum(tally.values())
    content = tally[Answer.SATISFIED] + tally[Answer.BASICALLY]
    rate = None if not total else (Decimal(content) * 1000 / total + Decimal("0.5")) // 1 / 10
    return {
        "total": total,
        "satisfied": tally[Answer.SATISFIED],
        "basically": tally[Answer.BASICALLY],
        "dissatisfied": tally[Answer.DISSATISFIED],
        "rate": rate,
    }


def counts_of(row) -> dict:
    return {key: row[key] for key in ("total", "satisfied", "basically", "dissatisfied", "rate")}


def rows(total: int, answers: dict) -> dict:
    """POST data for `total` answer rows: `answers` maps a row's index to (respondent, answer, comment)."""
    data = {"answers-TOTAL_FORMS": str(total), "answers-INITIAL_FORMS": "0"}
    for n, (respondent, answer, comment) in answers.items():
        data |= {f"answers-{n}-respondent": respondent, f"answers-{n}-answer": answer, f"answers-{n}-comment": comment}
    return data


def post_data(village, *, held_on="2016-05-10", project="", note="", answers=None, total=10) -> dict:
    answers = answers or {0: ("张大爷", "satisfied", ""), 1: ("", "basically", "路灯还没修")}
    return {"village": village.pk, "project": project, "held_on": held_on, "note": note} | rows(total, answers)


@pytest.fixture
def recorder(org_staff):
    return org_staff


@pytest.fixture
def surveys(recorder, village, other_village, town, paired, officer):
    """`village` (town, paired with `department` in 2016, the liaison's village): 2016 SSSB, 2017 SD; a second village
    in `town`: 2016 SSSSSSD; `other_village` (other_town): 2016 SBDD."""
    second = VillageFactory(town=town, name="回龙村", code="510681101202")
    return {
        "own_2016": survey(village, "SSSB", by=recorder),
        "own_2017": survey(village, "SD", by=recorder, on=date(2017, 4, 2)),
        "second": survey(second, "SSSSSSD", by=recorder),
        "other": survey(other_village, "SBDD", by=recorder),
    }


# The maths -----------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "total", "expected"),
    [
        (2, 3, Decimal("66.7")),
        (1, 16, Decimal("6.3")),  # 6.25 rounds half up, not to even
        (3, 8, Decimal("37.5")),
        (1999, 2000, Decimal("100.0")),  # 99.95 rounds up to 100.0
        (1997, 2000, Decimal("99.9")),  # 99.85 → 99.9
        (0, 5, Decimal("0.0")),
        (7, 7, Decimal("100.0")),
    ],
)
def test_the_rate_is_a_percentage_with_one_decimal_rounded_half_up(content, total, expected):
    rate = satisfaction_rate(content, total)
    assert rate == expected and str(rate) == str(expected)


def test_no_answers_give_no_rate_instead_of_a_division_by_zero():
    assert satisfaction_rate(0, 0) is None


def test_basically_satisfied_counts_as_satisfied(recorder, village):
    questionnaire = survey(village, "SBD", by=recorder)
    counts = satisfaction_counts(questionnaire.responses.all())
    assert counts == {"total": 3, "satisfied": 1, "basically": 1, "dissatisfied": 1, "rate": Decimal("66.7")}


def test_the_satisfaction_page_shows_a_dash_when_there_are_no_answers(client, org_staff):
    client.force_login(org_staff)
    response = client.get(reverse("supervision:satisfaction"))
    assert response.status_code == 200
    assert response.context["overall"]["rate"] is None
    assert response.context["overall"]["total"] == 0
    page = response.content.decode()
    assert 'data-testid="overall-rate">—<' in page
    assert "四舍五入" in page


# The satisfaction page against direct counts ------------------------------------------------------------------------


def test_rates_per_village_town_and_year_match_direct_counts(client, org_staff, surveys, town, other_town):
    client.force_login(org_staff)
    context = client.get(reverse("supervision:satisfaction")).context
    everything = Response.objects.all()
    assert counts_of(context["overall"]) == direct(everything)
    assert context["overall"]["questionnaires"] == 4
    assert context["overall"]["rate"] == Decimal("76.5")  # 13 of 17

    villages = {row["village_id"]: counts_of(row) for row in context["villages"]}
    assert villages == {
        v.pk: direct(everything.filter(questionnaire__village=v)) for v in {q.village for q in surveys.values()}
    }
    towns = {row["town_id"]: counts_of(row) for row in context["towns"]}
    assert towns == {
        town.pk: direct(everything.filter(questionnaire__village__town=town)),
        other_town.pk: direct(everything.filter(questionnaire__village__town=other_town)),
    }
    assert towns[town.pk]["rate"] == Decimal("84.6")  # 11 of 13
    years = {row["year"]: counts_of(row) for row in context["years"]}
    assert years == {
        2016: direct(everything.filter(questionnaire__held_on__year=2016)),
        2017: direct(everything.filter(questionnaire__held_on__year=2017)),
    }
    assert [row["year"] for row in context["years"]] == [2017, 2016]


def test_a_department_is_rated_on_the_villages_it_is_paired_with_that_year(
    client, org_staff, surveys, village, other_village, department, other_department
):
    # 水利 helps `other_village` in 2017 only: its 2016 questionnaire does not count for 水利.
    VillagePairing.objects.create(
        department=other_department, village=other_village, year=2017, started_on="2017-03-01"
    )
    # 农业 also helps `other_village` in 2016.
    VillagePairing.objects.create(department=department, village=other_village, year=2016, started_on="2016-03-01")
    client.force_login(org_staff)
    context = client.get(reverse("supervision:satisfaction")).context
    departments = {row["department_id"]: row for row in context["departments"]}
    expected = Response.objects.filter(
        questionnaire__village__in=[village, other_village], questionnaire__held_on__year=2016
    )
    assert set(departments) == {department.pk}
    assert counts_of(departments[department.pk]) == direct(expected)
    assert departments[department.pk]["questionnaires"] == 2
    assert departments[department.pk]["name"] == "农业"


def test_the_year_filter_limits_every_table_but_the_years(client, org_staff, surveys, village):
    client.force_login(org_staff)
    context = client.get(reverse("supervision:satisfaction"), {"year": 2017}).context
    assert context["year"] == 2017
    assert counts_of(context["overall"]) == direct(Response.objects.filter(questionnaire__held_on__year=2017))
    assert [row["village_id"] for row in context["villages"]] == [village.pk]
    assert context["departments"] == []  # 农业's pairing with `village` is for 2016
    assert len(context["years"]) == 2


def test_a_year_that_is_not_a_number_shows_every_year(client, org_staff, surveys):
    client.force_login(org_staff)
    context = client.get(reverse("supervision:satisfaction"), {"year": "abc"}).context
    assert context["year"] is None and context["overall"]["total"] == 17


def test_town_and_village_figures_link_to_the_filtered_questionnaire_list(client, org_staff, surveys, town, village):
    client.force_login(org_staff)
    page = client.get(reverse("supervision:satisfaction"), {"year": 2016}).content.decode()
    listing = reverse("supervision:questionnaire-list")
    assert f"{listing}?town={town.pk}&amp;year=2016" in page
    assert f"{listing}?village={village.pk}&amp;year=2016" in page
    response = client.get(listing, {"village": village.pk, "year": 2016})
    assert [q.pk for q in response.context["page"]] == [surveys["own_2016"].pk]


def test_each_user_sees_rates_over_what_it_may_see(
    client, town_staff, other_town_staff, liaison, dept_staff, surveys, village, town
):
    client.force_login(town_staff)
    context = client.get(reverse("supervision:satisfaction")).context
    assert counts_of(context["overall"]) == direct(Response.objects.filter(questionnaire__village__town=town))
    assert [row["town_id"] for row in context["towns"]] == [town.pk]

    for user in (liaison, dept_staff):  # the liaison's village; the village dept_staff's department helps
        client.force_login(user)
        context = client.get(reverse("supervision:satisfaction")).context
        assert counts_of(context["overall"]) == direct(Response.objects.filter(questionnaire__village=village))
        assert [row["village_id"] for row in context["villages"]] == [village.pk]

    client.force_login(other_town_staff)
    context = client.get(reverse("supervision:satisfaction")).context
    assert context["overall"]["total"] == 4 and context["departments"] == []


# The list and the detail page ---------------------------------------------------------------------------------------


def test_the_list_counts_each_questionnaires_answers_and_rate(client, org_staff, surveys):
    client.force_login(org_staff)
    response = client.get(reverse("supervision:questionnaire-list"))
    listed = {q.pk: q for q in response.context["page"]}
    for questionnaire in surveys.values():
        row = listed[questionnaire.pk]
        expected = direct(questionnaire.responses.all())
        assert {k: getattr(row, k) for k in expected} == expected
    assert counts_of(response.context["summary"]) == direct(Response.objects.all())
    assert "满意率 <strong>76.5%</strong>" in response.content.decode()


def test_the_list_filters_by_town_village_and_year(client, org_staff, surveys, town, village):
    client.force_login(org_staff)
    url = reverse("supervision:questionnaire-list")
    by_town = {q.pk for q in client.get(url, {"town": town.pk}).context["page"]}
    assert by_town == {surveys["own_2016"].pk, surveys["own_2017"].pk, surveys["second"].pk}
    by_year = {q.pk for q in client.get(url, {"village": village.pk, "year": 2017}).context["page"]}
    assert by_year == {surveys["own_2017"].pk}


def test_the_list_paginates(client, org_staff, village, recorder):
    for n in range(51):
        survey(village, "S", by=recorder, on=date(2016, 1, 1) + timedelta(days=n))
    client.force_login(org_staff)
    first = client.get(reverse("supervision:questionnaire-list")).context["page"]
    second = client.get(reverse("supervision:questionnaire-list"), {"page": 2}).context["page"]
    assert (len(first), len(second), first.paginator.num_pages) == (50, 1, 2)


def test_the_detail_page_shows_the_answers_counts_and_rate(client, town_staff, surveys):
    client.force_login(town_staff)
    response = client.get(reverse("supervision:questionnaire-detail", args=[surveys["own_2016"].pk]))
    page = response.content.decode()
    assert response.context["counts"]["rate"] == Decimal("100.0")
    assert 'data-testid="questionnaire-rate">100.0%<' in page
    assert page.count("村民") == 4 and "基本满意" in page


def test_a_questionnaire_without_answers_shows_a_dash(client, org_staff, village, recorder):
    questionnaire = Questionnaire.objects.create(village=village, held_on=date(2016, 5, 1), by=recorder)
    client.force_login(org_staff)
    page = client.get(reverse("supervision:questionnaire-detail", args=[questionnaire.pk])).content.decode()
    assert 'data-testid="questionnaire-rate">—<' in page


# The form on a phone ----------------------------------------------------------------------------------------------


def test_the_form_starts_with_ten_rows_of_three_answer_buttons(client, liaison, officer, village):
    client.force_login(liaison)
    response = client.get(reverse("supervision:questionnaire-create"))
    page = response.content.decode()
    assert response.context["answers"].total_form_count() == 10
    assert page.count('<div class="answer-row') == 11  # ten rows and the blank one the “add 10 more rows” button copies
    assert page.count('class="btn-check"') == 33
    assert "再加 10 行" in page
    assert page.count("<script src=") == page.count('<script src="/static/')  # no CDN
    form = response.context["form"]
    assert list(form.fields["village"].queryset) == [village]
    assert form["village"].value() == village.pk  # preset: the officer has one village


def test_a_liaison_saves_a_questionnaire_with_its_answers_and_empty_rows_ignored(
    client, liaison, officer, village, project
):
    client.force_login(liaison)
    data = post_data(
        village,
        project=project.pk,
        note=" 入户走访 ",
        answers={
            0: ("张大爷", "satisfied", "韭黄卖得好"),
            3: ("", "basically", ""),
            14: ("李大妈", "dissatisfied", "  希望多培训 "),  # a row the “add 10 more rows” button added
        },
        total=20,
    )
    response = client.post(reverse("supervision:questionnaire-create"), data)
    questionnaire = Questionnaire.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("supervision:questionnaire-detail", args=[questionnaire.pk])
    assert (questionnaire.village, questionnaire.project, questionnaire.officer, questionnaire.by) == (
        village,
        project,
        officer,
        liaison,
    )
    assert questionnaire.note == "入户走访" and questionnaire.held_on == date(2016, 5, 10)
    saved = list(questionnaire.responses.values_list("respondent", "answer", "comment"))
    assert saved == [
        ("张大爷", "satisfied", "韭黄卖得好"),
        ("", "basically", ""),
        ("李大妈", "dissatisfied", "希望多培训"),
    ]
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "已保存 三星村 05月10日的问卷，共 3 份答卷，满意率 66.7%。"
    ]


def test_organisation_staff_pick_any_village_and_are_no_officer(client, org_staff, village, other_village):
    client.force_login(org_staff)
    form = client.get(reverse("supervision:questionnaire-create")).context["form"]
    assert set(form.fields["village"].queryset) == {village, other_village}
    assert form["village"].value() is None
    response = client.post(reverse("supervision:questionnaire-create"), post_data(other_village))
    assert response.status_code == 302
    assert Questionnaire.objects.get().officer is None


def errors_of(client, data) -> tuple[dict, list, list]:
    response = client.post(reverse("supervision:questionnaire-create"), data)
    assert response.status_code == 200 and not Questionnaire.objects.exists() and not Response.objects.exists()
    answers = response.context["answers"]
    return response.context["form"].errors, answers.non_form_errors(), answers.errors


def test_at_least_one_answer_is_required(client, liaison, officer, village):
    client.force_login(liaison)
    data = {"village": village.pk, "held_on": "2016-05-10"} | rows(10, {})
    form_errors, non_form, _ = errors_of(client, data)
    assert not form_errors
    assert non_form == ["请至少录入一份答卷：在受访人那一行点选“满意”“基本满意”或“不满意”。"]


def test_a_row_with_a_name_but_no_answer_is_pointed_out(client, liaison, officer, village):
    client.force_login(liaison)
    _, _, row_errors = errors_of(
        client, post_data(village, answers={0: ("张大爷", "satisfied", ""), 2: ("王婶", "", "")})
    )
    assert row_errors[2] == {"answer": ["这一行填了受访人或意见，请选择评价（或清空这一行）。"]}
    assert row_errors[0] == {}


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"village": ""}, "village", "请选择调查的村（社区）。"),
        ({"held_on": ""}, "held_on", "请填写调查日期。"),
        ({"held_on": "2016/13/40"}, "held_on", "调查日期应为 2016-05-01 这样的日期。"),
        ({"note": "说" * 201}, "note", "说明最多 200 个字。"),
        ({"answers-0-answer": "very"}, None, "评价只能是满意、基本满意或不满意。"),
        ({"answers-0-respondent": "张" * 31}, None, "受访人姓名最多 30 个字。"),
    ],
)
def test_the_form_names_what_is_wrong(client, org_staff, village, change, field, message):
    client.force_login(org_staff)
    form_errors, _, row_errors = errors_of(client, post_data(village) | change)
    if field:
        assert form_errors[field] == [message]
    else:
        assert message in [m for errors in row_errors[0].values() for m in errors]


def test_the_date_cannot_be_in_the_future(client, org_staff, village):
    client.force_login(org_staff)
    tomorrow = timezone.localdate() + timedelta(days=1)
    form_errors, _, _ = errors_of(client, post_data(village, held_on=tomorrow.isoformat()))
    assert form_errors["held_on"] == ["调查日期不能晚于今天。"]


def test_the_project_must_be_of_the_chosen_village(client, org_staff, village, other_village, project):
    client.force_login(org_staff)
    form_errors, _, _ = errors_of(client, post_data(other_village, project=project.pk))
    assert form_errors["project"] == ["“三星村韭黄种植基地”不是金光村的项目，请重新选择。"]


def test_a_form_with_too_many_rows_is_refused(client, org_staff, village):
    client.force_login(org_staff)
    _, non_form, _ = errors_of(client, post_data(village, total=MAX_ROWS + 1))
    assert non_form == [f"一份问卷最多录入 {MAX_ROWS} 份答卷，请分成几份问卷录入。"]


def test_a_form_without_its_row_count_is_refused_in_chinese(client, org_staff, village):
    client.force_login(org_staff)
    data = {"village": village.pk, "held_on": "2016-05-10", "answers-0-answer": "satisfied"}
    _, non_form, _ = errors_of(client, data)
    assert non_form == ["表单数据不完整，请刷新页面后重新填写。"]


def test_a_failed_save_keeps_what_was_typed(client, org_staff, village):
    client.force_login(org_staff)
    response = client.post(reverse("supervision:questionnaire-create"), post_data(village, held_on=""))
    page = response.content.decode()
    assert 'value="张大爷"' in page and 'value="路灯还没修"' in page
    assert 'value="satisfied" class="btn-check" autocomplete="off" id="id_answers-0-answer_0" checked' in page


# Scope ----------------------------------------------------------------------------------------------------------------


def test_a_liaison_cannot_enter_a_questionnaire_for_a_village_not_its_own(
    client, liaison, officer, village, other_village
):
    client.force_login(liaison)
    form_errors, _, _ = errors_of(client, post_data(other_village))
    assert form_errors["village"] == ["请从列表中选择您工作范围内的村（社区）。"]


def test_a_liaison_sees_only_its_villages_questionnaires(client, liaison, surveys):
    client.force_login(liaison)
    listed = {q.pk for q in client.get(reverse("supervision:questionnaire-list")).context["page"]}
    assert listed == {surveys["own_2016"].pk, surveys["own_2017"].pk}
    url = reverse("supervision:questionnaire-detail", args=[surveys["other"].pk])
    assert client.get(url).status_code == 404


def test_a_liaison_with_no_village_is_told_so(client, liaison):
    client.force_login(liaison)
    response = client.get(reverse("supervision:questionnaire-create"))
    assert response.status_code == 200 and "您目前没有派驻的村（社区），不能录入问卷" in response.content.decode()


def test_an_officer_whose_assignment_ended_can_no_longer_enter_for_that_village(client, liaison, officer, village):
    officer.assignments.update(ended_on=date(2016, 1, 1))
    client.force_login(liaison)
    form_errors, _, _ = errors_of(client, post_data(village))
    assert "village" in form_errors


# Who may open what ----------------------------------------------------------------------------------------------------

# town_staff works in `village`'s town, other_town_staff in `other_village`'s; the liaison is officer of `village`;
# dept_staff's department helps `village` (paired).


def expectations(surveys) -> list[tuple[str, dict]]:
    every = dict.fromkeys(ROLES, 200) | {"no_role_user": 403}
    entry = dict.fromkeys(ROLES, 403) | dict.fromkeys(WRITERS, 200)
    detail = reverse("supervision:questionnaire-detail", args=[surveys["own_2016"].pk])
    other_detail = reverse("supervision:questionnaire-detail", args=[surveys["other"].pk])
    return [
        (reverse("supervision:questionnaire-list"), every),
        (reverse("supervision:questionnaire-create"), entry),
        (reverse("supervision:satisfaction"), every),
        (detail, every | {"other_town_staff": 404}),
        (other_detail, every | {"town_staff": 404, "liaison": 404, "dept_staff": 404}),
    ]


@pytest.mark.parametrize("role", ROLES)
def test_each_role_gets_the_declared_answer_on_every_questionnaire_page(client, request, role, surveys):
    user = request.getfixturevalue(role)
    client.force_login(user)
    table = expectations(surveys)
    answers = {url: client.get(url).status_code for url, _ in table}
    assert answers == {url: expected[role] for url, expected in table}


@pytest.mark.parametrize("role", ROLES)
def test_only_organisation_staff_liaisons_and_the_administrator_may_save_a_questionnaire(
    client, request, role, officer, village
):
    client.force_login(request.getfixturevalue(role))
    response = client.post(reverse("supervision:questionnaire-create"), post_data(village))
    assert response.status_code == (302 if role in WRITERS else 403)
    assert Questionnaire.objects.exists() == (response.status_code == 302)


def test_a_liaison_without_the_add_permission_is_refused(client, liaison, officer, village):
    liaison.groups.get().permissions.clear()  # the liaison role, without its permissions
    client.force_login(liaison)
    assert client.get(reverse("supervision:questionnaire-create")).status_code == 403


def test_visitors_are_sent_to_the_login_page(client, surveys):
    for url, _ in expectations(surveys):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize(
    ("name", "method"),
    [
        ("supervision:questionnaire-list", "post"),
        ("supervision:satisfaction", "post"),
        ("supervision:questionnaire-create", "put"),
        ("supervision:questionnaire-create", "delete"),
    ],
)
def test_wrong_methods_are_refused(client, org_staff, name, method):
    client.force_login(org_staff)
    assert getattr(client, method)(reverse(name)).status_code == 405


def test_the_detail_page_refuses_post(client, org_staff, surveys):
    client.force_login(org_staff)
    url = reverse("supervision:questionnaire-detail", args=[surveys["own_2016"].pk])
    assert client.post(url).status_code == 405


# Query counts ---------------------------------------------------------------------------------------------------------


def spread(count: int, recorder) -> None:
    """`count` questionnaires over several towns, villages, years and paired departments."""
    for n in range(count):
        town = TownFactory()
        village = VillageFactory(town=town)
        department = DepartmentFactory()
        VillagePairing.objects.create(department=department, village=village, year=2016, started_on="2016-03-01")
        survey(village, "SSBD"[: 1 + n % 4], by=recorder, on=date(2015 + n % 3, 6, 1))


def queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


@pytest.mark.parametrize("count", [3, 30])
@pytest.mark.parametrize(("name", "most"), [("supervision:questionnaire-list", 13), ("supervision:satisfaction", 11)])
def test_the_pages_make_the_same_queries_whatever_the_number_of_questionnaires(
    client, org_staff, recorder, name, most, count, django_assert_max_num_queries
):
    spread(count, recorder)
    client.force_login(org_staff)
    with django_assert_max_num_queries(most):
        assert client.get(reverse(name)).status_code == 200


@pytest.mark.parametrize("role", ["town_staff", "liaison", "dept_staff"])
def test_scoped_pages_make_a_fixed_number_of_queries(client, request, role, recorder, village, officer, paired):
    user = request.getfixturevalue(role)
    client.force_login(user)
    survey(village, "SB", by=recorder)
    few = [queries(client, reverse(n)) for n in ("supervision:questionnaire-list", "supervision:satisfaction")]
    for n in range(20):
        survey(village, "SBD", by=recorder, on=date(2015 + n % 3, 3, 1))
        survey(VillageFactory(town=village.town), "D", by=recorder)
    many = [queries(client, reverse(n)) for n in ("supervision:questionnaire-list", "supervision:satisfaction")]
    assert few == many


def test_the_form_makes_a_fixed_number_of_queries(client, org_staff, village, recorder):
    client.force_login(org_staff)
    few = queries(client, reverse("supervision:questionnaire-create"))
    for _ in range(20):
        ProjectFactory(village=VillageFactory())
    assert queries(client, reverse("supervision:questionnaire-create")) == few

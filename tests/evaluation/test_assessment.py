"""The assessment: rule table checks, totals, ranks, reward and penalty maths, scoring, closing and reopening."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from evaluation import services
from evaluation.models import AssessmentYear, Block, Result, RuleBand, Score, YearEvent
from evaluation.services import Band
from tests.factories import DepartmentFactory

D = Decimal
RULES = [
    Band(D(90), D(100), "优秀", "reward", D(30)),
    Band(D(85), D(90), "良好", "reward", D(20)),
    Band(D(80), D(85), "较好", "reward", D(10)),
    Band(D(60), D(80), "合格", "none", D(0)),
    Band(D(50), D(60), "较差", "penalty", D(30)),
    Band(D(0), D(50), "差", "penalty", D(50)),
]


def test_a_valid_rule_table_has_no_errors():
    assert services.rule_table_errors(RULES) == []


@pytest.mark.parametrize(
    ("band", "message"),
    [
        (Band(D(84), D(86), "重叠", "reward", D(10)), "重叠"),
        (Band(D(95), D(101), "超出", "reward", D(10)), "0–100"),
        (Band(D(70), D(60), "倒置", "none", D(0)), "下限小于上限"),
        (Band(D(0), D(1), "奖励过高", "reward", D(35)), "10%–30%"),
        (Band(D(0), D(1), "奖励过低", "reward", D(5)), "10%–30%"),
        (Band(D(0), D(1), "处罚过轻", "penalty", D(20)), "30%–50%"),
        (Band(D(0), D(1), "处罚过重", "penalty", D(60)), "30%–50%"),
        (Band(D(0), D(1), "不奖不罚", "none", D(5)), "应为 0"),
    ],
)
def test_a_bad_band_is_named_with_what_is_wrong(band, message):
    table = [b for b in RULES if b.grade != "差"] + [band]
    errors = services.rule_table_errors(table)
    assert any(message in e for e in errors), errors


def test_the_database_also_refuses_a_percentage_out_of_range(year):
    with pytest.raises(IntegrityError), transaction.atomic():
        RuleBand.objects.create(year=year, lower=0, upper=10, grade="x", kind="reward", percentage=D(31))


@pytest.mark.parametrize(
    ("total", "grade"),
    [(D(100), "优秀"), (D(90), "优秀"), (D("89.99"), "良好"), (D(80), "较好"), (D(60), "合格"), (D(0), "差")],
)
def test_a_total_falls_in_exactly_one_band(total, grade):
    assert services.band_for(total, RULES).grade == grade


def test_total_reward_and_penalty_points_are_exact_decimals():
    blocks = [Block(code="a", weight=D(30), max_points=D(30)), Block(code="b", weight=D(70), max_points=D(20))]
    total = services.total_of([(D("27.5"), blocks[0]), (D("19"), blocks[1])])
    assert total == D("94.00")  # 27.5/30×30 + 19/20×70
    assert services.reward_points(total, services.band_for(total, RULES)) == D("28.20")
    assert services.reward_points(D("55.55"), services.band_for(D("55.55"), RULES)) == D("-16.67")
    assert services.reward_points(D("70"), services.band_for(D("70"), RULES)) == D("0.00")
    assert services.total_of([(None, blocks[0]), (D(1), blocks[1])]) == D("3.50")
    assert services.total_of([(D(1), Block(code="c", weight=D(100), max_points=D(3)))]) == D("33.33")


def test_equal_totals_share_a_rank_and_the_next_rank_skips():
    assert services.ranks({"a": D(90), "b": D(85), "c": D(90), "d": D(70), "e": D(85)}) == {
        "a": 1,
        "c": 1,
        "b": 3,
        "e": 3,
        "d": 5,
    }


@pytest.fixture
def year(db):
    year = AssessmentYear.objects.create(year=2016)
    for order, (code, weight) in enumerate([("village_pairing", 60), ("credit", 40)]):
        Block.objects.create(year=year, code=code, weight=weight, max_points=D(20), order=order)
    services.rule_table_replace(year=year, bands=RULES)
    return year


@pytest.fixture
def scored(year, department, other_department):
    third = DepartmentFactory(name="广汉市商务局", short_name="商务局")
    services.scores_prepare(year=year, departments=[department, other_department, third])
    given = {department: (D(19), D(19)), other_department: (D(10), D(10)), third: (D(19), D(19))}
    for score in Score.objects.filter(year=year).select_related("department", "block"):
        score.given = given[score.department][score.block.order]
        score.save()
    return year


def test_results_rank_grade_and_points(scored, department, other_department):
    rows = services.compute_results(scored)
    assert [(r["department"].short_name, r["total"], r["rank"], r["grade"], r["points"]) for r in rows] == [
        (department.short_name, D("95.00"), 1, "优秀", D("28.50")),
        ("商务局", D("95.00"), 1, "优秀", D("28.50")),
        (other_department.short_name, D("50.00"), 3, "较差", D("-15.00")),
    ]


def test_closing_writes_the_results_and_freezes_the_year(scored, org_staff, department):
    results = services.year_close(year=scored, by=org_staff)
    assert len(results) == 3 and Result.objects.get(department=department).total == D("95.00")
    score = Score.objects.filter(year=scored).first()
    for write in (
        lambda: Score.objects.filter(pk=score.pk).update(given=D(1)),
        lambda: Block.objects.filter(year=scored).update(weight=D(50)),
        lambda: RuleBand.objects.filter(year=scored).update(percentage=D(20)),
        lambda: Result.objects.filter(year=scored).update(points=D(0)),
        lambda: Score.objects.filter(pk=score.pk).delete(),
    ):
        with pytest.raises(IntegrityError), transaction.atomic():
            write()
    with pytest.raises(ValidationError, match="已关闭"):
        services.score_give(score=score, given=D(5), remark="x", version=score.version, by=org_staff)
    assert YearEvent.objects.get().action == "closed"


def test_a_year_closes_only_when_complete(year, department, org_staff):
    services.scores_prepare(year=year, departments=[department])
    with pytest.raises(ValidationError, match="尚未评分"):
        services.year_close(year=year, by=org_staff)
    Block.objects.filter(year=year, code="credit").update(weight=D(30))
    Score.objects.filter(year=year).update(given=D(10))
    with pytest.raises(ValidationError, match="应为 100%"):
        services.year_close(year=year, by=org_staff)


def test_reopening_needs_a_reason_and_is_logged(scored, org_staff):
    services.year_close(year=scored, by=org_staff)
    with pytest.raises(ValidationError, match="原因"):
        services.year_reopen(year=scored, reason=" ", by=org_staff)
    services.year_reopen(year=scored, reason="商务局申诉，复核台账", by=org_staff)
    scored.refresh_from_db()
    assert not scored.is_closed
    assert list(YearEvent.objects.values_list("action", "reason")) == [
        ("closed", ""),
        ("reopened", "商务局申诉，复核台账"),
    ]
    score = Score.objects.filter(year=scored).first()
    services.score_give(score=score, given=D(18), remark="复核后调整", version=score.version, by=org_staff)
    services.year_close(year=scored, by=org_staff)
    assert Result.objects.count() == 3


def test_a_second_editor_does_not_silently_overwrite_the_first(scored, org_staff, department):
    score = Score.objects.get(department=department, block__code="credit")
    stale = score.version
    services.score_give(score=score, given=D(15), remark="第一人", version=stale, by=org_staff)
    with pytest.raises(ValidationError, match="已在您打开页面后修改") as refused:
        services.score_give(score=score, given=D(12), remark="第二人", version=stale, by=org_staff)
    assert "现为 15.00 分" in refused.value.messages[0]
    assert Score.objects.get(pk=score.pk).given == D("15.00")


def test_a_score_differing_from_the_suggestion_needs_a_remark(scored, org_staff, department):
    score = Score.objects.get(department=department, block__code="credit")
    Score.objects.filter(pk=score.pk).update(suggested=D(18), given=D(18))
    score.refresh_from_db()
    with pytest.raises(ValidationError, match="写明理由"):
        services.score_give(score=score, given=D(16), remark="", version=score.version, by=org_staff)
    with pytest.raises(IntegrityError), transaction.atomic():
        Score.objects.filter(pk=score.pk).update(given=D(16), remark="")


def test_staff_scores_through_the_sheet_and_the_closed_year_refuses_it(client, scored, org_staff, department):
    client.force_login(org_staff)
    url = reverse("evaluation:score-sheet", args=[2016, department.pk])
    page = client.get(url)
    rows = page.context["rows"]
    data = {}
    for score, form in rows:
        data[f"{form.prefix}-given"] = "17.5" if score.block.code == "credit" else score.given
        data[f"{form.prefix}-remark"] = "走访核实" if score.block.code == "credit" else ""
        data[f"{form.prefix}-version"] = score.version
    assert client.post(url, data).status_code == 302
    assert Score.objects.get(department=department, block__code="credit").given == D("17.50")
    bad = data | {f"{rows[0][1].prefix}-given": "25"}
    response = client.post(url, bad)
    assert "满分 20" in response.content.decode()
    client.post(reverse("evaluation:year-close", args=[2016]))
    scored.refresh_from_db()
    assert scored.is_closed
    assert client.post(url, data).status_code == 403
    assert client.get(url).context["can_edit"] is False


def test_the_rule_page_refuses_an_overlap_with_a_message(client, year, org_staff):
    client.force_login(org_staff)
    url = reverse("evaluation:rules-edit", args=[2016])
    formset = client.get(url).context["formset"]
    data = {
        "form-TOTAL_FORMS": "2",
        "form-INITIAL_FORMS": str(formset.initial_form_count()),
        "form-MAX_NUM_FORMS": "12",
    }
    data |= {
        "form-0-grade": "优秀",
        "form-0-lower": "80",
        "form-0-upper": "100",
        "form-0-kind": "reward",
        "form-0-percentage": "30",
    }
    data |= {
        "form-1-grade": "良好",
        "form-1-lower": "70",
        "form-1-upper": "85",
        "form-1-kind": "reward",
        "form-1-percentage": "20",
    }
    response = client.post(url, data)
    assert "重叠" in " ".join(response.context["errors"])
    assert RuleBand.objects.filter(year=year).count() == len(RULES)


def test_blocks_must_weigh_100_in_all(client, year, org_staff):
    client.force_login(org_staff)
    url = reverse("evaluation:blocks-edit", args=[2016])
    data = {"form-TOTAL_FORMS": "5", "form-INITIAL_FORMS": "5", "form-MAX_NUM_FORMS": "1000"}
    codes = ["village_pairing", "household_pairing", "branch_association", "credit", "demo_base"]
    for n, code in enumerate(codes):
        data |= {f"form-{n}-code": code, f"form-{n}-weight": "20", f"form-{n}-max_points": "20"}
    assert client.post(url, data).status_code == 302
    assert Block.objects.filter(year=year).count() == 5
    data["form-0-weight"] = "25"
    assert "应为 100%" in client.post(url, data).content.decode()


def test_a_new_year_copies_the_previous_blocks_and_rules(client, year, org_staff):
    client.force_login(org_staff)
    assert client.post(reverse("evaluation:year-list"), {"year": 2017}).status_code == 302
    new = AssessmentYear.objects.get(year=2017)
    assert new.blocks.count() == 2 and new.bands.count() == len(RULES)
    assert "已经建立" in client.post(reverse("evaluation:year-list"), {"year": 2017}).content.decode()


def test_the_admin_refuses_changes_to_a_closed_year(client, superuser, scored):
    services.year_close(year=scored, by=superuser)
    client.force_login(superuser)
    score = Score.objects.filter(year=scored).first()
    url = reverse("admin:evaluation_score_change", args=[score.pk])
    response = client.post(url, {"given": "1", "remark": "x"})
    assert response.status_code in (200, 403)
    assert Score.objects.get(pk=score.pk).given == score.given


ROLES = ["org_staff", "town_staff", "liaison", "dept_staff", "leader", "no_role_user"]


@pytest.mark.parametrize("role", ROLES)
def test_each_role_gets_the_declared_answer(client, request, role, scored, department, other_department):
    user = request.getfixturevalue(role)
    readers = {
        "org_staff": 200,
        "leader": 200,
        "dept_staff": 200,
        "town_staff": 403,
        "liaison": 403,
        "no_role_user": 403,
    }
    managers = {"org_staff": 200} | {r: 403 for r in ROLES if r != "org_staff"}
    table = [
        (reverse("evaluation:year-list"), readers),
        (reverse("evaluation:year-detail", args=[2016]), readers),
        (reverse("evaluation:score-sheet", args=[2016, department.pk]), readers),
        (reverse("evaluation:score-sheet", args=[2016, other_department.pk]), readers | {"dept_staff": 404}),
        (reverse("evaluation:rules-edit", args=[2016]), managers),
        (reverse("evaluation:blocks-edit", args=[2016]), managers),
    ]
    client.force_login(user)
    assert {url: client.get(url).status_code for url, _ in table} == {url: e[role] for url, e in table}
    for name in ("evaluation:year-close", "evaluation:year-reopen", "evaluation:suggest"):
        expected = 302 if role == "org_staff" else 403
        assert client.get(reverse(name, args=[2016])).status_code in (405, 403)
        if role != "org_staff":
            assert client.post(reverse(name, args=[2016])).status_code == expected
    assert client.get(reverse("evaluation:year-detail", args=[2015])).status_code in (404, 403)

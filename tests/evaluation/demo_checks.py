"""The demo assessment tells the 2016 report's story (seed 二.6): every paired department signed target agreements
with its villages, the five blocks are scored inside one 项目帮扶 assessment with rewards of 10–30 % and penalties of
30–50 %, and 2015 is closed and frozen."""

import io
from collections import Counter
from datetime import date
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.db.models import F, Q

from evaluation import services
from evaluation.models import Agreement, AssessmentYear, Block, Result, RuleBand, Score, YearEvent
from projects.models import VillagePairing

GRADES = {"优秀", "良好", "较好", "合格", "较差", "差"}


def test_every_pairing_of_2015_and_2016_has_its_agreement_signed_in_march(seeded):
    pairings = set(VillagePairing.objects.filter(year__in=[2015, 2016]).values_list("department", "village", "year"))
    agreements = Agreement.objects.all()
    assert set(agreements.values_list("department", "village", "year")) == pairings
    assert agreements.count() == len(pairings)
    for year in (2015, 2016):
        assert not agreements.filter(year=year).exclude(signed_on__range=(date(year, 3, 1), date(year, 3, 31))).exists()


def test_agreement_targets_are_realistic_and_entered_by_the_department(seeded):
    agreements = Agreement.objects.all()
    assert not agreements.exclude(
        projects_started__range=(1, 2),
        members_enrolled__range=(10, 60),
        money_invested__range=(Decimal(50_000), Decimal(400_000)),
        visits__range=(12, 24),
        members_lifted__range=(3, 15),
    ).exists()
    assert not agreements.filter(members_lifted__gt=F("members_enrolled")).exists()
    assert len(set(agreements.values_list("money_invested", flat=True))) > 10
    assert not agreements.exclude(by__department=F("department"), by__username__regex=r"^dept\d{2}$").exists()
    assert not agreements.exclude(document="").exists()


def test_both_years_have_the_five_blocks_and_a_valid_rule_table(seeded):
    for year in AssessmentYear.objects.filter(year__in=[2015, 2016]):
        blocks = list(year.blocks.all())
        assert [b.get_code_display() for b in blocks] == [
            "部门帮村",
            "党员帮户",
            "支部+协会",
            "党员农贷快车",
            "党员创业示范基地",
        ]
        assert sum(b.weight for b in blocks) == 100
        bands = [services.Band(b.lower, b.upper, b.grade, b.kind, b.percentage) for b in year.bands.all()]
        assert services.rule_table_errors(bands) == []
        assert {b.grade for b in bands} == GRADES
    assert AssessmentYear.objects.count() == 2


def test_every_paired_department_is_scored_in_every_block_with_reasons_where_staff_differed(seeded):
    for year in (2015, 2016):
        departments = set(VillagePairing.objects.filter(year=year).values_list("department", flat=True))
        scores = Score.objects.filter(year__year=year)
        assert set(scores.values_list("department", flat=True)) == departments
        assert scores.count() == len(departments) * Block.objects.filter(year__year=year).count()
        assert not scores.filter(Q(given__isnull=True) | Q(given__gt=F("block__max_points")) | Q(basis="")).exists()
        differing = scores.filter(suggested__isnull=False).exclude(given=F("suggested"))
        assert not differing.filter(remark="").exists()
        assert 0 < differing.count() < scores.count()
        for block in Block.objects.filter(year__year=year):
            # Staff follow the suggestion, unless the year's data is too thin for the block: then they score on site.
            in_block = scores.filter(block=block)
            followed = in_block.filter(given=F("suggested")).count()
            on_site = differing.filter(block=block, remark__contains="建议分偏低").count()
            assert followed > in_block.count() / 2 or on_site > in_block.count() / 2, block
        assert not scores.exclude(by__username="staff").exists()


def test_2015_is_closed_with_a_result_for_every_scored_department_and_2016_is_open(seeded):
    closed, open_ = AssessmentYear.objects.get(year=2015), AssessmentYear.objects.get(year=2016)
    assert closed.is_closed and closed.closed_by.username == "staff"
    assert YearEvent.objects.filter(year=closed, action="closed", by__username="staff").count() == 1
    scored = set(Score.objects.filter(year=closed).values_list("department", flat=True))
    assert set(Result.objects.filter(year=closed).values_list("department", flat=True)) == scored
    assert not open_.is_closed
    assert not Result.objects.filter(year=open_).exists()
    assert not YearEvent.objects.filter(year=open_).exists()


def test_2015_results_spread_over_every_grade_with_three_to_five_penalties_and_ties(seeded):
    year = AssessmentYear.objects.get(year=2015)
    results = list(Result.objects.filter(year=year))
    assert {r.grade for r in results} == GRADES
    assert 3 <= sum(r.kind == RuleBand.Kind.PENALTY for r in results) <= 5
    bands = list(year.bands.all())
    for result in results:
        band = services.band_for(result.total, bands)
        assert (result.grade, result.kind, result.percentage) == (band.grade, band.kind, band.percentage)
        if result.kind == RuleBand.Kind.REWARD:
            assert Decimal(10) <= result.percentage <= Decimal(30) and result.points > 0
        elif result.kind == RuleBand.Kind.PENALTY:
            assert Decimal(30) <= result.percentage <= Decimal(50) and result.points < 0
        else:
            assert result.percentage == 0 and result.points == 0
        assert result.points == services.reward_points(result.total, band)
    tied = [total for total, n in Counter(r.total for r in results).items() if n > 1]
    assert tied
    for total in tied:
        assert len({r.rank for r in results if r.total == total}) == 1


def test_2015_results_are_the_sum_of_the_scores_given(seeded):
    year = AssessmentYear.objects.get(year=2015)
    for row in services.compute_results(year):
        result = Result.objects.get(year=year, department=row["department"])
        assert (result.total, result.rank, result.points) == (row["total"], row["rank"], row["points"])


def test_2016_scores_also_spread_over_rewards_and_penalties(seeded):
    rows = services.compute_results(AssessmentYear.objects.get(year=2016))
    kinds = Counter(row["kind"] for row in rows)
    assert kinds[RuleBand.Kind.REWARD] and kinds[RuleBand.Kind.NONE] and kinds[RuleBand.Kind.PENALTY]


def test_a_score_of_the_closed_year_cannot_be_changed(seeded):
    score = Score.objects.filter(year__year=2015).first()
    with pytest.raises(IntegrityError), transaction.atomic():
        Score.objects.filter(pk=score.pk).update(given=F("given") - 1)
    with pytest.raises(IntegrityError), transaction.atomic():
        Result.objects.filter(year__year=2015).delete()
    open_score = Score.objects.filter(year__year=2016).first()
    with transaction.atomic():
        assert Score.objects.filter(pk=open_score.pk).update(remark="复核") == 1
        transaction.set_rollback(True)


def test_a_second_seed_adds_no_evaluation_rows(seeded):
    models = (Agreement, AssessmentYear, Block, RuleBand, Score, Result, YearEvent)
    before = [m.objects.count() for m in models]
    call_command("seed_demo", stdout=io.StringIO())
    assert [m.objects.count() for m in models] == before

"""考核评价: target agreements between departments and villages, and the year-end 项目帮扶 assessment of departments.

An assessment year has blocks (the five former blocks, each with a weight and maximum points) and a rule table of
score bands (rewards of 10–30 %, penalties of 30–50 % of the 项目帮扶 total). Staff give each department a score per
block, next to a suggestion computed from the data. The total is Σ given ÷ max × weight (weights add up to 100, so
the total is on a 0–100 scale); the band it falls in gives grade and percentage; points = percentage × total.

Closing a year writes the results and freezes the year: database triggers refuse any change to its blocks, bands,
scores and results until it is reopened (with a reason, logged).
"""

from decimal import ROUND_HALF_UP, Decimal

import pgtrigger
from django.conf import settings
from django.core.validators import FileExtensionValidator
from django.db import models
from django.db.models import Q

from guanghan import access
from guanghan.models import Department, Village, track_history

TWO = Decimal("0.01")


def points(verbose_name, **kwargs):
    return models.DecimalField(verbose_name, max_digits=7, decimal_places=2, **kwargs)


def frozen_when_closed(name: str):
    """Refuse INSERT/UPDATE/DELETE of a row whose assessment year is closed (the row has a `year_id`)."""
    return pgtrigger.Trigger(
        name=name,
        when=pgtrigger.Before,
        operation=pgtrigger.Insert | pgtrigger.Update | pgtrigger.Delete,
        func="""
            IF EXISTS (
                SELECT 1 FROM evaluation_assessmentyear y
                WHERE y.id IN (NEW.year_id, OLD.year_id) AND y.closed_at IS NOT NULL
            ) THEN
                RAISE EXCEPTION 'assessment year closed: % is read-only', TG_TABLE_NAME
                    USING ERRCODE = 'check_violation';
            END IF;
            RETURN COALESCE(NEW, OLD);
        """,
    )


@track_history()
class AssessmentYear(models.Model):
    year = models.PositiveSmallIntegerField("年度", unique=True)
    title = models.CharField("考核名称", max_length=60, default="党内项目帮扶工作年终考核")
    closed_at = models.DateTimeField("关闭时间", null=True, blank=True, editable=False)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+", verbose_name="关闭人"
    )

    class Meta:
        ordering = ["-year"]
        verbose_name = verbose_name_plural = "考核年度"
        constraints = [
            models.CheckConstraint(condition=Q(year__gte=2000, year__lte=2100), name="assessment_year_plausible")
        ]

    def __str__(self):
        return f"{self.year} 年度考核"

    @property
    def is_closed(self) -> bool:
        return self.closed_at is not None


@track_history()
class YearEvent(models.Model):
    """Closing and reopening a year, with who, when and (for reopening) why."""

    class Action(models.TextChoices):
        CLOSED = "closed", "关闭"
        REOPENED = "reopened", "重新开放"

    year = models.ForeignKey(AssessmentYear, models.PROTECT, related_name="log_entries", verbose_name="考核年度")
    action = models.CharField("操作", max_length=10, choices=Action.choices)
    reason = models.TextField("原因", blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name="操作人")
    at = models.DateTimeField("时间", auto_now_add=True)

    class Meta:
        ordering = ["year_id", "pk"]
        verbose_name = verbose_name_plural = "考核年度关闭与重开记录"
        constraints = [
            models.CheckConstraint(condition=~Q(action="reopened") | ~Q(reason=""), name="year_event_reopen_reason")
        ]

    def __str__(self):
        return f"{self.get_action_display()} #{self.pk}"


class BlockCode(models.TextChoices):
    VILLAGE_PAIRING = "village_pairing", "部门帮村"
    HOUSEHOLD_PAIRING = "household_pairing", "党员帮户"
    BRANCH_ASSOCIATION = "branch_association", "支部+协会"
    CREDIT = "credit", "党员农贷快车"
    DEMO_BASE = "demo_base", "党员创业示范基地"


@track_history()
class Block(models.Model):
    year = models.ForeignKey(AssessmentYear, models.PROTECT, related_name="blocks", verbose_name="考核年度")
    code = models.CharField("考核块", max_length=20, choices=BlockCode.choices)
    weight = points("权重（%）")
    max_points = points("满分")
    order = models.PositiveSmallIntegerField("排序", default=0)

    class Meta:
        ordering = ["year_id", "order", "pk"]
        verbose_name = verbose_name_plural = "考核块"
        constraints = [
            models.UniqueConstraint(fields=["year", "code"], name="block_once_per_year"),
            models.CheckConstraint(condition=Q(weight__gt=0, weight__lte=100), name="block_weight_range"),
            models.CheckConstraint(condition=Q(max_points__gt=0), name="block_max_positive"),
        ]
        triggers = [frozen_when_closed("block_frozen_when_closed")]

    def __str__(self):
        return self.get_code_display()


@track_history()
class RuleBand(models.Model):
    """One row of the year's rule table: totals from `lower` (inclusive) to `upper` (exclusive; 100 inclusive)."""

    class Kind(models.TextChoices):
        REWARD = "reward", "奖励"
        NONE = "none", "不奖不罚"
        PENALTY = "penalty", "处罚"

    year = models.ForeignKey(AssessmentYear, models.PROTECT, related_name="bands", verbose_name="考核年度")
    lower = points("总分下限（含）")
    upper = points("总分上限（不含，100 分含）")
    grade = models.CharField("等次", max_length=10)
    kind = models.CharField("奖惩", max_length=8, choices=Kind.choices)
    percentage = points("比例（%）")

    class Meta:
        ordering = ["year_id", "-lower"]
        verbose_name = verbose_name_plural = "奖惩规则"
        constraints = [
            models.CheckConstraint(
                condition=Q(lower__gte=0, upper__lte=100, lower__lt=models.F("upper")), name="band_bounds"
            ),
            models.CheckConstraint(
                condition=Q(kind="reward", percentage__gte=10, percentage__lte=30)
                | Q(kind="penalty", percentage__gte=30, percentage__lte=50)
                | Q(kind="none", percentage=0),
                name="band_percentage_range",
                violation_error_message="奖励比例应在 10%–30% 之间，处罚比例应在 30%–50% 之间，不奖不罚为 0。",
            ),
        ]
        triggers = [frozen_when_closed("band_frozen_when_closed")]

    def __str__(self):
        return f"{self.grade} {self.lower}–{self.upper}"


class DepartmentRowQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Organisation staff and leaders: every department; department staff: its own."""
        return access.scope(user, self, village=None, department="department")


@track_history()
class Score(models.Model):
    """A department's score in one block of a year: the suggestion from the data and the score staff gave."""

    year = models.ForeignKey(AssessmentYear, models.PROTECT, related_name="scores", verbose_name="考核年度")
    department = models.ForeignKey(Department, models.PROTECT, related_name="scores", verbose_name="部门")
    block = models.ForeignKey(Block, models.PROTECT, related_name="scores", verbose_name="考核块")
    suggested = points("建议分", null=True, blank=True)
    basis = models.TextField("建议分依据", blank=True)
    given = points("评定分", null=True, blank=True)
    remark = models.CharField("说明（与建议分不同时必填）", max_length=200, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+", verbose_name="评分人"
    )
    updated_at = models.DateTimeField("评分时间", auto_now=True)
    version = models.PositiveIntegerField("版本", default=0, editable=False)

    objects = DepartmentRowQuerySet.as_manager()

    class Meta:
        ordering = ["year_id", "department_id", "block__order"]
        verbose_name = verbose_name_plural = "考核评分"
        constraints = [
            models.UniqueConstraint(fields=["department", "block"], name="score_once_per_department_block"),
            models.CheckConstraint(condition=Q(given__isnull=True) | Q(given__gte=0), name="score_given_not_negative"),
            models.CheckConstraint(
                condition=Q(given__isnull=True)
                | Q(suggested__isnull=True)
                | Q(given=models.F("suggested"))
                | ~Q(remark=""),
                name="score_remark_when_differs",
                violation_error_message="评定分与建议分不同时，请写明理由。",
            ),
        ]
        triggers = [frozen_when_closed("score_frozen_when_closed")]

    def __str__(self):
        return f"评分 #{self.pk}"


@track_history()
class Result(models.Model):
    """The outcome of a closed year, written when it is closed (the leaders' table of a closed year reads these)."""

    year = models.ForeignKey(AssessmentYear, models.PROTECT, related_name="results", verbose_name="考核年度")
    department = models.ForeignKey(Department, models.PROTECT, related_name="results", verbose_name="部门")
    total = points("项目帮扶总分")
    rank = models.PositiveSmallIntegerField("名次")
    grade = models.CharField("等次", max_length=10)
    kind = models.CharField("奖惩", max_length=8, choices=RuleBand.Kind.choices)
    percentage = points("比例（%）")
    points = points("奖惩分")

    objects = DepartmentRowQuerySet.as_manager()

    class Meta:
        ordering = ["year_id", "rank", "department_id"]
        verbose_name = verbose_name_plural = "考核结果"
        constraints = [models.UniqueConstraint(fields=["year", "department"], name="result_once_per_department")]
        triggers = [frozen_when_closed("result_frozen_when_closed")]

    def __str__(self):
        return f"考核结果 #{self.pk}"


def quantize(value: Decimal) -> Decimal:
    return value.quantize(TWO, rounding=ROUND_HALF_UP)


AGREEMENT_TYPES = ["pdf", "jpg", "jpeg", "png"]


class AgreementQuerySet(models.QuerySet):
    def visible_to(self, user):
        """By village (town staff, liaison officers, a department's paired villages) or by department."""
        return access.scope(user, self, village="village", department="department")


@track_history()
class Agreement(models.Model):
    """目标责任书: a department and a village sign targets for a year; progress is read from the data."""

    department = models.ForeignKey(Department, models.PROTECT, related_name="agreements", verbose_name="帮扶部门")
    village = models.ForeignKey(Village, models.PROTECT, related_name="agreements", verbose_name="村（社区）")
    year = models.PositiveSmallIntegerField("年度")
    signed_on = models.DateField("签订日期")
    projects_started = models.PositiveSmallIntegerField("开工项目数（个）", default=1)
    members_enrolled = models.PositiveIntegerField("纳入项目的帮扶对象（人）", default=0)
    money_invested = models.DecimalField("投入帮扶资金（元）", max_digits=14, decimal_places=2, default=Decimal(0))
    visits = models.PositiveSmallIntegerField("督查走访（次）", default=0)
    members_lifted = models.PositiveIntegerField("帮助脱贫（人）", default=0)
    document = models.FileField(
        "签字盖章的责任书",
        upload_to="agreements/%Y/",
        blank=True,
        validators=[FileExtensionValidator(AGREEMENT_TYPES, message="责任书请上传 PDF、JPG 或 PNG 文件。")],
    )
    note = models.CharField("说明", max_length=200, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name="登记人")
    created_at = models.DateTimeField("登记时间", auto_now_add=True)

    objects = AgreementQuerySet.as_manager()

    class Meta:
        ordering = ["-year", "department_id", "village_id"]
        verbose_name = verbose_name_plural = "目标责任书"
        constraints = [
            models.UniqueConstraint(
                fields=["department", "village", "year"],
                name="agreement_once_per_department_village_year",
                violation_error_message="该部门与这个村本年度的目标责任书已经登记。",
            ),
            models.CheckConstraint(condition=Q(money_invested__gte=0), name="agreement_money_not_negative"),
            models.CheckConstraint(condition=Q(year__gte=2000, year__lte=2100), name="agreement_year_plausible"),
        ]

    def __str__(self):
        return f"目标责任书 {self.year}"

"""督查: the 95 liaison officers seconded to villages, their visits with the three checks and photos, the
rectifications a finding opens, and the satisfaction questionnaires.

A liaison officer is a cadre (`guanghan.Cadre`); the user who logs in as that officer carries the cadre
(`User.cadre`). The officer's scope — everywhere in the system — is the villages of its active assignments
(`villages_of`), registered with access.py from this app's AppConfig.ready().
"""

from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db import models
from django.db.models import Count, Q
from django.utils import timezone

from guanghan import access
from guanghan.models import Cadre, Department, Village, track_history
from projects.models import Project

VISIT_GAP_DAYS = 60  # a village not visited for this long is on the liaison's and staff's work lists


def active_on(day: date) -> Q:
    return Q(started_on__lte=day) & (Q(ended_on__isnull=True) | Q(ended_on__gte=day))


@track_history()
class LiaisonOfficer(models.Model):
    """督查联络员: a cadre seconded (下派挂职) to villages as deputy branch secretary, to coordinate and inspect."""

    cadre = models.OneToOneField(Cadre, models.PROTECT, related_name="liaison_officer", verbose_name="干部")
    position = models.CharField("挂职职务", max_length=40, default="村党支部副书记")
    appointed_on = models.DateField("选派日期")
    is_active = models.BooleanField("在岗", default=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = verbose_name_plural = "督查联络员"

    def __str__(self):
        return f"督查联络员 #{self.pk}"


class AssignmentQuerySet(models.QuerySet):
    def active(self, on: date | None = None):
        return self.filter(active_on(on or timezone.localdate()))


@track_history()
class Assignment(models.Model):
    """An officer's secondment to one village, with dates. Its villages are the officer's scope while active."""

    officer = models.ForeignKey(LiaisonOfficer, models.PROTECT, related_name="assignments", verbose_name="联络员")
    village = models.ForeignKey(
        Village, models.PROTECT, related_name="liaison_assignments", verbose_name="挂职村（社区）"
    )
    started_on = models.DateField("开始日期")
    ended_on = models.DateField("结束日期", null=True, blank=True)

    objects = AssignmentQuerySet.as_manager()

    class Meta:
        ordering = ["officer_id", "-started_on"]
        verbose_name = verbose_name_plural = "联络员挂职安排"
        constraints = [
            models.UniqueConstraint(
                fields=["officer", "village"],
                condition=Q(ended_on__isnull=True),
                name="assignment_one_open_per_officer_village",
                violation_error_message="该联络员已派驻这个村。",
            ),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=models.F("started_on")),
                name="assignment_ends_after_start",
            ),
        ]

    def __str__(self):
        return f"挂职 #{self.pk}"


def villages_of(user, on: date | None = None):
    """The villages of the liaison officer's active assignments (the officer is the user's cadre)."""
    if not getattr(user, "cadre_id", None):
        return Village.objects.none()
    return Village.objects.filter(
        pk__in=Assignment.objects.active(on).filter(officer__cadre_id=user.cadre_id).values("village_id")
    )


def officer_of(user) -> "LiaisonOfficer | None":
    if not getattr(user, "cadre_id", None):
        return None
    return LiaisonOfficer.objects.filter(cadre_id=user.cadre_id, is_active=True).first()


class Check(models.TextChoices):
    YES = "yes", "是"
    PARTLY = "partly", "部分"
    NO = "no", "否"


CHECKS = (
    ("funds_clear", "资金走向清楚"),
    ("effect_visible", "效果明显"),
    ("people_satisfied", "群众满意"),
)


class VisitQuerySet(models.QuerySet):
    def visible_to(self, user):
        return access.scope(user, self, village="village")

    def with_checks_passed(self):
        """How many of the three checks answered 是 (a 部分 or 否 is a finding)."""
        return self.annotate(
            checks_passed=sum(
                (models.Case(models.When(**{name: Check.YES}, then=1), default=0) for name, _ in CHECKS),
                models.Value(0),
            )
        )


@track_history()
class Visit(models.Model):
    class Kind(models.TextChoices):
        ROUTINE = "routine", "日常督查"
        UNANNOUNCED = "unannounced", "明察暗访"
        QUESTIONNAIRE = "questionnaire", "问卷调查"

    officer = models.ForeignKey(
        LiaisonOfficer, models.PROTECT, null=True, blank=True, related_name="visits", verbose_name="联络员"
    )
    village = models.ForeignKey(Village, models.PROTECT, related_name="visits", verbose_name="村（社区）")
    project = models.ForeignKey(
        Project, models.PROTECT, null=True, blank=True, related_name="visits", verbose_name="项目"
    )
    visited_on = models.DateField("督查日期")
    kind = models.CharField("方式", max_length=16, choices=Kind.choices, default=Kind.ROUTINE)
    funds_clear = models.CharField("资金走向清楚", max_length=8, choices=Check.choices)
    funds_remark = models.CharField("资金走向说明", max_length=200, blank=True)
    effect_visible = models.CharField("效果明显", max_length=8, choices=Check.choices)
    effect_remark = models.CharField("效果说明", max_length=200, blank=True)
    people_satisfied = models.CharField("群众满意", max_length=8, choices=Check.choices)
    people_remark = models.CharField("群众意见", max_length=200, blank=True)
    notes = models.TextField("督查记录", blank=True)
    client_key = models.UUIDField("提交标识", unique=True, null=True, blank=True, editable=False)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name="记录人")
    created_at = models.DateTimeField("记录时间", auto_now_add=True)

    objects = VisitQuerySet.as_manager()

    class Meta:
        ordering = ["-visited_on", "-pk"]
        verbose_name = verbose_name_plural = "督查记录"
        indexes = [
            models.Index(fields=["village", "visited_on"], name="visit_village_date"),
            models.Index(fields=["officer", "visited_on"], name="visit_officer_date"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(visited_on__gte=date(2000, 1, 1)), name="visit_date_plausible"),
        ]

    def __str__(self):
        return f"督查 #{self.pk}"

    def findings(self) -> list[tuple[str, str, str]]:
        """The checks not answered 是: (field, label, remark)."""
        remarks = {"funds_clear": self.funds_remark, "effect_visible": self.effect_remark}
        remarks["people_satisfied"] = self.people_remark
        return [(name, label, remarks[name]) for name, label in CHECKS if getattr(self, name) != Check.YES]


PHOTO_MAX_BYTES = 10 * 1024 * 1024  # refused above this, before decoding
PHOTO_MAX_SIDE = 1600  # stored at most this wide or high (phones send 4000 px)
PHOTOS_PER_VISIT = 6


@track_history()
class VisitPhoto(models.Model):
    visit = models.ForeignKey(Visit, models.PROTECT, related_name="photos", verbose_name="督查记录")
    image = models.ImageField("照片", upload_to="visits/%Y/%m/", width_field="width", height_field="height")
    width = models.PositiveIntegerField("宽", default=0)
    height = models.PositiveIntegerField("高", default=0)
    caption = models.CharField("说明", max_length=100, blank=True)
    uploaded_at = models.DateTimeField("上传时间", auto_now_add=True)

    class Meta:
        ordering = ["visit_id", "pk"]
        verbose_name = verbose_name_plural = "督查照片"

    def __str__(self):
        return f"照片 #{self.pk}"


class RectificationQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Staff and officers by village; department staff also the rectifications its department owns."""
        return access.scope(user, self, village="village", department="owner_department")

    def open(self):
        return self.filter(status__in=[Rectification.Status.OPEN, Rectification.Status.REOPENED])

    def overdue(self, today: date):
        return self.open().filter(deadline__lt=today)


@track_history()
class Rectification(models.Model):
    """整改: a problem found on a visit, owned by a department or the village, with a deadline.

    open → reported (the owner says it is done) → verified (staff checked it) or reopened (not done; back to the
    owner with a reason) → reported … Each step is a RectificationStep with who and when.
    """

    class Status(models.TextChoices):
        OPEN = "open", "待整改"
        REPORTED = "reported", "已报整改完成"
        VERIFIED = "verified", "已验收"
        REOPENED = "reopened", "退回重新整改"

    class Owner(models.TextChoices):
        DEPARTMENT = "department", "帮扶部门"
        VILLAGE = "village", "村（社区）"

    TRANSITIONS = {
        Status.OPEN: {Status.REPORTED},
        Status.REOPENED: {Status.REPORTED},
        Status.REPORTED: {Status.VERIFIED, Status.REOPENED},
        Status.VERIFIED: set(),
    }

    visit = models.ForeignKey(
        Visit, models.PROTECT, null=True, blank=True, related_name="rectifications", verbose_name="督查记录"
    )
    village = models.ForeignKey(Village, models.PROTECT, related_name="rectifications", verbose_name="村（社区）")
    project = models.ForeignKey(
        Project, models.PROTECT, null=True, blank=True, related_name="rectifications", verbose_name="项目"
    )
    finding = models.CharField("督查项", max_length=20, blank=True, choices=[(n, label) for n, label in CHECKS])
    problem = models.TextField("存在问题")
    owner = models.CharField("责任方", max_length=12, choices=Owner.choices)
    owner_department = models.ForeignKey(
        Department, models.PROTECT, null=True, blank=True, related_name="rectifications", verbose_name="责任部门"
    )
    deadline = models.DateField("整改期限")
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.OPEN)
    opened_by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name="提出人")
    opened_at = models.DateTimeField("提出时间", auto_now_add=True)
    closed_on = models.DateField("验收日期", null=True, blank=True)

    objects = RectificationQuerySet.as_manager()

    class Meta:
        ordering = ["deadline", "pk"]
        verbose_name = verbose_name_plural = "整改事项"
        indexes = [models.Index(fields=["status", "deadline"], name="rectification_status_deadline")]
        constraints = [
            models.CheckConstraint(
                condition=Q(owner="village", owner_department__isnull=True)
                | Q(owner="department", owner_department__isnull=False),
                name="rectification_owner_department_when_department",
            ),
            models.CheckConstraint(
                condition=~Q(status="verified") | Q(closed_on__isnull=False), name="rectification_verified_dated"
            ),
        ]

    def __str__(self):
        return f"整改 #{self.pk}"

    def is_overdue(self, today: date) -> bool:
        return self.status in (self.Status.OPEN, self.Status.REOPENED) and self.deadline < today


@track_history()
class RectificationStep(models.Model):
    class Action(models.TextChoices):
        OPENED = "opened", "提出"
        REPORTED = "reported", "报告整改完成"
        VERIFIED = "verified", "验收通过"
        REOPENED = "reopened", "退回重新整改"

    rectification = models.ForeignKey(Rectification, models.PROTECT, related_name="steps", verbose_name="整改事项")
    action = models.CharField("环节", max_length=10, choices=Action.choices)
    on = models.DateField("日期")
    note = models.TextField("说明", blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name="办理人")
    at = models.DateTimeField("记录时间", auto_now_add=True)

    class Meta:
        ordering = ["rectification_id", "pk"]
        verbose_name = verbose_name_plural = "整改经过"

    def __str__(self):
        return f"{self.get_action_display()} #{self.pk}"


class Answer(models.TextChoices):
    SATISFIED = "satisfied", "满意"
    BASICALLY = "basically", "基本满意"
    DISSATISFIED = "dissatisfied", "不满意"


class QuestionnaireQuerySet(models.QuerySet):
    def visible_to(self, user):
        return access.scope(user, self, village="village")


@track_history()
class Questionnaire(models.Model):
    """问卷调查 in one village on one day: each respondent's answer is a Response."""

    village = models.ForeignKey(Village, models.PROTECT, related_name="questionnaires", verbose_name="村（社区）")
    project = models.ForeignKey(
        Project, models.PROTECT, null=True, blank=True, related_name="questionnaires", verbose_name="项目"
    )
    held_on = models.DateField("调查日期")
    officer = models.ForeignKey(
        LiaisonOfficer, models.PROTECT, null=True, blank=True, related_name="questionnaires", verbose_name="联络员"
    )
    note = models.CharField("说明", max_length=200, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name="记录人")
    created_at = models.DateTimeField("记录时间", auto_now_add=True)

    objects = QuestionnaireQuerySet.as_manager()

    class Meta:
        ordering = ["-held_on", "-pk"]
        verbose_name = verbose_name_plural = "满意度问卷"
        indexes = [models.Index(fields=["village", "held_on"], name="questionnaire_village_date")]

    def __str__(self):
        return f"问卷 #{self.pk}"


@track_history()
class Response(models.Model):
    questionnaire = models.ForeignKey(Questionnaire, models.PROTECT, related_name="responses", verbose_name="问卷")
    respondent = models.CharField("受访人", max_length=30, blank=True)
    answer = models.CharField("评价", max_length=12, choices=Answer.choices)
    comment = models.CharField("意见建议", max_length=200, blank=True)

    class Meta:
        ordering = ["questionnaire_id", "pk"]
        verbose_name = verbose_name_plural = "问卷答卷"

    def __str__(self):
        return f"答卷 #{self.pk}"


def satisfaction_counts(responses) -> dict:
    """Counts per answer and the satisfaction rate: (满意 + 基本满意) ÷ all answers, in percent (None if none)."""
    counts = responses.aggregate(
        total=Count("pk"),
        satisfied=Count("pk", filter=Q(answer=Answer.SATISFIED)),
        basically=Count("pk", filter=Q(answer=Answer.BASICALLY)),
        dissatisfied=Count("pk", filter=Q(answer=Answer.DISSATISFIED)),
    )
    counts["rate"] = satisfaction_rate(counts["satisfied"] + counts["basically"], counts["total"])
    return counts


def satisfaction_rate(content: int, total: int) -> Decimal | None:
    if not total:
        return None
    return (Decimal(content) * 100 / Decimal(total)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def not_visited_since(villages, *, today: date, days: int = VISIT_GAP_DAYS):
    """Villages with no visit in the last `days` days (never visited included); a visit exactly `days` days ago
    still counts."""
    recent = Visit.objects.filter(visited_on__gte=today - timedelta(days=days), visited_on__lte=today)
    return villages.exclude(pk__in=recent.values("village_id"))

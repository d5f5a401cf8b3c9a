"""Village projects (筛选敲定帮扶项目), members placed in them, and the pairs: department ↔ village, cadre ↔ household.

At most two key projects (重点培植项目) per village and year: a key project holds slot 1 or 2, and the database refuses
a second project in the same slot, so the limit holds under concurrent requests too.
"""

from django.conf import settings
from django.contrib.postgres.expressions import ArraySubquery
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Q

from guanghan.models import Association, Cadre, Department, Industry, PartyBranch, Skill, Village, track_history
from members.models import Member

KEY_SLOTS = (1, 2)
CONTACT_EVERY_DAYS = 61  # 党员帮户: at least one contact every two months


class ProjectQuerySet(models.QuerySet):
    def key(self):
        return self.filter(is_key=True)

    def active(self):
        return self.exclude(status=Project.Status.DROPPED)


@track_history()
class Project(models.Model):
    class Status(models.TextChoices):
        RECOMMENDED = "recommended", "推荐"
        SELECTED = "selected", "敲定"
        RUNNING = "running", "实施中"
        COMPLETED = "completed", "完成"
        DROPPED = "dropped", "终止"

    TRANSITIONS = {
        Status.RECOMMENDED: {Status.SELECTED, Status.DROPPED},
        Status.SELECTED: {Status.RUNNING, Status.DROPPED},
        Status.RUNNING: {Status.COMPLETED, Status.DROPPED},
        Status.COMPLETED: set(),
        Status.DROPPED: set(),
    }

    village = models.ForeignKey(Village, models.PROTECT, related_name="projects", verbose_name="村（社区）")
    year = models.PositiveSmallIntegerField("年度")
    name = models.CharField("项目名称", max_length=80)
    industry = models.ForeignKey(Industry, models.PROTECT, related_name="projects", verbose_name="产业")
    product = models.CharField("特色产品（一村一品）", max_length=40, blank=True)
    branch = models.ForeignKey(
        PartyBranch, models.PROTECT, null=True, blank=True, related_name="projects", verbose_name="依托党支部"
    )
    association = models.ForeignKey(
        Association, models.PROTECT, null=True, blank=True, related_name="projects", verbose_name="依托协会"
    )
    maturity = models.PositiveSmallIntegerField("成熟度（1–5）", default=3, help_text="5 为最成熟。")
    expected_benefit = models.DecimalField("预期年增收（万元）", max_digits=12, decimal_places=2, default=0)
    description = models.TextField("项目说明", blank=True)
    status = models.CharField("状态", max_length=12, choices=Status.choices, default=Status.RECOMMENDED)
    is_key = models.BooleanField("重点培植项目", default=False)
    key_slot = models.PositiveSmallIntegerField("重点项目序号", null=True, blank=True, editable=False)
    is_demo_base = models.BooleanField("党员创业示范基地", default=False)
    for_residents = models.BooleanField("困难群众帮扶项目", default=False)
    department = models.ForeignKey(
        Department, models.PROTECT, null=True, blank=True, related_name="projects", verbose_name="帮扶部门"
    )
    started_on = models.DateField("开工日期", null=True, blank=True)
    finished_on = models.DateField("完成或终止日期", null=True, blank=True)
    drop_reason = models.TextField("终止原因", blank=True)
    recommended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+", verbose_name="推荐人"
    )
    created_at = models.DateTimeField("推荐时间", auto_now_add=True)

    objects = ProjectQuerySet.as_manager()

    class Meta:
        ordering = ["-year", "village_id", "-is_key", "name"]
        verbose_name = verbose_name_plural = "帮扶项目"
        indexes = [models.Index(fields=["village", "year"], name="project_village_year")]
        constraints = [
            models.UniqueConstraint(
                fields=["village", "year", "key_slot"],
                name="project_at_most_two_key_per_village_year",
                violation_error_message="该村本年度已有两个重点培植项目。",
            ),
            models.CheckConstraint(
                condition=Q(is_key=False, key_slot__isnull=True) | Q(is_key=True, key_slot__in=KEY_SLOTS),
                name="project_key_holds_a_slot",
            ),
            models.CheckConstraint(condition=Q(maturity__gte=1, maturity__lte=5), name="project_maturity_1_to_5"),
            models.CheckConstraint(condition=Q(expected_benefit__gte=0), name="project_benefit_not_negative"),
            models.CheckConstraint(condition=Q(year__gte=2000, year__lte=2100), name="project_year_plausible"),
            models.UniqueConstraint(fields=["village", "year", "name"], name="project_name_unique_in_village_year"),
        ]

    def __str__(self):
        return self.name

    def allowed_statuses(self) -> list[str]:
        return sorted(self.TRANSITIONS[self.Status(self.status)])


@track_history()
class Enrollment(models.Model):
    class Role(models.TextChoices):
        PARTICIPANT = "participant", "参与"
        LEADER = "leader", "带头人"
        WORKER = "worker", "务工"

    project = models.ForeignKey(Project, models.PROTECT, related_name="enrollments", verbose_name="项目")
    member = models.ForeignKey(Member, models.PROTECT, related_name="enrollments", verbose_name="对象")
    role = models.CharField("角色", max_length=12, choices=Role.choices, default=Role.PARTICIPANT)
    enrolled_on = models.DateField("纳入日期")
    left_on = models.DateField("退出日期", null=True, blank=True)
    outcome = models.TextField("成效", blank=True)
    income_gain = models.DecimalField("年增收（元）", max_digits=12, decimal_places=2, null=True, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+", verbose_name="办理人"
    )
    created_at = models.DateTimeField("记录时间", auto_now_add=True)

    class Meta:
        ordering = ["project_id", "member_id"]
        verbose_name = verbose_name_plural = "项目纳入"
        constraints = [
            models.UniqueConstraint(
                fields=["project", "member"],
                name="enrollment_once_per_project",
                violation_error_message="该对象已纳入这个项目。",
            ),
            models.CheckConstraint(
                condition=Q(left_on__isnull=True) | Q(left_on__gte=models.F("enrolled_on")),
                name="enrollment_left_after_enrolled",
            ),
        ]

    def __str__(self):
        return f"项目纳入 #{self.pk}"


@track_history()
class VillagePairing(models.Model):
    """部门帮村: a department helps a village in a year."""

    department = models.ForeignKey(Department, models.PROTECT, related_name="village_pairings", verbose_name="部门")
    village = models.ForeignKey(Village, models.PROTECT, related_name="pairings", verbose_name="村（社区）")
    year = models.PositiveSmallIntegerField("年度")
    started_on = models.DateField("结对日期")
    ended_on = models.DateField("结束日期", null=True, blank=True)

    class Meta:
        ordering = ["-year", "department_id", "village_id"]
        verbose_name = verbose_name_plural = "部门帮村"
        constraints = [
            models.UniqueConstraint(
                fields=["department", "village", "year"],
                name="village_pairing_once_a_year",
                violation_error_message="该部门本年度已与这个村结对。",
            )
        ]

    def __str__(self):
        return f"部门帮村 {self.year}"


@track_history()
class HouseholdPairing(models.Model):
    """党员帮户: a cadre helps a member's household. A hand-over ends the pair and opens a new one."""

    cadre = models.ForeignKey(Cadre, models.PROTECT, related_name="household_pairings", verbose_name="帮扶干部")
    member = models.ForeignKey(Member, models.PROTECT, related_name="household_pairings", verbose_name="帮扶对象")
    started_on = models.DateField("结对日期")
    ended_on = models.DateField("结束日期", null=True, blank=True)
    end_reason = models.CharField("结束原因", max_length=100, blank=True)

    class Meta:
        ordering = ["-started_on", "pk"]
        verbose_name = verbose_name_plural = "党员帮户"
        constraints = [
            models.UniqueConstraint(
                fields=["member"],
                condition=Q(ended_on__isnull=True),
                name="household_pairing_one_active_per_member",
                violation_error_message="该对象已有结对帮扶干部，请先办理交接。",
            ),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=models.F("started_on")),
                name="household_pairing_ends_after_start",
            ),
        ]

    def __str__(self):
        return f"党员帮户 #{self.pk}"


@track_history()
class HouseholdContact(models.Model):
    """The cadre's duty in 党员帮户: contact the household at least every two months, by visit or phone."""

    class Kind(models.TextChoices):
        VISIT = "visit", "入户走访"
        PHONE = "phone", "电话联系"

    pairing = models.ForeignKey(HouseholdPairing, models.PROTECT, related_name="contacts", verbose_name="结对")
    contacted_on = models.DateField("联系日期")
    kind = models.CharField("方式", max_length=8, choices=Kind.choices, default=Kind.VISIT)
    summary = models.TextField("做了什么")
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+", verbose_name="记录人"
    )
    created_at = models.DateTimeField("记录时间", auto_now_add=True)

    class Meta:
        ordering = ["-contacted_on", "-pk"]
        verbose_name = verbose_name_plural = "帮户联系记录"
        indexes = [models.Index(fields=["pairing", "-contacted_on"], name="contact_pairing_date")]

    def __str__(self):
        return f"联系记录 {self.contacted_on:%Y-%m-%d}"


# Trainings (培训班、专家讲座) and the market-economy advisory group (市场经济顾问组) ----------------------------


@track_history()
class Training(models.Model):
    """A class or an expert lecture teaching practical skills. A city-wide one has no town."""

    class Kind(models.TextChoices):
        CLASS = "class", "培训班"
        LECTURE = "lecture", "专家讲座"

    kind = models.CharField("形式", max_length=8, choices=Kind.choices, default=Kind.CLASS)
    title = models.CharField("培训名称", max_length=80)
    held_on = models.DateField("举办日期")
    place = models.CharField("地点", max_length=80, blank=True)
    town = models.ForeignKey(
        "guanghan.Town",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="trainings",
        verbose_name="乡镇",
        help_text="全市性的培训或讲座不填。",
    )
    trainer = models.CharField("授课人", max_length=60, blank=True)
    department = models.ForeignKey(
        Department, models.PROTECT, null=True, blank=True, related_name="trainings", verbose_name="主办部门"
    )
    skills = models.ManyToManyField("guanghan.Skill", related_name="trainings", verbose_name="所教技能")
    project = models.ForeignKey(
        Project, models.PROTECT, null=True, blank=True, related_name="trainings", verbose_name="相关项目"
    )
    notes = models.TextField("备注", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+", verbose_name="录入人"
    )
    created_at = models.DateTimeField("录入时间", auto_now_add=True)

    class Meta:
        ordering = ["-held_on", "-pk"]
        verbose_name = verbose_name_plural = "培训"
        indexes = [models.Index(fields=["town", "held_on"], name="training_town_date")]
        constraints = [
            models.CheckConstraint(condition=Q(held_on__year__gte=2000), name="training_date_plausible"),
            models.UniqueConstraint(
                fields=["town", "held_on", "title"],
                name="training_once_a_day",
                violation_error_message="该乡镇当天已登记同名的培训。",
            ),
        ]

    def __str__(self):
        return self.title

    def record_attendance(self, *, members: set[int], attended: set[int], passed: set[int]) -> tuple[int, int]:
        """Set who of `members` attended and who passed; members left unticked are taken off the list.

        `passed` implies attended. Only the rows for `members` (the page the user saw) change, in one transaction.
        Answers the training's totals (attended, passed) afterwards.
        """

        attended = (attended | passed) & members
        with transaction.atomic():
            Attendance.objects.bulk_create(
                [Attendance(training=self, member_id=pk, passed=pk in passed) for pk in sorted(attended)],
                update_conflicts=True,
                unique_fields=["training", "member"],
                update_fields=["passed"],
            )
            self.attendances.filter(member_id__in=members - attended).delete()
        totals = self.attendances.aggregate(
            attended=models.Count("pk"), passed=models.Count("pk", filter=Q(passed=True))
        )
        return totals["attended"], totals["passed"]

    record_attendance.alters_data = True


@track_history()
class Attendance(models.Model):
    """A member at a training; `passed` means they mastered the skills it taught (掌握)."""

    training = models.ForeignKey(Training, models.PROTECT, related_name="attendances", verbose_name="培训")
    member = models.ForeignKey(Member, models.PROTECT, related_name="attendances", verbose_name="学员")
    passed = models.BooleanField("掌握", default=False, help_text="学员已掌握本次培训所教的技能。")
    remark = models.CharField("备注", max_length=100, blank=True)

    class Meta:
        ordering = ["training_id", "member_id"]
        verbose_name = verbose_name_plural = "培训参加情况"
        indexes = [models.Index(fields=["member", "passed"], name="attendance_member_passed")]
        constraints = [
            models.UniqueConstraint(
                fields=["training", "member"],
                name="attendance_once_per_training",
                violation_error_message="该学员已登记参加这次培训。",
            )
        ]

    def __str__(self):
        return f"参加培训 #{self.pk}"


def practical_skills(member) -> models.QuerySet:
    """The skills a member masters (实用技术): their own, and those taught by trainings they attended and passed.

    `member` is a Member, its pk, or an OuterRef to one (as in `members_with_skill_count`).
    """

    member_id = member.pk if isinstance(member, Member) else member
    own = Member.objects.filter(pk=member_id).values(item=models.Func("skill_ids", function="unnest"))
    learned = Attendance.objects.filter(member_id=member_id, passed=True).values("training__skills")
    return Skill.objects.filter(Q(pk__in=own) | Q(pk__in=learned))


def members_with_skill_count(queryset, *, with_names: bool = False):
    """Annotate `skill_count` (and, with `with_names`, `skill_names`: a list) on a Member queryset.

    Both are correlated subqueries over the union of a member's own and learned skills, so the database does the
    counting: the number of queries stays the same whatever the number of rows, and `skill_count` can be filtered on.
    """

    skills = practical_skills(models.OuterRef(models.OuterRef("pk"))).order_by()
    queryset = queryset.annotate(
        skill_count=models.Subquery(skills.annotate(n=models.Func("pk", function="COUNT")).values("n")[:1]),
    )
    if with_names:
        queryset = queryset.annotate(skill_names=ArraySubquery(skills.order_by("order", "code").values("name")))
    return queryset


ADVISORY_ONLY = "只有市场经济顾问组的成员部门（商务、经信、农业、畜牧、粮食、水利等）可以提供咨询意见。"


@track_history()
class Consultation(models.Model):
    """Advice given to a project by an advisory department (市场经济顾问组), and how it was followed up."""

    class Kind(models.TextChoices):
        MARKET = "market", "市场"
        TECHNOLOGY = "technology", "技术"
        POLICY = "policy", "政策"

    class Stage(models.TextChoices):
        PRE = "pre", "产前"
        DURING = "during", "产中"
        POST = "post", "产后"

    project = models.ForeignKey(Project, models.PROTECT, related_name="consultations", verbose_name="项目")
    department = models.ForeignKey(
        Department,
        models.PROTECT,
        related_name="consultations",
        verbose_name="顾问部门",
    )
    kind = models.CharField("信息类别", max_length=12, choices=Kind.choices)
    stage = models.CharField("环节", max_length=8, choices=Stage.choices)
    consulted_on = models.DateField("咨询日期")
    advice = models.TextField("意见和信息")
    follow_up = models.TextField("跟踪落实情况", blank=True)
    followed_up_on = models.DateField("跟踪日期", null=True, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+", verbose_name="记录人"
    )
    created_at = models.DateTimeField("记录时间", auto_now_add=True)

    class Meta:
        ordering = ["-consulted_on", "-pk"]
        verbose_name = verbose_name_plural = "顾问组咨询"
        indexes = [
            models.Index(fields=["project", "-consulted_on"], name="consultation_project_date"),
            models.Index(fields=["department", "-consulted_on"], name="consultation_department_date"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(follow_up="", followed_up_on__isnull=True)
                | (~Q(follow_up="") & Q(followed_up_on__isnull=False)),
                name="consultation_follow_up_dated",
                violation_error_message="跟踪落实情况和跟踪日期要一起填写。",
            ),
            models.CheckConstraint(
                condition=Q(followed_up_on__isnull=True) | Q(followed_up_on__gte=models.F("consulted_on")),
                name="consultation_follow_up_after_advice",
                violation_error_message="跟踪日期不能早于咨询日期。",
            ),
        ]

    def __str__(self):
        return f"顾问组咨询 {self.consulted_on:%Y-%m-%d}"

    def clean(self):

        if self.department_id and not Department.objects.filter(pk=self.department_id, is_advisory=True).exists():
            raise ValidationError({"department": ADVISORY_ONLY})


def unpaired(members):
    """The members no cadre is paired with now."""
    return members.exclude(pk__in=HouseholdPairing.objects.filter(ended_on__isnull=True).values("member_id"))


def unenrolled(members):
    """The members in no project now."""
    return members.exclude(pk__in=Enrollment.objects.filter(left_on__isnull=True).values("member_id"))

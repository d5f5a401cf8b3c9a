"""The registry of members in difficulty (困难党员动态信息库), extended to residents (困难群众).

A member's own row holds its current state; every 摸底调查 is a Survey, every change of status a StatusChange, and
the national lifting-out procedure (民主评议 → 核实 → 公示 → 销号) a Lifting. Nothing is ever deleted.
"""

from datetime import date, timedelta

import pghistory
import pgtrigger
from django.apps import apps
from django.conf import settings
from django.db import models
from django.db.models import Count, F, Q

from guanghan.models import (
    NEVER_DELETED,
    Industry,
    LookupIds,
    PartyBranch,
    PovertyCause,
    Skill,
    Village,
    lookup_ids_trigger,
    phone_validator,
    track,
    track_history,
    written_by_triggers_only,
)

AGE_BANDS = ("<=45", "46-59", ">=60")
NOTICE_MIN_DAYS = 5  # 公示 runs at least five days, first and last included


def years_before(day: date, years: int) -> date:
    """The same calendar day `years` earlier (29 February falls back to the 28th)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def age_band_bounds(on: date) -> dict[str, Q]:
    """Q filters on birth_date for each age band at `on` (≤45, 46–59, ≥60 full years): index-friendly ranges."""
    born_46 = years_before(on, 46)  # born on or before this day: 46 or older
    born_60 = years_before(on, 60)
    return {
        "<=45": Q(birth_date__gt=born_46),
        "46-59": Q(birth_date__lte=born_46, birth_date__gt=born_60),
        ">=60": Q(birth_date__lte=born_60),
    }


def lifted_between(since: date | None, until: date | None) -> Q:
    """Members (as a condition on Member) whose lifting was closed between the two days; None leaves an end open."""
    return Q(pk__in=Lifting.objects.closed_between(since, until).values("member"))


def brought_along(until: date) -> Q:
    """带动: placed in a project or lifted out by the end of `until`."""
    enrollments = apps.get_model("projects", "Enrollment").objects.filter(enrolled_on__lte=until)
    return Q(pk__in=enrollments.values("member")) | lifted_between(None, until)


class MemberQuerySet(models.QuerySet):
    def in_registry(self, on: date | None = None):
        """Registered by `on` and not removed (as of `on`, from the status history, when a date is given)."""
        if on is None:
            return self.exclude(status=Member.Status.REMOVED)
        removed_by = StatusChange.objects.filter(
            member=models.OuterRef("pk"), to_status=Member.Status.REMOVED, changed_on__lte=on
        )
        return self.filter(registered_on__lte=on).exclude(models.Exists(removed_by))

    def needing_help(self):
        """Registered, being helped or fallen back: the people work lists are about (not lifted, not removed)."""
        return self.filter(status__in=[Member.Status.REGISTERED, Member.Status.ASSISTED, Member.Status.RETURNED])

    def in_age_band(self, band: str, on: date):
        return self.filter(age_band_bounds(on)[band])

    def with_status_on(self, on: date):
        """Annotates status_on: the status the member had at the end of `on`."""
        latest = StatusChange.objects.filter(member=models.OuterRef("pk"), changed_on__lte=on).order_by(
            "-changed_on", "-pk"
        )
        return self.annotate(
            status_on=models.functions.Coalesce(
                models.Subquery(latest.values("to_status")[:1]), models.Value(Member.Status.REGISTERED)
            )
        )

    def lifted_between(self, since: date | None, until: date | None):
        """Members whose lifting out was closed (销号) between the two days, both included (either may be open)."""
        return self.filter(lifted_between(since, until))

    def brought_along(self, until: date):
        """带动: members placed in a project or lifted out by the end of `until` (the seed's 7,000+ residents)."""
        return self.filter(brought_along(until))

    def search(self, text: str):
        text = text.strip()
        if not text:
            return self
        if text[:1].isdigit():
            return self.filter(Q(id_number__startswith=text.upper()) | Q(phone__startswith=text))
        return self.filter(name__contains=text)


# The member's three lists (the form's field → the column keeping them, in the member's row and in each survey's, in the
# roster's order) and the lookup table each column's ids are rows of.
LISTS = {"other_causes": "other_cause_ids", "skills": "skill_ids", "aspirations": "aspiration_ids"}
LIST_LOOKUPS = {
    "other_cause_ids": "guanghan_povertycause",
    "skill_ids": "guanghan_skill",
    "aspiration_ids": "guanghan_industry",
}


# The lists the registry statistics count, kept in MemberListTally.
TALLIED = ("skill_ids", "aspiration_ids")


def _tally_sql(rows: str) -> str:
    """Add each of `rows`' (the TALLIED lists, d: +1 or -1) items to MemberListTally, in one statement, in key order
    (two writers tallying at once lock the same rows in the same order)."""
    lists = ", ".join(f"('{column}', r.{column})" for column in TALLIED)
    return f"""
        INSERT INTO members_memberlisttally AS t (list, item, members)
        SELECT l.list, i.item, SUM(r.d) FROM ({rows}) r
         CROSS JOIN LATERAL (VALUES {lists}) AS l (list, items) CROSS JOIN LATERAL unnest(l.items) AS i (item)
         GROUP BY 1, 2 HAVING SUM(r.d) <> 0 ORDER BY 1, 2
        ON CONFLICT (list, item) DO UPDATE SET members = t.members + EXCLUDED.members;
        RETURN NULL;"""


def lists_tallied() -> list:
    """Statement-level triggers keeping MemberListTally (members not 退出): a COPY of 10,000 members adds to its few
    dozen rows in one statement."""
    columns = ", ".join(TALLIED)
    new = f"SELECT {columns}, 1 AS d FROM new_rows WHERE status <> 'removed'"
    old = f"SELECT {columns}, -1 AS d FROM old_rows WHERE status <> 'removed'"
    return [
        pgtrigger.Trigger(
            name="lists_tallied_insert",
            level=pgtrigger.Statement,
            when=pgtrigger.After,
            operation=pgtrigger.Insert,
            referencing=pgtrigger.Referencing(new="new_rows"),
            func=_tally_sql(new),
        ),
        pgtrigger.Trigger(
            name="lists_tallied_update",
            level=pgtrigger.Statement,
            when=pgtrigger.After,
            operation=pgtrigger.Update,
            referencing=pgtrigger.Referencing(old="old_rows", new="new_rows"),
            func=_tally_sql(f"{new} UNION ALL {old}"),
        ),
    ]


def lists_known() -> list:
    """Triggers refusing list ids that are no lookup's (once per statement: a roster import COPYs 10,000 rows)."""
    return [
        lookup_ids_trigger(f"lists_known_{operation}", getattr(pgtrigger, operation.title()), LIST_LOOKUPS)
        for operation in ("insert", "update")
    ]


@track_history()
class Member(models.Model):
    class Category(models.TextChoices):
        PARTY = "party", "困难党员"
        RESIDENT = "resident", "困难群众"

    class Gender(models.TextChoices):
        MALE = "male", "男"
        FEMALE = "female", "女"

    class Area(models.TextChoices):
        RURAL = "rural", "农村"
        URBAN = "urban", "城镇"

    class Allowance(models.TextChoices):
        NONE = "none", "无"
        RURAL_DIBAO = "rural_dibao", "农村低保"
        URBAN_DIBAO = "urban_dibao", "城市低保"
        TEKUN = "tekun", "特困供养"

    class Health(models.TextChoices):
        HEALTHY = "healthy", "健康"
        CHRONIC = "chronic", "长期慢性病"
        SERIOUS = "serious", "患有大病"
        DISABLED = "disabled", "残疾"

    class Labour(models.TextChoices):
        SKILLED = "skilled", "技能劳动力"
        NORMAL = "normal", "普通劳动力"
        WEAK = "weak", "弱劳动力或半劳动力"
        NONE = "none", "丧失劳动力"

    class Status(models.TextChoices):
        REGISTERED = "registered", "在册"
        ASSISTED = "assisted", "帮扶中"
        LIFTED = "lifted", "已脱贫"
        RETURNED = "returned", "返贫"
        REMOVED = "removed", "退出"

    class RemovalReason(models.TextChoices):
        DECEASED = "deceased", "死亡"
        MOVED = "moved", "迁出"
        INELIGIBLE = "ineligible", "不再符合条件"
        OTHER = "other", "其他"

    # Which status may follow which; lifting out only through the Lifting procedure's last step (销号).
    TRANSITIONS = {
        Status.REGISTERED: {Status.ASSISTED, Status.REMOVED},
        Status.ASSISTED: {Status.REMOVED},
        Status.LIFTED: {Status.RETURNED, Status.REMOVED},
        Status.RETURNED: {Status.ASSISTED, Status.REMOVED},
        Status.REMOVED: set(),
    }

    category = models.CharField("类别", max_length=10, choices=Category.choices, default=Category.PARTY)
    name = models.CharField("姓名", max_length=30)
    id_number = models.CharField("身份证号", max_length=18, unique=True)
    gender = models.CharField("性别", max_length=6, choices=Gender.choices)
    birth_date = models.DateField("出生日期")
    ethnicity = models.CharField("民族", max_length=20, default="汉族")
    phone = models.CharField("联系电话", max_length=20, blank=True, validators=[phone_validator])
    village = models.ForeignKey(
        Village, models.PROTECT, related_name="members", verbose_name="村（社区）", db_index=False
    )  # member_village_status serves it
    area = models.CharField("城乡", max_length=6, choices=Area.choices, default=Area.RURAL)
    household_size = models.PositiveSmallIntegerField("家庭人口", default=1)
    income_per_capita = models.DecimalField("家庭年人均收入（元）", max_digits=14, decimal_places=2, default=0)
    allowance = models.CharField("低保类型", max_length=12, choices=Allowance.choices, default=Allowance.NONE)
    health = models.CharField("健康状况", max_length=10, choices=Health.choices, default=Health.HEALTHY)
    labour_capacity = models.CharField("劳动能力", max_length=10, choices=Labour.choices, default=Labour.NORMAL)
    main_cause = models.ForeignKey(
        PovertyCause, models.PROTECT, null=True, blank=True, related_name="main_members", verbose_name="主要致贫原因"
    )
    # The lists of the latest survey, in the member's own row as a survey keeps its own (sorted lookup ids, checked by
    # the triggers below). Until migration 0016 they were link tables (MemberSkill …), whose events stay readable.
    other_cause_ids = LookupIds("guanghan.PovertyCause", verbose_name="其他致贫原因")
    skill_ids = LookupIds("guanghan.Skill", verbose_name="生存技能")
    aspiration_ids = LookupIds("guanghan.Industry", verbose_name="致富愿景")
    living_conditions = models.TextField("生活状况", blank=True)
    production_conditions = models.TextField("生产状况", blank=True)
    branch = models.ForeignKey(
        PartyBranch, models.PROTECT, null=True, blank=True, related_name="members", verbose_name="所在党支部"
    )
    joined_party_on = models.DateField("入党时间", null=True, blank=True)
    registered_on = models.DateField("登记日期", default=date.today)
    status = models.CharField("状态", max_length=12, choices=Status.choices, default=Status.REGISTERED)
    removal_reason = models.CharField("退出原因", max_length=12, choices=RemovalReason.choices, blank=True, default="")
    notes = models.TextField("备注", blank=True)
    import_batch = models.ForeignKey(
        "ImportBatch", models.PROTECT, null=True, blank=True, related_name="members", verbose_name="最近导入批次"
    )
    created_at = models.DateTimeField("录入时间", auto_now_add=True)
    updated_at = models.DateTimeField("修改时间", auto_now=True)
    # Optimistic locking: every write of what the edit form shows moves it on (the form, surveys, the roster import,
    # the admin), so an edit form opened before such a write is refused instead of overwriting it.
    version = models.PositiveIntegerField("版本", default=1, editable=False)

    objects = MemberQuerySet.as_manager()

    class Meta:
        ordering = ["village_id", "name", "pk"]
        verbose_name = verbose_name_plural = "困难党员（群众）"
        indexes = [
            # Covering the registry statistics' pass (members/stats.py): an index-only scan reads these columns
            # instead of the whole, wide member rows (at a million members 0.99 s → 0.66 s, docs/benchmarks.md).
            models.Index(
                fields=["village", "status"],
                name="member_village_status",
                include=["main_cause", "category", "area", "birth_date", "registered_on", "id"],
            ),
            models.Index(fields=["name"], name="member_name"),
            models.Index(fields=["birth_date"], name="member_birth_date"),
            models.Index(fields=["category", "status"], name="member_category_status"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(id_number__regex=r"^\d{17}[\dX]$"), name="member_id_number_shape"),
            models.CheckConstraint(condition=Q(household_size__gte=1), name="member_household_at_least_one"),
            models.CheckConstraint(condition=Q(income_per_capita__gte=0), name="member_income_not_negative"),
            models.CheckConstraint(
                condition=Q(category="party") | Q(branch__isnull=True, joined_party_on__isnull=True),
                name="member_party_fields_for_party_members",
            ),
            models.CheckConstraint(
                condition=Q(status="removed") | Q(removal_reason=""), name="member_removal_reason_only_when_removed"
            ),
        ]
        triggers = [
            NEVER_DELETED,  # a member leaves by its status (退出); surveys and events refer to it
            *lists_known(),
            *lists_tallied(),
        ]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        """A full save of an existing member (the admin's) is an edit like the form's: it moves the version on.
        Saves that name their fields (the services) set the version themselves when they change what the form shows."""
        if self._state.adding or kwargs.get("update_fields") is not None:
            return super().save(*args, **kwargs)
        self.version = F("version") + 1
        super().save(*args, **kwargs)
        self.refresh_from_db(fields=["version"])

    save.alters_data = True

    def age_on(self, day: date) -> int:
        return day.year - self.birth_date.year - ((day.month, day.day) < (self.birth_date.month, self.birth_date.day))

    def age_band_on(self, day: date) -> str:
        age = self.age_on(day)
        return "<=45" if age <= 45 else "46-59" if age <= 59 else ">=60"

    def allowed_statuses(self) -> list[str]:
        return sorted(self.TRANSITIONS[self.Status(self.status)])


# The members' lists were link tables until migration 0016 moved them into the member's row: a roster import wrote
# 35,000 link rows per 10,000 members, a third of its write (docs/benchmarks.md). The tables are kept, empty and
# refusing every write, because their events are the lists' history until then: each link added or removed, by whom.
FROZEN = pgtrigger.Protect(name="frozen", operation=pgtrigger.Insert | pgtrigger.Update | pgtrigger.Delete)


def track_links(name: str):
    """The events of a former link table (a skill, aspiration or other cause added to or removed from a member).

    The events are read by member (the member's page, the auditor's trail, which names them by the member), never by
    the link row's own id, so that column is not indexed.
    """
    tracker = track(
        pghistory.InsertEvent("add"),
        pghistory.DeleteEvent("remove"),
        obj_field=pghistory.ObjForeignKey(related_name="events", db_constraint=False, db_index=False),
        model_name=name,
        indexed=("member",),
    )

    def decorate(model):
        model.trail_record = "member_id"  # administration.trail: the record an event belongs to
        return tracker(model)

    return decorate


class FormerLink(models.Model):
    """A row of a former link table (see FROZEN): no longer written, the anchor of its events."""

    member = models.ForeignKey(
        Member, models.DO_NOTHING, related_name="+", db_index=False, db_constraint=False, verbose_name="对象"
    )
    LIST = ITEM = ""  # the member's column that holds these links now; the link's column of the item

    class Meta:
        abstract = True

    def __str__(self):
        return f"{self.member_id}:{self.item_id}"

    @property
    def item_id(self):
        return getattr(self, self.ITEM)


@track_links("MemberSkillEvent")
class MemberSkill(FormerLink):
    skill = models.ForeignKey(Skill, models.DO_NOTHING, related_name="+", db_constraint=False, verbose_name="生存技能")
    LIST, ITEM = "skill_ids", "skill_id"

    class Meta:
        db_table = "members_member_skills"
        verbose_name = verbose_name_plural = "对象的生存技能（2026-11 前）"
        constraints = [models.UniqueConstraint(fields=["member", "skill"], name="member_skill_once")]
        triggers = [FROZEN]


@track_links("MemberAspirationEvent")
class MemberAspiration(FormerLink):
    industry = models.ForeignKey(
        Industry, models.DO_NOTHING, related_name="+", db_constraint=False, verbose_name="致富愿景"
    )
    LIST, ITEM = "aspiration_ids", "industry_id"

    class Meta:
        db_table = "members_member_aspirations"
        verbose_name = verbose_name_plural = "对象的致富愿景（2026-11 前）"
        constraints = [models.UniqueConstraint(fields=["member", "industry"], name="member_aspiration_once")]
        triggers = [FROZEN]


@track_links("MemberOtherCauseEvent")
class MemberOtherCause(FormerLink):
    povertycause = models.ForeignKey(
        PovertyCause, models.DO_NOTHING, related_name="+", db_constraint=False, verbose_name="其他致贫原因"
    )
    LIST, ITEM = "other_cause_ids", "povertycause_id"

    class Meta:
        db_table = "members_member_other_causes"
        verbose_name = verbose_name_plural = "对象的其他致贫原因（2026-11 前）"
        constraints = [models.UniqueConstraint(fields=["member", "povertycause"], name="member_other_cause_once")]
        triggers = [FROZEN]


# The former link tables, in LISTS order.
FORMER_LINKS = (MemberOtherCause, MemberSkill, MemberAspiration)


@track_history()
class Survey(models.Model):
    """One 摸底调查: what was found on that day. The member's own fields carry the latest survey's values."""

    member = models.ForeignKey(
        Member, models.PROTECT, related_name="surveys", verbose_name="对象", db_index=False
    )  # survey_member_date serves it
    surveyed_on = models.DateField("调查日期")
    surveyor = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+", verbose_name="录入人"
    )
    surveyor_name = models.CharField("调查人", max_length=60, blank=True)
    household_size = models.PositiveSmallIntegerField("家庭人口")
    income_per_capita = models.DecimalField("家庭年人均收入（元）", max_digits=14, decimal_places=2)
    allowance = models.CharField("低保类型", max_length=12, choices=Member.Allowance.choices)
    health = models.CharField("健康状况", max_length=10, choices=Member.Health.choices)
    labour_capacity = models.CharField("劳动能力", max_length=10, choices=Member.Labour.choices)
    main_cause = models.ForeignKey(
        PovertyCause, models.PROTECT, null=True, blank=True, related_name="+", verbose_name="主要致贫原因"
    )
    # What the member's lists were that day, in the survey's own row (a snapshot, never edited alone): ids of lookups,
    # checked by the triggers below.
    other_cause_ids = LookupIds("guanghan.PovertyCause", verbose_name="其他致贫原因")
    skill_ids = LookupIds("guanghan.Skill", verbose_name="生存技能")
    aspiration_ids = LookupIds("guanghan.Industry", verbose_name="致富愿景")
    living_conditions = models.TextField("生活状况", blank=True)
    production_conditions = models.TextField("生产状况", blank=True)
    notes = models.TextField("备注", blank=True)
    import_batch = models.ForeignKey(
        "ImportBatch", models.PROTECT, null=True, blank=True, related_name="surveys", verbose_name="导入批次"
    )
    created_at = models.DateTimeField("录入时间", auto_now_add=True)

    class Meta:
        ordering = ["-surveyed_on", "-pk"]
        verbose_name = verbose_name_plural = "摸底调查"
        indexes = [models.Index(fields=["member", "-surveyed_on"], name="survey_member_date")]
        constraints = [
            models.CheckConstraint(condition=Q(household_size__gte=1), name="survey_household_at_least_one"),
            models.CheckConstraint(condition=Q(income_per_capita__gte=0), name="survey_income_not_negative"),
        ]
        triggers = lists_known()

    def __str__(self):
        return f"摸底调查 {self.surveyed_on:%Y-%m-%d}"


@track_history()
class StatusChange(models.Model):
    member = models.ForeignKey(Member, models.PROTECT, related_name="status_changes", verbose_name="对象")
    from_status = models.CharField("原状态", max_length=12, choices=Member.Status.choices)
    to_status = models.CharField("新状态", max_length=12, choices=Member.Status.choices)
    changed_on = models.DateField("变更日期")
    reason = models.TextField("原因")
    removal_reason = models.CharField(
        "退出原因", max_length=12, choices=Member.RemovalReason.choices, blank=True, default=""
    )
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+", verbose_name="操作人"
    )
    created_at = models.DateTimeField("记录时间", auto_now_add=True)

    class Meta:
        ordering = ["-changed_on", "-pk"]
        verbose_name = verbose_name_plural = "状态变更"
        indexes = [models.Index(fields=["member", "changed_on"], name="statuschange_member_date")]
        constraints = [
            models.CheckConstraint(condition=~Q(from_status=F("to_status")), name="statuschange_changes_status"),
        ]

    def __str__(self):
        return f"{self.get_from_status_display()} → {self.get_to_status_display()}"


class LiftingQuerySet(models.QuerySet):
    def closed_between(self, since: date | None, until: date | None):
        """Liftings closed (销号) between the two days, both included; None leaves that end open."""
        closed = self.filter(closed_on__isnull=False)
        if since:
            closed = closed.filter(closed_on__gte=since)
        if until:
            closed = closed.filter(closed_on__lte=until)
        return closed

    def open(self):
        return self.filter(closed_on__isnull=True, cancelled_on__isnull=True)

    def in_notice(self, on: date):
        return self.open().filter(notice_start__lte=on, notice_end__gte=on)


@track_history()
class Lifting(models.Model):
    """The national lifting-out procedure: 民主评议 → 核实 → 公示 (at least 5 days) → 销号, each step dated."""

    member = models.ForeignKey(Member, models.PROTECT, related_name="liftings", verbose_name="对象")
    assessed_on = models.DateField("民主评议日期")
    assessment_note = models.TextField("评议意见", blank=True)
    verified_on = models.DateField("核实日期", null=True, blank=True)
    verification_note = models.TextField("核实情况", blank=True)
    notice_start = models.DateField("公示开始", null=True, blank=True)
    notice_end = models.DateField("公示结束", null=True, blank=True)
    closed_on = models.DateField("销号日期", null=True, blank=True)
    cancelled_on = models.DateField("中止日期", null=True, blank=True)
    cancel_reason = models.TextField("中止原因", blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+", verbose_name="发起人"
    )
    created_at = models.DateTimeField("发起时间", auto_now_add=True)

    objects = LiftingQuerySet.as_manager()

    class Meta:
        ordering = ["-assessed_on", "-pk"]
        verbose_name = verbose_name_plural = "脱贫销号程序"
        constraints = [
            models.UniqueConstraint(
                fields=["member"],
                condition=Q(closed_on__isnull=True, cancelled_on__isnull=True),
                name="lifting_one_open_per_member",
                violation_error_message="该对象已有一个正在进行的脱贫销号程序。",
            ),
            models.CheckConstraint(
                condition=Q(verified_on__isnull=True) | Q(verified_on__gte=F("assessed_on")),
                name="lifting_verified_after_assessment",
            ),
            models.CheckConstraint(
                condition=Q(notice_start__isnull=True)
                | Q(verified_on__isnull=False, notice_start__gte=F("verified_on")),
                name="lifting_notice_after_verification",
            ),
            models.CheckConstraint(
                condition=Q(notice_start__isnull=True, notice_end__isnull=True)
                | Q(notice_end__gte=F("notice_start") + timedelta(days=NOTICE_MIN_DAYS - 1)),
                name="lifting_notice_at_least_five_days",
            ),
            models.CheckConstraint(
                condition=Q(closed_on__isnull=True) | Q(notice_end__isnull=False, closed_on__gt=F("notice_end")),
                name="lifting_closed_after_notice",
            ),
        ]

    def __str__(self):
        return f"脱贫销号程序（{self.assessed_on:%Y-%m-%d}）"

    @property
    def step(self) -> str:
        if self.cancelled_on:
            return "cancelled"
        if self.closed_on:
            return "closed"
        if self.notice_start:
            return "notice"
        if self.verified_on:
            return "verified"
        return "assessed"


class MemberListTally(models.Model):
    """How many members of the registry (not 退出) hold each skill and each aspiration (TALLIED): a few dozen rows.

    Kept by statement-level triggers on Member (lists_tallied; written only by them: a direct write is refused). The
    registry statistics of today for the whole city, unfiltered, read these rows instead of every member's lists
    (members/stats.py; at a million members 0.5 s → 1 ms, docs/benchmarks.md). A write of members' lists holds the
    rows of its items until it commits: a list edited during a roster import waits for the import.
    """

    list = models.CharField("名单", max_length=16, choices=[("skill_ids", "生存技能"), ("aspiration_ids", "致富愿景")])
    item = models.BigIntegerField("技能或产业编号")
    members = models.IntegerField("人数")

    class Meta:
        ordering = ["list", "item"]
        verbose_name = verbose_name_plural = "名单人数汇总"
        # No CHECK (members >= 0): PostgreSQL checks the row an INSERT … ON CONFLICT proposes before it finds the
        # conflict, and a member's list losing an item proposes -1 for a row that exists (tests/members/
        # test_list_tally.py recounts the tally after every way of writing members).
        constraints = [models.UniqueConstraint(fields=["list", "item"], name="member_list_tally_unique")]
        triggers = [
            written_by_triggers_only(
                "tally_by_trigger_only", "名单人数汇总由对象表的触发器维护，不能直接修改", level=pgtrigger.Statement
            )
        ]

    def __str__(self):
        return f"{self.list} {self.item}: {self.members}"


class ImportBatch(models.Model):
    """One roster file: who brought it, when, its hash, and what it did."""

    class Status(models.TextChoices):
        PREVIEWED = "previewed", "已预览"
        IMPORTED = "imported", "已导入"
        REJECTED = "rejected", "有错误未导入"

    file_name = models.CharField("文件名", max_length=255)
    sha256 = models.CharField("文件摘要", max_length=64, db_index=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+", verbose_name="导入人"
    )
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.PREVIEWED)
    rows_total = models.PositiveIntegerField("数据行数", default=0)
    created_count = models.PositiveIntegerField("新增", default=0)
    updated_count = models.PositiveIntegerField("更新", default=0)
    unchanged_count = models.PositiveIntegerField("无变化", default=0)
    error_count = models.PositiveIntegerField("错误", default=0)
    created_at = models.DateTimeField("上传时间", auto_now_add=True)
    imported_at = models.DateTimeField("导入时间", null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = verbose_name_plural = "花名册导入批次"

    def __str__(self):
        return self.file_name


def count_by(queryset, field: str) -> dict:
    """{value: count} for one field, computed in the database."""
    return {row[field]: row["n"] for row in queryset.order_by().values(field).annotate(n=Count("pk"))}

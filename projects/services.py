"""Project operations that must hold under concurrent requests or write several rows."""

from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Case, F, Max, Q, Value, When

from guanghan.models import CountIn, IsIn, Skill
from members.models import Member
from projects.models import CONTACT_EVERY_DAYS, KEY_SLOTS, Enrollment, HouseholdPairing, Project


@transaction.atomic
def project_select(*, project: Project) -> Project:
    """敲定: make the project one of its village's key projects for the year (at most two).

    Locks the village's projects of that year so two staff selecting at once queue; the unique (village, year,
    key_slot) constraint is the last guard should anything else write in between.
    """
    siblings = list(
        Project.objects.select_for_update().filter(village_id=project.village_id, year=project.year).order_by("pk")
    )
    project = next(p for p in siblings if p.pk == project.pk)
    if project.status != Project.Status.RECOMMENDED:
        raise ValidationError(f"该项目当前为“{project.get_status_display()}”，只有推荐中的项目可以敲定。")
    taken = {p.key_slot for p in siblings if p.key_slot}
    free = [slot for slot in KEY_SLOTS if slot not in taken]
    if not free:
        names = "、".join(p.name for p in siblings if p.is_key)
        raise ValidationError(f"{project.year} 年该村已有两个重点培植项目（{names}），每村每年最多两个。")
    project.is_key, project.key_slot, project.status = True, free[0], Project.Status.SELECTED
    try:
        with transaction.atomic():
            project.save(update_fields=["is_key", "key_slot", "status"])
    except IntegrityError:
        raise ValidationError("该村本年度已有两个重点培植项目，每村每年最多两个。") from None
    return project


@transaction.atomic
def project_move(*, project: Project, to_status: str, on: date, reason: str = "") -> Project:
    """Start, complete or drop a project. A dropped key project gives its slot back."""
    project = Project.objects.select_for_update().get(pk=project.pk)
    if to_status not in project.TRANSITIONS[project.status]:
        raise ValidationError(
            f"项目当前为“{project.get_status_display()}”，不能改为“{Project.Status(to_status).label}”。"
        )
    project.status = to_status
    if to_status == Project.Status.RUNNING:
        project.started_on = on
    else:
        project.finished_on = on
    if to_status == Project.Status.DROPPED:
        project.drop_reason = reason
        project.is_key, project.key_slot = False, None
    project.save()
    return project


def suggestions(project: Project, *, among=None, limit: int = 30):
    """Members who fit the project, best first: same village before same town, an aspiration for the project's
    industry, then the number of their skills that serve it. Members already in the project are left out."""
    members = Member.objects.all() if among is None else Member.objects.filter(pk__in=among)
    serving = Skill.objects.filter(industry_id=project.industry_id).values_list("pk", flat=True)
    return (
        members.filter(village__town_id=project.village.town_id)
        .exclude(status__in=[Member.Status.REMOVED])
        .exclude(enrollments__project=project)
        .annotate(
            same_village=Case(When(village_id=project.village_id, then=Value(1)), default=Value(0)),
            aspires=IsIn(Value(project.industry_id), F("aspiration_ids")),
            fitting_skills=CountIn("skill_ids", serving),
        )
        .filter(Q(aspires=True) | Q(fitting_skills__gt=0))
        .select_related("village")
        .order_by("-same_village", "-aspires", "-fitting_skills", "name", "pk")[:limit]
    )


def enroll(*, project: Project, member: Member, on: date, role: str, by) -> Enrollment:
    if project.status in (Project.Status.COMPLETED, Project.Status.DROPPED):
        raise ValidationError("已完成或终止的项目不能再纳入对象。")
    if member.village.town_id != project.village.town_id:
        raise ValidationError("只能纳入本乡镇的对象。")
    try:
        with transaction.atomic():
            return Enrollment.objects.create(project=project, member=member, enrolled_on=on, role=role, by=by)
    except IntegrityError:
        raise ValidationError(f"{member.name} 已纳入该项目。") from None


def pairing_overdue(pairings, *, today: date):
    """Active household pairs whose last contact (or, with none, the pairing itself) is over two months old."""
    last = Max("contacts__contacted_on")
    due = today - timedelta(days=CONTACT_EVERY_DAYS)
    return (
        pairings.filter(ended_on__isnull=True)
        .annotate(last_contact=last)
        .filter(Q(last_contact__lt=due) | Q(last_contact__isnull=True, started_on__lt=due))
    )


@transaction.atomic
def household_pair(*, cadre, member: Member, on: date) -> HouseholdPairing:
    """党员帮户: pair a cadre with a member who has no active pair (the database refuses a second one)."""
    if member.status == Member.Status.REMOVED:
        raise ValidationError(f"{member.name} 已退出信息库，不能结对。")
    try:
        with transaction.atomic():
            return HouseholdPairing.objects.create(cadre=cadre, member=member, started_on=on)
    except IntegrityError:
        raise ValidationError(f"{member.name} 已有结对帮扶干部，如需更换请办理交接。") from None


@transaction.atomic
def household_hand_over(*, pairing: HouseholdPairing, to_cadre, on: date, reason: str) -> HouseholdPairing:
    """A cadre hands the household over: the old pair ends that day and a new one starts with the colleague."""
    pairing = HouseholdPairing.objects.select_for_update().get(pk=pairing.pk)
    if pairing.ended_on:
        raise ValidationError("该结对已经结束。")
    if to_cadre.pk == pairing.cadre_id:
        raise ValidationError("请选择另一名干部接手。")
    if on < pairing.started_on:
        raise ValidationError(f"交接日期不能早于结对日期 {pairing.started_on:%Y-%m-%d}。")
    pairing.ended_on, pairing.end_reason = on, reason
    pairing.save(update_fields=["ended_on", "end_reason"])
    return HouseholdPairing.objects.create(cadre=to_cadre, member_id=pairing.member_id, started_on=on)

"""Registry operations that write several rows or leave an audit trail. Each is atomic."""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction

from members.models import Lifting, Member, StatusChange, Survey

SURVEY_FIELDS = [
    "household_size",
    "income_per_capita",
    "allowance",
    "health",
    "labour_capacity",
    "main_cause",
    "living_conditions",
    "production_conditions",
]
SURVEY_SETS = ["other_causes", "skills", "aspirations"]


@transaction.atomic
def member_create(*, data: dict, by) -> Member:
    """A new member, with its first 摸底调查 taken from the same data (dated the registration day)."""
    values = {k: v for k, v in data.items() if k not in SURVEY_SETS and k != "confirm_not_duplicate"}
    member = Member.objects.create(**values)
    for name in SURVEY_SETS:
        getattr(member, name).set(data.get(name) or [])
    survey = Survey.objects.create(
        member=member,
        surveyed_on=member.registered_on,
        surveyor=by,
        surveyor_name=by.get_full_name(),
        notes="登记时的初始调查",
        **{name: getattr(member, name) for name in SURVEY_FIELDS},
    )
    for name in SURVEY_SETS:
        getattr(survey, name).set(data.get(name) or [])
    return member


@transaction.atomic
def member_update(*, member: Member, data: dict) -> list[str]:
    """Save an edited member; answers the labels of the fields that changed."""
    changed = []
    for name, value in data.items():
        if name in SURVEY_SETS or name == "confirm_not_duplicate":
            continue
        if getattr(member, name) != value:
            setattr(member, name, value)
            changed.append(name)
    if changed:
        member.save(update_fields=[*changed, "updated_at"])
    for name in SURVEY_SETS:
        if name in data and set(getattr(member, name).all()) != set(data[name]):
            getattr(member, name).set(data[name])
            changed.append(name)
    return [str(Member._meta.get_field(name).verbose_name) for name in changed]


@transaction.atomic
def survey_record(*, member: Member, data: dict, by) -> Survey:
    """Record a 摸底调查. When it is the latest, the member's current values become the survey's."""
    member = Member.objects.select_for_update().get(pk=member.pk)
    survey = Survey.objects.create(
        member=member, surveyor=by, **{k: v for k, v in data.items() if k not in SURVEY_SETS}
    )
    for name in SURVEY_SETS:
        getattr(survey, name).set(data.get(name) or [])
    latest = member.surveys.order_by("-surveyed_on", "-pk").first()
    if latest.pk == survey.pk:
        for name in SURVEY_FIELDS:
            setattr(member, name, data[name])
        member.save(update_fields=[*SURVEY_FIELDS, "updated_at"])
        for name in SURVEY_SETS:
            getattr(member, name).set(data.get(name) or [])
    return survey


@transaction.atomic
def status_change(
    *, member: Member, to_status: str, on: date, reason: str, by, removal_reason: str = ""
) -> StatusChange:
    """Move a member to another status along Member.TRANSITIONS (lifting out goes through lifting_close)."""
    member = Member.objects.select_for_update().get(pk=member.pk)
    if to_status not in member.TRANSITIONS[member.status]:
        raise ValidationError(
            f"当前状态为“{member.get_status_display()}”，不能变更为“{Member.Status(to_status).label}”。"
        )
    return _move(member, to_status, on=on, reason=reason, by=by, removal_reason=removal_reason)


def _move(member, to_status, *, on, reason, by, removal_reason=""):
    change = StatusChange.objects.create(
        member=member,
        from_status=member.status,
        to_status=to_status,
        changed_on=on,
        reason=reason,
        removal_reason=removal_reason if to_status == Member.Status.REMOVED else "",
        by=by,
    )
    member.status = to_status
    member.removal_reason = change.removal_reason
    member.save(update_fields=["status", "removal_reason", "updated_at"])
    return change


LIFTABLE = {Member.Status.REGISTERED, Member.Status.ASSISTED, Member.Status.RETURNED}


@transaction.atomic
def lifting_step(*, member: Member, step: str, day: date, note: str = "", notice_end: date | None = None, by):
    """Advance the member's lifting-out procedure by one step; 销号 sets the member to 已脱贫."""
    member = Member.objects.select_for_update().get(pk=member.pk)
    lifting = member.liftings.open().first()
    if step == "assess":
        if lifting:
            raise ValidationError("该对象已有一个正在进行的脱贫销号程序。")
        if member.status not in LIFTABLE:
            raise ValidationError(f"当前状态为“{member.get_status_display()}”，不能启动脱贫销号程序。")
        return Lifting.objects.create(member=member, assessed_on=day, assessment_note=note, started_by=by)
    expected = {"verify": "assessed", "notice": "verified", "close": "notice", "cancel": None}[step]
    if lifting is None or (expected and lifting.step != expected):
        raise ValidationError("请按“民主评议 → 核实 → 公示 → 销号”的顺序办理。")
    if step == "verify":
        lifting.verified_on, lifting.verification_note = day, note
    elif step == "notice":
        lifting.notice_start, lifting.notice_end = day, notice_end
    elif step == "close":
        lifting.closed_on = day
        _move(member, Member.Status.LIFTED, on=day, reason="完成民主评议、核实、公示，予以销号", by=by)
    elif step == "cancel":
        lifting.cancelled_on, lifting.cancel_reason = day, note
    lifting.full_clean()
    lifting.save()
    return lifting

"""Registry operations that write several rows or leave an audit trail. Each is atomic."""

from dataclasses import dataclass
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone

from guanghan.lib.masking import mask_id_number, mask_phone
from guanghan.models import LookupIds, User
from members.models import LISTS, Lifting, Member, StatusChange, Survey

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
SURVEY_SETS = list(LISTS)  # the forms' names of the three lists


@transaction.atomic
def member_create(*, data: dict, by) -> Member:
    """A new member, with its first 摸底调查 taken from the same data (dated the registration day)."""
    values = {k: v for k, v in data.items() if k not in SURVEY_SETS and k != "confirm_not_duplicate"}
    member = Member.objects.create(**values, **survey_lists(data))
    Survey.objects.create(
        member=member,
        surveyed_on=member.registered_on,
        surveyor=by,
        surveyor_name=by.get_full_name(),
        notes="登记时的初始调查",
        **{name: getattr(member, name) for name in SURVEY_FIELDS},
        **survey_lists(data),
    )
    return member


def survey_lists(data: dict) -> dict:
    """The three lists' columns (lookup ids, sorted, in the member's or the survey's row) from a form's lookups."""
    return {column: sorted({item.pk for item in data.get(name) or []}) for name, column in LISTS.items()}


@transaction.atomic
def member_update(*, member: Member, data: dict, version: int) -> list[str]:
    """Save an edited member; answers the labels of the fields that changed.

    `version` is the member's version when the form was opened. If the member has been written since (another
    edit, a survey, a roster import), nothing is saved and EditConflict says who changed what in between. The row
    lock makes the check and the write one step, so of two concurrent saves of the same version one is refused.
    """
    current = Member.objects.select_for_update().get(pk=member.pk)
    if current.version != version:
        raise EditConflict.since(current, version=version, data=data)
    values = {k: v for k, v in data.items() if k not in SURVEY_SETS and k != "confirm_not_duplicate"}
    lists = survey_lists(data)
    values.update({column: lists[column] for name, column in LISTS.items() if name in data})
    changed = []
    for name, value in values.items():
        if getattr(current, name) != value:
            setattr(current, name, value)
            changed.append(name)
    if changed:
        current.version += 1
        current.save(update_fields=[*changed, "version", "updated_at"])
    return [str(Member._meta.get_field(name).verbose_name) for name in changed]


MASKED = {"id_number": mask_id_number, "phone": mask_phone}


@dataclass(frozen=True)
class Difference:
    """One field someone else changed after the form was opened: as the form loaded it, as it is now, as typed."""

    name: str
    label: str
    loaded: str
    current: str
    typed: str
    is_clash: bool  # this user changed the field too: their value stays in the form, and they decide
    current_value: object  # the current value as the form posts it (a pk, a list of pks, a date …)


@dataclass(frozen=True)
class Save:
    by: str
    at: datetime


class EditConflict(ValidationError):
    """The member was saved by someone else after the form was opened; nothing of this save was written."""

    def __init__(self, *, member: Member, differences: list[Difference], saves: list[Save]):
        self.member, self.differences, self.saves = member, differences, saves
        who = "、".join(dict.fromkeys(s.by for s in saves)) or "其他人"
        when = f"于 {timezone.localtime(saves[-1].at):%Y-%m-%d %H:%M} " if saves else ""
        fields = "、".join(d.label for d in differences)
        what = f"修改了{fields}" if fields else "修改了这条记录"
        super().__init__(
            f"{who} {when}{what}（在您打开本页之后）。为免互相覆盖，您这次的修改没有保存：请看下表核对后再保存。"
        )

    @classmethod
    def since(cls, member: Member, *, version: int, data: dict) -> "EditConflict":
        """What changed in the fields of `data` between `version` (what the form showed) and the member now, from
        the trigger-kept history of the member's row (its lists included)."""
        events = member.events.order_by("pgh_id").select_related("pgh_context")
        loaded = events.filter(version=version).last()
        later = list(events.filter(version__gt=version))
        names = [name for name in data if name != "confirm_not_duplicate"]
        differences = []
        if loaded is not None:
            for name in names:
                field = Member._meta.get_field(LISTS.get(name, name))
                now, then = getattr(member, field.attname), getattr(loaded, field.attname)
                if isinstance(field, LookupIds):
                    now, then = set(now), set(then)
                if now != then:
                    typed = _raw(data[name])
                    differences.append(
                        Difference(
                            name=name,
                            label=str(field.verbose_name),
                            loaded=_display(field, then),
                            current=_display(field, now),
                            typed=_display(field, typed),
                            is_clash=typed != then,
                            current_value=_posted(now),
                        )
                    )
        return cls(member=member, differences=differences, saves=_saves(later))


def _raw(value):
    """A form's cleaned value as the history stores it: a pk for an object, a set of pks for several."""
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, (models.QuerySet, list, tuple, set)):
        return {item.pk if isinstance(item, models.Model) else item for item in value}
    return value


def _posted(value):
    if isinstance(value, set):
        return sorted(value)
    return "" if value is None else value


def _display(field, value) -> str:
    if value is None or value == "" or value == set():
        return "（空）"
    if field.name in MASKED:  # the refusal page is not a place to read full personal numbers
        return MASKED[field.name](str(value))
    if isinstance(field, LookupIds):
        return "、".join(field.lookup_model.objects.filter(pk__in=value).values_list("name", flat=True))
    if field.is_relation:
        return str(field.related_model.objects.filter(pk=value).first() or value)
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, date):
        return f"{value:%Y-%m-%d}"
    return str(value)


def _saves(events) -> list[Save]:
    """Who saved each version after the form's, and when (the first event of each version: the write that made it)."""
    firsts = {}
    for event in events:
        firsts.setdefault(event.version, event)
    contexts = {v: (e.pgh_context.metadata if e.pgh_context else {}) for v, e in firsts.items()}
    users = {u.pk: str(u) for u in User.objects.filter(pk__in=[c.get("user") for c in contexts.values()])}
    saves = []
    for version, event in firsts.items():
        context = contexts[version]
        by = users.get(context.get("user"), "系统")
        saves.append(Save(by=f"{by}（花名册导入）" if context.get("import_batch") else by, at=event.pgh_created_at))
    return saves


@transaction.atomic
def survey_record(*, member: Member, data: dict, by) -> Survey:
    """Record a 摸底调查. When it is the latest, the member's current values become the survey's."""
    member = Member.objects.select_for_update().get(pk=member.pk)
    survey = Survey.objects.create(
        member=member, surveyor=by, **{k: v for k, v in data.items() if k not in SURVEY_SETS}, **survey_lists(data)
    )
    latest = member.surveys.order_by("-surveyed_on", "-pk").first()
    if latest.pk == survey.pk:
        for name in SURVEY_FIELDS:
            setattr(member, name, data[name])
        for column, ids in survey_lists(data).items():
            setattr(member, column, ids)
        member.version += 1  # the edit form shows these fields: a form opened before the survey must not undo it
        member.save(update_fields=[*SURVEY_FIELDS, *LISTS.values(), "version", "updated_at"])
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

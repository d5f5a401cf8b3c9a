"""The audit trail across every tracked table (django-pghistory's event tables), for the auditor.

`search()` is one SQL query: a UNION ALL of narrow selects (which table, event id, time, label, record id, context),
each filtered before the union, ordered by time and sliced by the paginator. `describe()` then reads the full event
rows of one page, their previous versions (to say what changed) and the names behind foreign keys: a few queries per
kind of record on the page, never per row. ID and phone numbers are masked; the user's password is never tracked.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

import pghistory.models
from django.apps import apps
from django.contrib.auth.models import Group
from django.db.models import CharField, F, OuterRef, Q, Subquery, Value
from django.db.models.functions import Cast
from django.utils import timezone

from guanghan.access import ROLE_LABELS
from guanghan.lib.masking import mask_id_number, mask_phone
from guanghan.models import LookupIds, User

OPERATIONS = {
    "insert": "新增",
    "update": "修改",
    "delete": "删除",
    "add": "添加关联",
    "remove": "移除关联",
}
MASKS = {"id_number": mask_id_number, "phone": mask_phone}
NAME_FIELDS = ("name", "title", "username", "voucher_no", "display_name")
NO_USER = "系统（命令行或后台任务）"
SKIPPED = {"id", "created_at", "updated_at", "version", "client_key"}


def event_models() -> list:
    """Every event model of the project's apps (not pghistory's own), in app order."""
    return [
        model
        for model in apps.get_models()
        if issubclass(model, pghistory.models.Event) and model._meta.app_label != "pghistory"
    ]


def _by_label() -> dict:
    return {model._meta.label_lower: model for model in event_models()}


def tracked_name(event_model) -> str:
    return str(event_model.pgh_tracked_model._meta.verbose_name)


def record_choices() -> list:
    """The kinds of record, grouped by app, for the filter form."""
    groups = defaultdict(list)
    for model in event_models():
        app = apps.get_app_config(model._meta.app_label)
        groups[str(app.verbose_name)].append((model._meta.label_lower, tracked_name(model)))
    return list(groups.items())


def _object_field(event_model) -> str:
    """The column that names the record (the number in its page's address): the tracked row, or for a link the row
    it belongs to (a role link's user, a member's skill's member; `trail_record` on the tracked model)."""
    names = {f.name for f in event_model._meta.fields}
    if "pgh_obj" not in names:
        return "user_id"
    return getattr(event_model.pgh_tracked_model, "trail_record", "pgh_obj_id")


@dataclass(frozen=True)
class Criteria:
    record: str = ""
    operation: str = ""
    user_ids: tuple[int, ...] | None = None  # None: anyone
    address: str = ""
    object_id: int | None = None
    date_from: date | None = None
    date_to: date | None = None


def search(criteria: Criteria):
    """The matching events, newest first, as dicts: trail_model, pgh_id, trail_at, trail_label, trail_object (the
    prefix keeps the annotations clear of the tracked models' own fields)."""
    models = event_models()
    if criteria.record:
        models = [m for m in models if m._meta.label_lower == criteria.record]
    tz = timezone.get_current_timezone()
    q = Q()
    if criteria.operation:
        q &= Q(pgh_label=criteria.operation)
    if criteria.user_ids is not None:
        q &= Q(pgh_context__metadata__user__in=list(criteria.user_ids))
    if criteria.address:
        q &= Q(pgh_context__metadata__ip=criteria.address)
    if criteria.date_from:
        q &= Q(pgh_created_at__gte=datetime.combine(criteria.date_from, time.min, tz))
    if criteria.date_to:
        q &= Q(pgh_created_at__lt=datetime.combine(criteria.date_to + timedelta(days=1), time.min, tz))
    parts = []
    for model in models:
        obj = _object_field(model)
        part = model.objects.filter(q)
        if criteria.object_id is not None:
            part = part.filter(**{obj: criteria.object_id})
        parts.append(
            part.annotate(
                trail_model=Value(model._meta.label_lower, output_field=CharField()),
                trail_at=F("pgh_created_at"),
                trail_label=F("pgh_label"),
                trail_object=Cast(obj, CharField()),
            ).values("trail_model", "pgh_id", "trail_at", "trail_label", "trail_object")
        )
    if not parts:
        return []
    first, *rest = parts
    return first.union(*rest, all=True).order_by("-trail_at", "-pgh_id")


@dataclass
class Change:
    label: str
    old: str = ""
    new: str = ""


@dataclass
class Row:
    at: datetime
    operation: str
    record_type: str
    object_id: str
    title: str = ""
    by: str = ""
    address: str = ""
    url: str = ""
    source: str = ""
    changes: list[Change] = field(default_factory=list)


def _fields(event_model) -> list:
    return [
        f
        for f in event_model._meta.concrete_fields
        if not f.name.startswith("pgh_") and f.name not in SKIPPED and f.name != "password"
    ]


def _raw(event, f):
    return getattr(event, f.attname)


def describe(rows: list[dict]) -> list[Row]:
    """The page's events in words: who, from where, which record, what changed (old → new)."""
    models = _by_label()
    wanted = defaultdict(list)
    for row in rows:
        wanted[row["trail_model"]].append(row["pgh_id"])
    events, previous = {}, {}
    for label, ids in wanted.items():
        model = models[label]
        queryset = model.objects.filter(pgh_id__in=ids).select_related("pgh_context")
        if hasattr(model, "pgh_obj_id"):
            before = model.objects.filter(pgh_obj_id=OuterRef("pgh_obj_id"), pgh_id__lt=OuterRef("pgh_id"))
            queryset = queryset.annotate(previous_id=Subquery(before.order_by("-pgh_id").values("pgh_id")[:1]))
        found = list(queryset)
        events.update({(label, e.pgh_id): e for e in found})
        prev_ids = [e.previous_id for e in found if getattr(e, "previous_id", None)]
        if prev_ids:
            previous.update({(label, e.pgh_id): e for e in model.objects.filter(pgh_id__in=prev_ids)})
    names = _related_names(events.values(), previous.values())
    user_ids = {e.pgh_context.metadata.get("user") for e in events.values() if e.pgh_context}
    users = {u.pk: u for u in User.objects.filter(pk__in=[u for u in user_ids if isinstance(u, int)])}
    described = []
    for row in rows:
        label = row["trail_model"]
        event = events.get((label, row["pgh_id"]))
        if event is None:
            continue
        model = models[label]
        before = previous.get((label, getattr(event, "previous_id", None)))
        context = event.pgh_context.metadata if event.pgh_context else {}
        user = users.get(context.get("user"))
        described.append(
            Row(
                at=row["trail_at"],
                operation=OPERATIONS.get(row["trail_label"], row["trail_label"]),
                record_type=tracked_name(model),
                object_id=row["trail_object"] or "",
                title=_title(model, event, names),
                by=f"{user.get_full_name()}（{user.username}）" if user else NO_USER,
                address=context.get("ip") or "",
                url=context.get("url") or "",
                source=_source(context),
                changes=_changes(model, event, before, row["trail_label"], names),
            )
        )
    return described


def _source(context: dict) -> str:
    if "import_batch" in context:
        return f"导入批次 #{context['import_batch']}"
    if context.get("command"):
        return f"命令 {context['command']}"
    return ""


def _related_names(*event_sets) -> dict:
    """{(related model, pk): name} for every foreign key value on the page: one query per related model."""
    keys = defaultdict(set)
    for events in event_sets:
        for event in events:
            for f in _fields(type(event)):
                if f.is_relation and (value := _raw(event, f)) is not None:
                    keys[f.related_model].add(value)
                elif isinstance(f, LookupIds) and (value := _raw(event, f)):
                    keys[f.lookup_model].update(value)
    names = {}
    for related, pks in keys.items():
        for obj in related._default_manager.filter(pk__in=pks):
            names[(related, obj.pk)] = str(obj)
    return names


def _label(f) -> str:
    """A field's name in Chinese (the role link table of django.contrib.auth has English ones)."""
    return {"user": "用户", "group": "角色"}.get(str(f.verbose_name), str(f.verbose_name))


def _show(f, value, names) -> str:
    if value is None or value == "":
        return "（空）"
    if f.name in MASKS:
        return MASKS[f.name](str(value))
    if f.is_relation:
        name = names.get((f.related_model, value), f"#{value}")
        return ROLE_LABELS.get(name, name) if f.related_model is Group else name
    if isinstance(f, LookupIds):
        return "、".join(names.get((f.lookup_model, pk), f"#{pk}") for pk in value) if value else "（空）"
    if f.choices:
        return str(dict(f.flatchoices).get(value, value))
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, datetime):
        return f"{timezone.localtime(value):%Y-%m-%d %H:%M}"
    if isinstance(value, date):
        return f"{value:%Y-%m-%d}"
    return str(value)[:200]


def _title(model, event, names) -> str:
    for f in _fields(model):
        if f.name in NAME_FIELDS and (value := _raw(event, f)):
            return _show(f, value, names)
    for f in _fields(model):
        if f.is_relation and (value := _raw(event, f)) is not None:
            return f"{_label(f)}：{_show(f, value, names)}"
    return ""


def _changes(model, event, before, label, names) -> list[Change]:
    fields = _fields(model)
    if label == "update" and before is not None:
        return [
            Change(_label(f), _show(f, _raw(before, f), names), _show(f, _raw(event, f), names))
            for f in fields
            if _raw(before, f) != _raw(event, f)
        ]
    return [Change(_label(f), new=_show(f, _raw(event, f), names)) for f in fields if _raw(event, f) not in (None, "")]

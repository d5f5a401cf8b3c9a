"""Supervision operations that write several rows: a visit with its photos and the rectifications its findings open,
and the steps of a rectification."""

from datetime import date
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from guanghan.lib.photos import PhotoError, shrink_photo
from supervision.models import (
    PHOTO_MAX_BYTES,
    PHOTO_MAX_SIDE,
    PHOTOS_PER_VISIT,
    Check,
    Questionnaire,
    Rectification,
    RectificationStep,
    Response,
    Visit,
    VisitPhoto,
)


def photos_prepare(uploads) -> list:
    """Check and shrink every photo before anything is written (one bad file refuses the whole visit)."""
    if len(uploads) > PHOTOS_PER_VISIT:
        raise ValidationError(f"每次最多上传 {PHOTOS_PER_VISIT} 张照片。")
    prepared = []
    for n, upload in enumerate(uploads, start=1):
        try:
            prepared.append(shrink_photo(upload, max_bytes=PHOTO_MAX_BYTES, max_side=PHOTO_MAX_SIDE, name=f"p{n}"))
        except PhotoError as error:
            raise ValidationError(str(error)) from None
    return prepared


def visit_create(
    *,
    by,
    officer,
    village,
    visited_on: date,
    kind: str,
    checks: dict,
    notes: str = "",
    project=None,
    photos=(),
    client_key: UUID | None = None,
    rectify_owner: str = "village",
    rectify_department=None,
    rectify_deadline: date | None = None,
) -> tuple[Visit, bool]:
    """Record a visit. Each check not answered 是 opens a rectification (owner and deadline as given).

    Returns (visit, created). The same `client_key` twice (a double tap, or a resubmit after the answer was lost)
    gives back the first visit instead of a second one.
    """
    if client_key:
        existing = Visit.objects.filter(client_key=client_key).first()
        if existing:
            return existing, False
    prepared = photos_prepare(list(photos))
    try:
        with transaction.atomic():
            visit = Visit.objects.create(
                by=by,
                officer=officer,
                village=village,
                project=project,
                visited_on=visited_on,
                kind=kind,
                notes=notes,
                client_key=client_key,
                **checks,
            )
            for content in prepared:
                VisitPhoto.objects.create(visit=visit, image=content)
            for name, label, remark in visit.findings():
                rectification_open(
                    by=by,
                    visit=visit,
                    village=village,
                    project=project,
                    finding=name,
                    problem=f"{label}：{Check(getattr(visit, name)).label}。{remark}".strip(),
                    owner=rectify_owner,
                    owner_department=rectify_department,
                    deadline=rectify_deadline,
                    on=visited_on,
                )
    except IntegrityError:
        existing = Visit.objects.filter(client_key=client_key).first() if client_key else None
        if existing:
            return existing, False
        raise
    return visit, True


def rectification_open(
    *,
    by,
    village,
    problem: str,
    owner: str,
    deadline: date,
    on: date,
    owner_department=None,
    visit=None,
    project=None,
    finding: str = "",
) -> Rectification:
    if owner == Rectification.Owner.DEPARTMENT and owner_department is None:
        raise ValidationError("责任方为帮扶部门时，请选择责任部门。")
    if deadline is None or deadline < on:
        raise ValidationError("整改期限不能早于发现问题的日期。")
    rectification = Rectification.objects.create(
        visit=visit,
        village=village,
        project=project,
        finding=finding,
        problem=problem,
        owner=owner,
        owner_department=owner_department if owner == Rectification.Owner.DEPARTMENT else None,
        deadline=deadline,
        opened_by=by,
    )
    RectificationStep.objects.create(rectification=rectification, action=RectificationStep.Action.OPENED, on=on, by=by)
    return rectification


@transaction.atomic
def rectification_move(*, rectification: Rectification, to: str, on: date, note: str, by) -> Rectification:
    """报告整改完成 (the owner), 验收 or 退回 (staff). The row is locked so two staff cannot both act on one step."""
    rectification = Rectification.objects.select_for_update().get(pk=rectification.pk)
    allowed = rectification.TRANSITIONS[rectification.status]
    if to not in allowed:
        raise ValidationError(
            f"该整改事项当前为“{rectification.get_status_display()}”，不能改为“{Rectification.Status(to).label}”。"
        )
    if to in (Rectification.Status.REPORTED, Rectification.Status.REOPENED) and not note.strip():
        raise ValidationError("请写明整改情况。" if to == Rectification.Status.REPORTED else "请写明退回的原因。")
    last = rectification.steps.order_by("-pk").first()
    if last and on < last.on:
        raise ValidationError(f"日期不能早于上一环节的日期 {last.on:%Y-%m-%d}。")
    rectification.status = to
    fields = ["status"]
    if to == Rectification.Status.VERIFIED:
        rectification.closed_on = on
        fields.append("closed_on")
    rectification.save(update_fields=fields)
    action = {
        Rectification.Status.REPORTED: RectificationStep.Action.REPORTED,
        Rectification.Status.VERIFIED: RectificationStep.Action.VERIFIED,
        Rectification.Status.REOPENED: RectificationStep.Action.REOPENED,
    }[to]
    RectificationStep.objects.create(rectification=rectification, action=action, on=on, note=note.strip(), by=by)
    return rectification


@transaction.atomic
def questionnaire_create(
    *, by, village, held_on: date, answers: list[dict], project=None, officer=None, note: str = ""
) -> Questionnaire:
    """Save a questionnaire with its answers, all or nothing."""
    questionnaire = Questionnaire.objects.create(
        village=village, project=project, held_on=held_on, officer=officer, note=note.strip(), by=by
    )
    Response.objects.bulk_create(Response(questionnaire=questionnaire, **answer) for answer in answers)
    return questionnaire

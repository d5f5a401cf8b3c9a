"""Satisfaction questionnaires (问卷调查): entered on a phone one row per respondent, listed with their counts, and
the satisfaction rate per village, town, department and year.

The rate is (满意 + 基本满意) ÷ all answers, in percent with one decimal rounded half up (models.satisfaction_rate).
Every count is made by the database, one grouped query per table, over the answers the user may see.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, F, Q
from django.db.models.functions import ExtractYear
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.http import require_GET, require_http_methods

from guanghan import access
from guanghan.access import ALL_ROLES, Role, role_required
from guanghan.lib.paging import CappedPaginator
from supervision import services
from supervision.models import Answer, Questionnaire, Response, officer_of, satisfaction_rate, villages_of
from supervision.questionnaire_forms import (
    MAX_ROWS,
    QuestionnaireFilterForm,
    QuestionnaireForm,
    ResponseFormSet,
    SatisfactionFilterForm,
)

PAGE_SIZE = 50
ENTRY_ROLES = (Role.ORG_STAFF, Role.LIAISON)
TARGET_RATE = 95  # the seed's aim: above 95% satisfied; lower rates are shown in red


def answer_counts(path: str = "") -> dict:
    """Count(...) expressions per answer for an annotate/aggregate; `path` leads to the Response rows."""
    pk = f"{path}__pk" if path else "pk"
    answer = f"{path}__answer" if path else "answer"
    return {
        "total": Count(pk),
        "satisfied": Count(pk, filter=Q(**{answer: Answer.SATISFIED})),
        "basically": Count(pk, filter=Q(**{answer: Answer.BASICALLY})),
        "dissatisfied": Count(pk, filter=Q(**{answer: Answer.DISSATISFIED})),
    }


def response_counts() -> dict:
    """answer_counts() for Response rows, with how many questionnaires they come from."""
    return {**answer_counts(), "questionnaires": Count("questionnaire", distinct=True)}


def rated(row):
    """Put the satisfaction rate on a counted row (a dict from values() or an annotated object)."""
    if isinstance(row, dict):
        row["rate"] = satisfaction_rate(row["satisfied"] + row["basically"], row["total"])
    else:
        row.rate = satisfaction_rate(row.satisfied + row.basically, row.total)
    return row


def _can_enter(user) -> bool:
    return (
        user.has_perm("supervision.add_questionnaire")
        and not access.is_read_only(user)
        and access.has_role(user, *ENTRY_ROLES)
    )


def _entry_villages(user):
    """Where the user may hold a questionnaire: a liaison officer its own villages; organisation staff any village."""
    if access.has_role(user, Role.ORG_STAFF):
        return access.villages_visible_to(user).filter(is_active=True)
    return villages_of(user).filter(is_active=True)


@require_GET
@role_required(*ALL_ROLES)
def questionnaire_list(request):
    form = QuestionnaireFilterForm(request.GET or None, user=request.user)
    questionnaires = form.filter(Questionnaire.objects.visible_to(request.user))
    summary = rated(Response.objects.filter(questionnaire__in=questionnaires).aggregate(**response_counts()))
    rows = questionnaires.select_related("village__town", "project", "officer__cadre").annotate(
        **answer_counts("responses")
    )
    page = CappedPaginator(rows.order_by("-held_on", "-pk"), PAGE_SIZE).get_page(request.GET.get("page"))
    for questionnaire in page:
        rated(questionnaire)
    context = {"form": form, "page": page, "summary": summary, "can_add": _can_enter(request.user)}
    return render(request, "supervision/questionnaire_list.html", context)


@require_http_methods(["GET", "POST"])
@role_required(*ENTRY_ROLES)
def questionnaire_create(request):
    user = request.user
    if not _can_enter(user):
        raise PermissionDenied("您的角色不能录入问卷。")
    villages = _entry_villages(user)
    initial = {}
    if len(choices := list(villages[:2])) == 1:
        initial["village"] = choices[0].pk
    form = QuestionnaireForm(request.POST or None, villages=villages, initial=initial)
    answers = ResponseFormSet(request.POST or None, prefix="answers")
    if request.method == "POST" and all([form.is_valid(), answers.is_valid()]):
        questionnaire = services.questionnaire_create(
            by=user, officer=officer_of(user), answers=answers.answers(), **form.cleaned_data
        )
        counts = rated(questionnaire.responses.aggregate(**answer_counts()))
        messages.success(
            request,
            f"已保存 {questionnaire.village.name} {questionnaire.held_on:%m月%d日}的问卷，"
            f"共 {counts['total']} 份答卷，满意率 {counts['rate']}%。",
        )
        return redirect("supervision:questionnaire-detail", pk=questionnaire.pk)
    context = {"form": form, "answers": answers, "has_villages": bool(choices), "max_rows": MAX_ROWS}
    return render(request, "supervision/questionnaire_form.html", context)


@require_GET
@role_required(*ALL_ROLES)
def questionnaire_detail(request, pk):
    questionnaire = access.get_for_user(
        request.user,
        Questionnaire.objects.select_related("village__town", "project", "officer__cadre", "by"),
        pk=pk,
    )
    responses = questionnaire.responses.order_by("pk")
    counts = rated(responses.aggregate(**answer_counts()))
    return render(
        request,
        "supervision/questionnaire_detail.html",
        {"questionnaire": questionnaire, "responses": responses, "counts": counts},
    )


VILLAGE = "questionnaire__village"  # from a Response to its village


def _grouped(responses, order: str, **keys) -> list[dict]:
    """One row per group (`keys` name the grouping columns) with its counts and rate: one GROUP BY query."""
    counted = responses.values(**keys).annotate(**response_counts())
    return [rated(row) for row in counted.order_by(order)]


@require_GET
@role_required(*ALL_ROLES)
def satisfaction(request):
    """Rates per year, town, village and department (部门帮村 that year), over the answers the user may see."""
    form = SatisfactionFilterForm(request.GET or None)
    year = form.cleaned_data.get("year") if form.is_valid() else None
    visible = access.scope(request.user, Response.objects.all(), village=VILLAGE).order_by()
    answers = visible.filter(questionnaire__held_on__year=year) if year else visible
    held_in = ExtractYear("questionnaire__held_on")
    # A village's answers count for each department paired with it in the year of the questionnaire.
    paired = answers.filter(**{f"{VILLAGE}__pairings__year": held_in})
    context = {
        "form": form,
        "year": year,
        "target": TARGET_RATE,
        "overall": rated(answers.aggregate(**response_counts())),
        "years": _grouped(visible, "-year", year=held_in),
        "towns": _grouped(
            answers,
            "code",
            town_id=F(f"{VILLAGE}__town_id"),
            name=F(f"{VILLAGE}__town__name"),
            code=F(f"{VILLAGE}__town__code"),
        ),
        "villages": _grouped(
            answers,
            "code",
            village_id=F(f"{VILLAGE}_id"),
            name=F(f"{VILLAGE}__name"),
            code=F(f"{VILLAGE}__code"),
            town=F(f"{VILLAGE}__town__name"),
        ),
        "departments": _grouped(
            paired,
            "name",
            department_id=F(f"{VILLAGE}__pairings__department_id"),
            name=F(f"{VILLAGE}__pairings__department__short_name"),
        ),
    }
    return render(request, "supervision/satisfaction.html", context)


urlpatterns = [
    path("questionnaires/", questionnaire_list, name="questionnaire-list"),
    path("questionnaires/new/", questionnaire_create, name="questionnaire-create"),
    path("questionnaires/<int:pk>/", questionnaire_detail, name="questionnaire-detail"),
    path("satisfaction/", satisfaction, name="satisfaction"),
]

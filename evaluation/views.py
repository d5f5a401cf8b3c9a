"""Running a year's assessment: the years, blocks and rule table, the score sheets, suggestions, closing and
reopening. The leaders' table is table_views; the agreements are agreement_views."""

from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from evaluation import services
from evaluation.forms import BandFormSet, BlockFormSet, ReopenForm, ScoreForm, YearForm
from evaluation.models import AssessmentYear, Block, BlockCode, Score
from evaluation.suggestions import explain
from evaluation.suggestions import suggest as suggest_scores
from guanghan import access
from guanghan.access import Role, role_required
from guanghan.models import Department
from projects.models import VillagePairing

READERS = (Role.ORG_STAFF, Role.LEADER, Role.DEPT_STAFF)
DEFAULT_BLOCKS = {
    BlockCode.VILLAGE_PAIRING: (30, 30),
    BlockCode.HOUSEHOLD_PAIRING: (20, 20),
    BlockCode.BRANCH_ASSOCIATION: (15, 15),
    BlockCode.CREDIT: (15, 15),
    BlockCode.DEMO_BASE: (20, 20),
}


def _can_manage(user) -> bool:
    return (
        user.has_perm("evaluation.change_score")
        and not access.is_read_only(user)
        and access.has_role(user, Role.ORG_STAFF)
    )


def _require_manager(user) -> None:
    if not _can_manage(user):
        raise PermissionDenied("只有组织部工作人员可以设置和评定考核。")


def _year(year: int) -> AssessmentYear:
    return get_object_or_404(AssessmentYear, year=year)


@require_http_methods(["GET", "POST"])
@role_required(*READERS)
def year_list(request):
    form = YearForm(request.POST or None)
    if request.method == "POST":
        _require_manager(request.user)
        if form.is_valid():
            year = _year_create(form.cleaned_data["year"])
            if year:
                messages.success(request, f"已建立 {year.year} 年度考核，考核块和奖惩规则沿用上一年度，可以修改。")
                return redirect("evaluation:year-detail", year=year.year)
            form.add_error("year", "该年度考核已经建立。")
    years = AssessmentYear.objects.annotate(departments=Count("scores__department", distinct=True)).order_by("-year")
    return render(
        request, "evaluation/year_list.html", {"years": years, "form": form, "can_manage": _can_manage(request.user)}
    )


@transaction.atomic
def _year_create(number: int) -> AssessmentYear | None:
    """A new year with the blocks and rules of the latest earlier year (or the defaults); None if it exists."""
    if AssessmentYear.objects.filter(year=number).exists():
        return None
    previous = AssessmentYear.objects.filter(year__lt=number).order_by("-year").first()
    year = AssessmentYear.objects.create(year=number)
    if previous:
        for block in previous.blocks.all():
            Block.objects.create(
                year=year, code=block.code, weight=block.weight, max_points=block.max_points, order=block.order
            )
        bands = [services.Band(b.lower, b.upper, b.grade, b.kind, b.percentage) for b in previous.bands.all()]
        services.rule_table_replace(year=year, bands=bands)
    else:
        for order, (code, (weight, top)) in enumerate(DEFAULT_BLOCKS.items()):
            Block.objects.create(year=year, code=code, weight=weight, max_points=top, order=order)
    return year


@require_http_methods(["GET"])
@role_required(*READERS)
def year_detail(request, year):
    year = _year(year)
    blocks = list(year.blocks.all())
    scores = Score.objects.visible_to(request.user).filter(year=year)
    departments = (
        Department.objects.filter(pk__in=scores.values("department_id"))
        .annotate(
            scored=Count("scores", filter=Q(scores__year=year, scores__given__isnull=False)),
            differs=Count("scores", filter=Q(scores__year=year) & ~Q(scores__remark="")),
        )
        .order_by("name")
    )
    live = {row["department"].pk: row for row in services.compute_results(year)}
    rows = [{"department": d, "scored": d.scored, "differs": d.differs, "result": live.get(d.pk)} for d in departments]
    context = {
        "year": year,
        "blocks": blocks,
        "bands": year.bands.all(),
        "rows": rows,
        "log": year.log_entries.select_related("by"),
        "can_manage": _can_manage(request.user),
        "unscored": scores.filter(given__isnull=True).count(),
        "reopen_form": ReopenForm(),
        "weights": sum((b.weight for b in blocks), Decimal(0)),
    }
    return render(request, "evaluation/year_detail.html", context)


@require_http_methods(["GET", "POST"])
@role_required(*READERS)
def blocks_edit(request, year):
    year = _year(year)
    _require_manager(request.user)
    existing = {b.code: b for b in year.blocks.all()}
    initial = [
        {
            "code": code,
            "weight": existing[code].weight if code in existing else DEFAULT_BLOCKS[code][0],
            "max_points": existing[code].max_points if code in existing else DEFAULT_BLOCKS[code][1],
        }
        for code in BlockCode.values
    ]
    formset = BlockFormSet(request.POST or None, initial=initial)
    if request.method == "POST" and formset.is_valid():
        try:
            with transaction.atomic():
                services.blocks_replace(year=year, rows=[f.cleaned_data for f in formset.forms])
        except (ValidationError, IntegrityError) as error:
            messages.error(request, _message(error))
        else:
            messages.success(request, "已保存考核块的权重和满分。")
            return redirect("evaluation:year-detail", year=year.year)
    labels = dict(BlockCode.choices)
    forms = [(labels[f.initial["code"]], f) for f in formset.forms]
    return render(request, "evaluation/blocks_form.html", {"year": year, "formset": formset, "forms": forms})


@require_http_methods(["GET", "POST"])
@role_required(*READERS)
def rules_edit(request, year):
    year = _year(year)
    _require_manager(request.user)
    initial = [
        {"grade": b.grade, "lower": b.lower, "upper": b.upper, "kind": b.kind, "percentage": b.percentage}
        for b in year.bands.order_by("-lower")
    ]
    formset = BandFormSet(request.POST or None, initial=initial)
    errors = []
    if request.method == "POST" and formset.is_valid():
        bands = [
            services.Band(**{k: f.cleaned_data[k] for k in ("lower", "upper", "grade", "kind", "percentage")})
            for f in formset.forms
            if f.cleaned_data and f not in formset.deleted_forms
        ]
        try:
            services.rule_table_replace(year=year, bands=bands)
        except ValidationError as error:
            errors = error.messages
        else:
            messages.success(request, f"已保存 {year.year} 年度奖惩规则（{len(bands)} 档）。")
            return redirect("evaluation:year-detail", year=year.year)
    return render(request, "evaluation/rules_form.html", {"year": year, "formset": formset, "errors": errors})


def _message(error) -> str:
    if isinstance(error, IntegrityError):
        return "该年度考核已关闭，不能修改。"
    return "；".join(error.messages)


@require_http_methods(["GET", "POST"])
@role_required(*READERS)
def score_sheet(request, year, department):
    year = _year(year)
    department = access.get_for_user(request.user, Department.objects.all(), village=None, department="", pk=department)
    scores = list(
        Score.objects.visible_to(request.user).filter(year=year, department=department).select_related("block", "by")
    )
    can_edit = _can_manage(request.user) and not year.is_closed
    forms = [
        ScoreForm(
            request.POST or None,
            score=s,
            prefix=f"s{s.pk}",
            initial={"given": s.given, "remark": s.remark, "version": s.version},
        )
        for s in scores
    ]
    if request.method == "POST":
        if not can_edit:
            raise PermissionDenied("该年度考核已关闭，或您的角色不能评分。")
        if all(f.is_valid() for f in forms) and _save_scores(request, forms):
            messages.success(request, f"已保存{department.short_name}的评分。")
            return redirect("evaluation:score-sheet", year=year.year, department=department.pk)
    context = {
        "year": year,
        "department": department,
        "rows": list(zip(scores, forms, strict=True)),
        "can_edit": can_edit,
    }
    context["total"] = services.total_of([(s.given, s.block) for s in scores])
    context["explanations"] = [(s.block.get_code_display(), explain(s.block.code)) for s in scores]
    return render(request, "evaluation/score_sheet.html", context)


def _save_scores(request, forms) -> bool:
    """Save every changed score; a refusal (a concurrent edit, a closed year) is shown on its row."""
    ok = True
    for form in forms:
        data = form.cleaned_data
        if data["given"] is None or (data["given"] == form.score.given and data["remark"] == form.score.remark):
            continue
        try:
            services.score_give(
                score=form.score, given=data["given"], remark=data["remark"], version=data["version"], by=request.user
            )
        except ValidationError as error:
            form.add_error("given", error)
            ok = False
        except IntegrityError:
            form.add_error("given", "该年度考核已关闭，不能修改。")
            ok = False
    return ok


@require_POST
@role_required(*READERS)
def suggest(request, year):
    """Make the score rows of the departments paired this year and (re)compute their suggestions from the data."""
    year = _year(year)
    _require_manager(request.user)
    departments = Department.objects.filter(
        pk__in=VillagePairing.objects.filter(year=year.year).values("department_id")
    )
    try:
        with transaction.atomic():
            created = services.scores_prepare(year=year, departments=departments)
            suggestions = suggest_scores(year, departments)
            rows = []
            for score in Score.objects.filter(year=year).select_related("block"):
                value = suggestions.get((score.department_id, score.block.code))
                if value:
                    score.suggested, score.basis = value
                    rows.append(score)
            Score.objects.bulk_update(rows, ["suggested", "basis"])
    except (ValidationError, IntegrityError) as error:
        messages.error(request, _message(error))
    else:
        messages.success(request, f"已按数据计算建议分（{len(rows)} 项，新增 {created} 项评分）。")
    return redirect("evaluation:year-detail", year=year.year)


@require_POST
@role_required(*READERS)
def year_close(request, year):
    year = _year(year)
    _require_manager(request.user)
    try:
        results = services.year_close(year=year, by=request.user)
    except ValidationError as error:
        messages.error(request, _message(error))
    else:
        messages.success(request, f"{year.year} 年度考核已关闭，{len(results)} 个部门的结果已固定。")
    return redirect("evaluation:year-detail", year=year.year)


@require_POST
@role_required(*READERS)
def year_reopen(request, year):
    year = _year(year)
    _require_manager(request.user)
    form = ReopenForm(request.POST)
    if not form.is_valid():
        messages.error(request, form.errors["reason"][0])
        return redirect("evaluation:year-detail", year=year.year)
    try:
        services.year_reopen(year=year, reason=form.cleaned_data["reason"], by=request.user)
    except ValidationError as error:
        messages.error(request, _message(error))
    else:
        messages.warning(request, f"{year.year} 年度考核已重新开放，原因已记录。修改后请重新关闭。")
    return redirect("evaluation:year-detail", year=year.year)

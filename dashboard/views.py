"""The leaders' dashboard, its JSON endpoints and the printable one-page summary (seed section 三)."""

from decimal import Decimal
from functools import wraps

from django.contrib.humanize.templatetags.humanize import intcomma
from django.http import JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from dashboard import figures
from dashboard.forms import DashboardForm
from guanghan import access
from guanghan.access import ALL_ROLES, role_required
from guanghan.lib.excel import safe_cell, xlsx_response
from guanghan.lib.stats_cache import cached_figures
from guanghan.templatetags.guanghan import wan


def _area(request) -> tuple[DashboardForm, figures.Area | None]:
    """The year and place asked for; None (and the form's errors) when a parameter is wrong."""
    form = DashboardForm(request.GET or None, user=request.user)
    today = timezone.localdate()
    if not request.GET:
        return form, figures.Area(year=form.default_year, today=today)
    if not form.is_valid():
        return form, None
    data = form.cleaned_data
    village = data.get("village")
    return form, figures.Area(
        year=data.get("year") or form.default_year,
        today=today,
        town=data.get("town") or (village.town if village else None),
        village=village,
    )


def _sections(user, area: figures.Area) -> list[figures.Section]:
    return cached_figures("dashboard-sections", user, _area_key(area), lambda: figures.sections(user, area))


def _areas(user, area: figures.Area) -> dict:
    return cached_figures("dashboard-areas", user, _area_key(area), lambda: figures.areas(user, area))


def _area_key(area: figures.Area) -> tuple:
    return (area.year, area.today, area.town and area.town.pk, area.village and area.village.pk)


def _errors(form) -> JsonResponse:
    errors = {name: [str(e) for e in errs] for name, errs in form.errors.items()}
    return JsonResponse({"error": "参数有误", "fields": errors}, status=400, json_dumps_params={"ensure_ascii": False})


def _json(data) -> JsonResponse:
    return JsonResponse(data, json_dumps_params={"ensure_ascii": False})


def _area_json(area: figures.Area) -> dict:
    return {
        "year": area.year,
        "as_of": area.day.isoformat(),
        "level": "village" if area.village else "town" if area.town else "all",
        "town": {"id": area.town.pk, "name": area.town.name} if area.town else None,
        "village": {"id": area.village.pk, "name": area.village.name} if area.village else None,
        "label": area.label,
    }


def _plain(value):
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


@require_GET
@role_required(*ALL_ROLES)
def dashboard(request):
    form, area = _area(request)
    context = {"form": form, "area": area, "scope": access.describe_scope(request.user)}
    if area is not None and area.town:
        # The chosen town's villages in the user's scope (not every village of the scope: 20,000 at province scale).
        context["town_villages"] = form.fields["village"].queryset.filter(town=area.town).values("pk", "name")
    if area is not None:
        sections = _sections(request.user, area)
        areas = _areas(request.user, area)
        context |= {
            "sections": {s.key: s for s in sections},
            "areas": areas,
            "area_rows": [(row, _cells(row, areas["columns"])) for row in areas["rows"]],
            "query": _query(area),
            "section_order": ["registry", "projects", "pairs", "funds", "supervision"],
            # What /api/dashboard/ and /api/dashboard/areas/ would answer, from this computation: the charts read it
            # from a JSON data block instead of asking the server to compute it all again.
            "chart_data": {
                "figures": {**_area_json(area), **_plain(_sections_json(sections))},
                "areas": {**_area_json(area), **_plain(areas)},
            },
        }
    return render(request, "dashboard/dashboard.html", context, status=200 if area else 400)


def _cells(row: dict, columns: list[dict]) -> list[tuple[str, str]]:
    """A row of the table by town as (text, link) cells, formatted here: a province has a thousand towns, and the
    template language would spend half a second on the same formatting."""
    cells = []
    for column in columns:
        value = row[column["key"]]
        if value is None:
            text = "—"
        elif column["unit"] == "元":
            text = wan(value)
        elif column["unit"] == "%":
            text = f"{value}%"
        else:  # what intcomma makes of a count with the project's formats (guanghan/formats), without its cost
            text = f"{value:,}" if isinstance(value, int) else intcomma(value)
        cells.append((text, row["urls"][column["key"]]))
    return cells


def _query(area: figures.Area) -> str:
    from urllib.parse import urlencode

    return urlencode({"year": area.year, **area.place})


def json_endpoint(build):
    """A read-only JSON view of the dashboard: the year and place asked for (400 naming a bad parameter), and what
    `build(user, area, form)` makes of them, after the area itself."""

    @require_GET
    @role_required(*ALL_ROLES)
    @wraps(build)
    def view(request):
        form, area = _area(request)
        if area is None:
            return _errors(form)
        return _json({**_area_json(area), **_plain(build(request.user, area, form))})

    return view


@json_endpoint
def figures_json(user, area, form):
    """/api/dashboard/?year=&town=&village=: every figure of the dashboard with its link, and the charts' data."""
    return _sections_json(_sections(user, area))


def _sections_json(sections: list[figures.Section]) -> dict:
    return {"sections": {s.key: s.as_json() for s in sections}}


@json_endpoint
def areas_json(user, area, form):
    """/api/dashboard/areas/: the key figures per town (or per village of the chosen town)."""
    return _areas(user, area)


@json_endpoint
def years_json(user, area, form):
    """/api/dashboard/years/: the programme year by year up to the chosen year."""
    key = (*_area_key(area), form.first_year)
    return cached_figures("dashboard-years", user, key, lambda: figures.years(user, area, since=form.first_year))


@require_GET
@role_required(*ALL_ROLES)
def summary(request):
    """The year's outcomes on one printable page (seed section 三), and the same as .xlsx."""
    form, area = _area(request)
    if area is None:
        return render(request, "dashboard/summary.html", {"form": form, "area": None}, status=400)
    sections = {s.key: s for s in _sections(request.user, area)}
    table = _areas(request.user, area)
    lines = summary_lines(sections)
    if request.GET.get("format") == "xlsx":
        return xlsx_response(_summary_workbook(area, lines, table), f"党内项目帮扶主要成效-{area.year}.xlsx")
    context = {
        "form": form,
        "area": area,
        "sections": sections,
        "lines": lines,
        "areas": table,
        "query": _query(area),
        "printed_on": timezone.localdate(),
    }
    return render(request, "dashboard/summary.html", context)


def summary_lines(sections: dict) -> list[tuple[str, list[figures.Figure]]]:
    """The summary's rows: a heading and its figures, in the order of the seed's report."""

    def pick(section, *keys):
        return [sections[section][k] for k in keys]

    return [
        ("主要成效", pick("outcomes", "lifted", "lifted_in_year", "brought", "satisfaction")),
        (
            "困难党员（群众）",
            pick("registry", "party", "band_<=45", "band_46-59", "band_>=60", "party_rural", "party_share", "resident"),
        ),
        ("帮扶项目", pick("projects", "total", "key", "demo", "residents")),
        ("结对帮扶", pick("pairs", "village_pairs", "household_pairs")),
        ("帮扶资金", pick("funds", "paid", "paid_special", "paid_department", "lent", "outstanding")),
        ("督查", pick("supervision", "visits", "passed", "answers")),
    ]


def _summary_workbook(area: figures.Area, lines, table) -> Workbook:
    wb = Workbook()
    ws = wb.active
    ws.title = "主要成效"
    ws.append([safe_cell(f"广汉市党内项目帮扶工作主要成效 · {area.year} 年 · {area.label}")])
    ws.merge_cells("A1:E1")
    ws["A1"].font = Font(bold=True, size=13)
    ws.append([safe_cell(f"统计截至 {area.day:%Y-%m-%d}；资金单位为元")])
    headers = ["类别", "项目", "数值", "单位", "说明"]
    ws.append(headers)
    for cell in ws[ws.max_row]:
        cell.font, cell.fill = Font(bold=True), PatternFill("solid", fgColor="F2DCDB")
    for heading, items in lines:
        for figure in items:
            ws.append([safe_cell(v) for v in (heading, figure.label, figure.value, figure.unit, figure.note)])
            if isinstance(figure.value, Decimal):
                ws.cell(row=ws.max_row, column=3).number_format = "#,##0.00" if figure.unit == "元" else "0.00"
    for column, width in zip("ABCDE", (14, 30, 18, 6, 50), strict=True):
        ws.column_dimensions[column].width = width
    ws.freeze_panes = "A4"

    ws = wb.create_sheet(f"按{table['level_label']}"[:31])
    columns = table["columns"]
    ws.append([table["level_label"], *(f"{c['label']}（{c['unit']}）" for c in columns)])
    for index in range(1, len(columns) + 2):
        header = ws.cell(row=1, column=index)
        header.font, header.alignment = Font(bold=True), Alignment(horizontal="center", wrap_text=True)
        header.fill = PatternFill("solid", fgColor="F2DCDB")
        ws.column_dimensions[get_column_letter(index)].width = 16
    for row in table["rows"]:
        ws.append([safe_cell(row["name"]), *(row[c["key"]] for c in columns)])
        for cell, column in zip(ws[ws.max_row][1:], columns, strict=True):
            if column["unit"] == "元":
                cell.number_format = "#,##0.00"
    ws.freeze_panes = "B2"
    for sheet in wb.worksheets:
        sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
        sheet.print_options.gridLines = True
    return wb

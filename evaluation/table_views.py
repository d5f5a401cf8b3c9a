"""The leaders' year-end table: the page (sortable), its print view (A4 landscape), its .xlsx export and its JSON."""

from django.http import Http404, JsonResponse
from django.shortcuts import render
from django.urls import path
from django.utils import timezone
from django.views.decorators.http import require_GET
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from evaluation import tables
from guanghan.access import Role, role_required
from guanghan.lib.excel import safe_cell, xlsx_response

# The year-end table is the whole city's ranking: organisation staff and leaders read it. Department staff read
# their own scores on the year's pages.
READERS = (Role.ORG_STAFF, Role.LEADER)


def _table(request, year: int) -> dict:
    current, previous = tables.years(year)
    if current is None:
        raise Http404(f"没有 {year} 年度的考核。")
    sort, direction = request.GET.get("sort", "rank"), request.GET.get("dir", "")
    return tables.results_table(request.user, current, previous, sort=sort, direction=direction)


@require_GET
@role_required(*READERS)
def table(request, year: int):
    data = _table(request, year)
    if request.GET.get("format") == "xlsx":
        return xlsx_response(_workbook(data, timezone.localdate()), f"{data['title']}.xlsx")
    return render(request, "evaluation/table.html", {"table": data, "today": timezone.localdate()})


@require_GET
@role_required(*READERS)
def table_print(request, year: int):
    data = _table(request, year)
    return render(request, "evaluation/table_print.html", {"table": data, "today": timezone.localdate()})


@require_GET
@role_required(*READERS)
def results_json(request, year: int):
    """/api/evaluation/<year>/results/: the table's data, numbers as strings with two decimals."""
    current, previous = tables.years(year)
    if current is None:
        return JsonResponse(
            {"error": f"没有 {year} 年度的考核。"}, status=404, json_dumps_params={"ensure_ascii": False}
        )
    data = tables.results_table(
        request.user, current, previous, sort=request.GET.get("sort", "rank"), direction=request.GET.get("dir", "")
    )
    return JsonResponse(tables.as_json(data), json_dumps_params={"ensure_ascii": False})


SCORE, PERCENT, SIGNED, SIGNED_INT, RANK = "0.00", '0.0"%"', "+0.00;-0.00;0.00", "+0;-0;0", "0"
THIN = Side(style="thin", color="999999")


def _columns(data) -> list[tuple[str, str, int, object]]:
    """(header, number format, width, value of a row) for each column of the sheet."""
    previous = data["previous"].year if data["previous"] else data["year"].year - 1
    columns = [
        ("名次", RANK, 6, lambda r: r["rank"]),
        ("部门", "@", 24, lambda r: r["department"].name),
    ]
    for block in data["blocks"]:
        header = f"{block.get_code_display()}（满分{block.max_points.normalize():f}）"
        columns.append((header, SCORE, 13, lambda r, code=block.code: r["by_block"][code]))
    columns += [
        ("项目帮扶总分", SCORE, 12, lambda r: r["total"]),
        ("等次", "@", 8, lambda r: r["grade"]),
        ("奖惩", "@", 8, lambda r: r["kind_label"] if r["kind"] != "none" else "—"),
        ("奖惩比例", PERCENT, 9, lambda r: r["percentage"] if r["kind"] != "none" else None),
        ("奖惩分", SIGNED, 9, lambda r: r["points"]),
        (f"{previous}年总分", SCORE, 11, lambda r: r["last"]["total"] if r["last"] else None),
        (f"{previous}年名次", RANK, 9, lambda r: r["last"]["rank"] if r["last"] else None),
        ("名次升降", SIGNED_INT, 9, lambda r: r["rank_change"].value if r["rank_change"] else None),
        ("总分增减", SIGNED, 9, lambda r: r["total_change"].value if r["total_change"] else None),
    ]
    return columns


def _workbook(data, today) -> Workbook:
    """Title row merged across the columns, Chinese headers, frozen below them; Decimals are written as numbers."""
    columns = _columns(data)
    wb = Workbook()
    ws = wb.active
    ws.title = f"{data['year'].year}年度考核结果"
    ws.append([safe_cell(data["title"])])
    ws.merge_cells(start_row=1, end_row=1, start_column=1, end_column=len(columns))
    ws["A1"].font, ws["A1"].alignment = Font(bold=True, size=14), Alignment(horizontal="center")
    ws.row_dimensions[1].height = 26
    ws.append([header for header, *_ in columns])
    for index, (_, _, width, _) in enumerate(columns, start=1):
        cell = ws.cell(row=2, column=index)
        cell.font, cell.fill = Font(bold=True), PatternFill("solid", fgColor="F2DCDB")
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        ws.column_dimensions[get_column_letter(index)].width = width
    ws.row_dimensions[2].height = 32
    for row in data["rows"]:
        ws.append([safe_cell(value(row)) for *_, value in columns])
        for cell, (_, number_format, _, _) in zip(ws[ws.max_row], columns, strict=True):
            cell.number_format = number_format
    for line in ws.iter_rows(min_row=2, max_row=ws.max_row, max_col=len(columns)):
        for cell in line:
            cell.border = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
    ws.append([])
    if not data["closed"]:
        ws.append(["考核尚未关闭，结果为当前评分的实时计算。"])
    ws.append([f"制表日期：{today.year}年{today.month}月{today.day}日"])
    ws.freeze_panes = "C3"
    ws.print_title_rows = "2:2"
    ws.page_setup.orientation, ws.page_setup.paperSize = "landscape", ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    return wb


urlpatterns = [
    path("<int:year>/table/", table, name="table"),
    path("<int:year>/table/print/", table_print, name="table-print"),
]

"""Writing .xlsx files people open in Excel or WPS: Chinese headers, and no cell that could run as a formula."""

from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from io import BytesIO

from django.http import HttpResponse
from django.utils.encoding import escape_uri_path
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def safe_cell(value):
    """A value safe to write: text that Excel would read as a formula gets a leading apostrophe-like quote."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def workbook(title: str, headers: list[str], rows: Iterable[Iterable], *, money_columns=()) -> Workbook:
    """One sheet: a bold, frozen header row, then the rows (write_only keeps memory flat for long lists)."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(title[:31])
    ws.freeze_panes = "A2"
    for index, header in enumerate(headers, start=1):
        ws.column_dimensions[get_column_letter(index)].width = max(10, len(header) * 2 + 4)
    from openpyxl.cell import WriteOnlyCell

    header_cells = []
    for header in headers:
        cell = WriteOnlyCell(ws, value=header)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="F2DCDB")
        cell.alignment = Alignment(horizontal="center")
        header_cells.append(cell)
    ws.append(header_cells)
    wb.export_rows = 0
    for row in rows:
        wb.export_rows += 1
        out = []
        for index, value in enumerate(row):
            cell = WriteOnlyCell(ws, value=safe_cell(value))
            if isinstance(value, Decimal) or index in money_columns:
                cell.number_format = "#,##0.00"
            elif isinstance(value, date | datetime):
                cell.number_format = "yyyy-mm-dd"
            out.append(cell)
        ws.append(out)
    return wb


def _defuse(wb: Workbook) -> None:
    """The last guard before a file leaves: a cell built by hand (a template's directory sheet, a title) holding
    text Excel would run, or a formula, is written as text. Write-only workbooks come from `workbook`, which wrote
    every cell through safe_cell already (and cannot be read back)."""
    if wb.write_only:
        return
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and cell.value.startswith(FORMULA_STARTS):
                    cell.value = safe_cell(cell.value)
                    cell.data_type = "s"


def xlsx_response(wb: Workbook, filename: str) -> HttpResponse:
    _defuse(wb)
    rows = getattr(wb, "export_rows", None)
    if rows is None:  # a workbook built sheet by sheet: its rows below each sheet's header row
        rows = sum(max(ws.max_row - 1, 0) for ws in wb.worksheets)
    buffer = BytesIO()
    wb.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{escape_uri_path(filename)}"
    response.export_rows = rows  # for the export log (guanghan.middleware.ExportLogMiddleware)
    return response

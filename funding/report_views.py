"""The fund report (资金报表) with its .xlsx export, and the yearly targets (筹资目标) it measures against."""

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Case, IntegerField, When
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from funding import reports
from funding.models import Channel, FundTarget
from funding.report_forms import FundTargetForm, ReportForm, TargetFilterForm
from guanghan import access
from guanghan.access import Role, role_required
from guanghan.lib.excel import safe_cell, xlsx_response
from guanghan.lib.money import to_wan
from guanghan.lib.paging import CappedPaginator

READERS = (Role.ORG_STAFF, Role.LEADER, Role.DEPT_STAFF)
PAGE_SIZE = 50
DUPLICATE = "该年度、渠道、来源和部门的目标已经设置，请在目标列表中修改原目标。"


@require_GET
@role_required(*READERS)
def report(request):
    form = ReportForm(request.GET or None)
    year = form.cleaned_data["year"] if form.is_valid() else None
    data = reports.fund_report(request.user, year, today=timezone.localdate())
    if request.GET.get("format") == "xlsx":
        return xlsx_response(_workbook(data), f"帮扶资金报表-{data['year']}.xlsx")
    for table in data["tables"]:
        for row in [*table["rows"], table["total"]]:
            row["links"] = _links(table["columns"], row, {"year": data["year"], **data["filters"]})
    if not form.is_bound:
        form = ReportForm(initial={"year": data["year"]})
    return render(request, "funding/report.html", {"form": form, "report": data})


def _links(columns, row, base: dict) -> dict:
    """The list behind each figure of the row: a figure of zero has nothing behind it."""
    links = {}
    for column in columns:
        if not column.link or not row.get(column.key):
            continue
        if column.arg:
            if row.get(column.arg):
                links[column.key] = reverse(column.link, args=[row[column.arg]])
        else:
            query = {**base, **row.get("filters", {}), **column.params}
            links[column.key] = f"{reverse(column.link)}?{urlencode(query)}"
    return links


UNITS = {"money": "（元）", "percent": "（%）"}
FORMATS = {"money": "#,##0.00", "percent": "0.0"}


def _workbook(data) -> Workbook:
    """A sheet per table: a title row with the year, Chinese headers, amounts in 元 as Decimal, the total row last."""
    wb = Workbook()
    wb.remove(wb.active)
    for table in data["tables"]:
        columns = table["columns"]
        ws = wb.create_sheet(table["title"][:31])
        year = "历年" if table["key"] == "year" else f"{data['year']} 年度"
        ws.append([safe_cell(f"广汉市帮扶资金报表 · {year} · {table['title']}")])
        ws.merge_cells(start_row=1, end_row=1, start_column=1, end_column=len(columns))
        ws["A1"].font = Font(bold=True, size=13)
        ws.append([c.label + UNITS.get(c.kind, "") for c in columns])
        for index, column in enumerate(columns, start=1):
            header = ws.cell(row=2, column=index)
            header.font, header.alignment = Font(bold=True), Alignment(horizontal="center", wrap_text=True)
            header.fill = PatternFill("solid", fgColor="F2DCDB")
            ws.column_dimensions[get_column_letter(index)].width = 14 if column.kind == "text" else 18
        for row in [*table["rows"], table["total"]]:
            ws.append([safe_cell(row.get(c.key)) for c in columns])
            for cell, column in zip(ws[ws.max_row], columns, strict=True):
                cell.number_format = FORMATS.get(column.kind, cell.number_format)
        for cell in ws[ws.max_row]:
            cell.font = Font(bold=True)
        ws.freeze_panes = "B3"
        ws.print_options.gridLines = True
        ws.page_setup.orientation, ws.page_setup.paperSize = "landscape", ws.PAPERSIZE_A4
    return wb


def _targets(user):
    """Department staff read its own department's targets and the ones that are not a department's."""
    targets = FundTarget.objects.select_related("department")
    return access.scope(user, targets, village=None, department="department") | targets.filter(department=None)


def _can_edit(user) -> bool:
    return access.has_role(user, Role.ORG_STAFF) and user.has_perm("funding.change_fundtarget")


@require_GET
@role_required(*READERS)
def target_list(request):
    form = TargetFilterForm(request.GET or None)
    channel_order = Case(*(When(channel=c, then=i) for i, c in enumerate(Channel)), output_field=IntegerField())
    targets = form.filter(_targets(request.user)).order_by("-year", channel_order, "source", "department__name", "pk")
    page = CappedPaginator(targets, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"form": form, "page": page, "can_edit": _can_edit(request.user)}
    return render(request, "funding/target_list.html", context)


@require_http_methods(["GET", "POST"])
@role_required(Role.ORG_STAFF)
def target_create(request):
    if not request.user.has_perm("funding.add_fundtarget"):
        raise PermissionDenied("您的角色不能设置筹资目标。")
    return _target_form(request, FundTargetForm(request.POST or None), "设置")


@require_http_methods(["GET", "POST"])
@role_required(Role.ORG_STAFF)
def target_edit(request, pk):
    if not _can_edit(request.user):
        raise PermissionDenied("您的角色不能修改筹资目标。")
    target = access.get_for_user(
        request.user, FundTarget.objects.all(), write=True, village=None, department="department", pk=pk
    )
    return _target_form(request, FundTargetForm(request.POST or None, instance=target), "修改")


def _target_form(request, form, verb: str):
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                target = form.save()
        except IntegrityError:  # a twin saved by someone else since the form was checked
            form.add_error(None, DUPLICATE)
        else:
            messages.success(request, f"已{verb}{target}：{to_wan(target.amount):,} 万元。")
            return redirect(f"{reverse('funding:target-list')}?year={target.year}")
    return render(request, "funding/target_form.html", {"form": form, "verb": verb})


urlpatterns = [
    path("reports/", report, name="report"),
    path("targets/", target_list, name="target-list"),
    path("targets/new/", target_create, name="target-create"),
    path("targets/<int:pk>/edit/", target_edit, name="target-edit"),
]

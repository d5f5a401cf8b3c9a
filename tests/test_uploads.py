"""Hostile uploads to the roster, project-list and pair-list imports: refused in Chinese before any parser opens them,
never a 500, and nothing left behind (guanghan/lib/uploads.py)."""

import dataclasses
import io
import zipfile

import defusedxml
import openpyxl
import pytest
from django.urls import reverse
from openpyxl import Workbook

from guanghan.lib import uploads
from guanghan.models import Village
from members import roster
from members.models import ImportBatch
from projects import import_views
from tests.members.test_roster import make_roster, person

IMPORT_URLS = ("members:roster-upload", "projects:project-import", "projects:pairs-import")
PAYLOAD = b" " * (1 << 20)  # XML whitespace: valid anywhere between tags, and deflates about a thousand times


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 0  # every upload goes through a temporary file on disk
    settings.FILE_UPLOAD_TEMP_DIR = tmp_path / "upload-tmp"
    settings.FILE_UPLOAD_TEMP_DIR.mkdir()
    return settings.MEDIA_ROOT


def left_behind(settings) -> list:
    imports = settings.MEDIA_ROOT / "imports"
    stored = list(imports.iterdir()) if imports.exists() else []
    return stored + list(settings.FILE_UPLOAD_TEMP_DIR.iterdir())


def base_xlsx() -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(["姓名", "身份证号", "乡镇", "村(社区)"])
    ws.append(["张三", "510681196001010012", "三星堆镇", "三星村"])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def rebuilt(replace: dict[str, bytes], *, claim: dict[str, int] | None = None, drop=()) -> bytes:
    """A copy of a small valid .xlsx with some parts replaced; `claim` overrides the central directory's sizes."""
    source = zipfile.ZipFile(io.BytesIO(base_xlsx()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in source.infolist():
            if info.filename not in drop:
                archive.writestr(info.filename, replace.get(info.filename, source.read(info)))
        for name, data in replace.items():
            if name not in source.namelist():
                archive.writestr(name, data)
        for info in archive.infolist():
            if claim and info.filename in claim:
                info.file_size = claim[info.filename]
    return out.getvalue()


def zip_bomb(megabytes: int) -> bytes:
    """sheet1.xml: a sheet tag, then `megabytes` MB of spaces: a few KB compressed."""
    source = zipfile.ZipFile(io.BytesIO(base_xlsx()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in source.infolist():
            if info.filename != "xl/worksheets/sheet1.xml":
                archive.writestr(info.filename, source.read(info))
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>')
            for _ in range(megabytes):
                sheet.write(PAYLOAD)
            sheet.write(b"</sheetData></worksheet>")
    return out.getvalue()


LAUGHS = (
    '<?xml version="1.0" encoding="UTF-8"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + "".join(f'<!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">' for i in range(1, 10))
    + "]>"
)


def billion_laughs(part: str) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(base_xlsx()))
    if part == "xl/sharedStrings.xml":
        body = (
            '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1">'
            "<si><t>&lol9;</t></si></sst>"
        )
        return rebuilt({part: (LAUGHS + body).encode()})
    sheet = source.read(part).decode().split("?>", 1)[-1].replace("<t>张三</t>", "<t>&lol9;</t>")
    return rebuilt({part: (LAUGHS + sheet).encode()})


def ole2() -> bytes:
    return uploads.OLE2_MAGIC + b"\x00" * 504


def post(client, url_name, name: str, data: bytes):
    upload = io.BytesIO(data)
    upload.name = name
    return client.post(reverse(url_name), {"file": upload})


def assert_refused(client, settings, url_name, name, data, message):
    response = post(client, url_name, name, data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert ImportBatch.objects.count() == 0
    assert left_behind(settings) == []


# ------------------------------------------------------------------ the name and the content


@pytest.mark.parametrize("url_name", IMPORT_URLS)
@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("名单.txt", "姓名".encode(), "只能导入 .xlsx、.xls 或 .csv 文件。"),
        ("名单.xlsx", b"<html>not a workbook</html>", "文件内容不是 Excel 工作簿"),
        ("名单.xlsx", b"PK\x03\x04 broken", "文件内容不是 Excel 工作簿"),
        ("名单.xlsx", "docx", "文件内容不是 Excel 工作簿"),
        ("名单.xlsx", "ole2", "文件设置了打开密码，或是改了扩展名的 .xls 文件"),
        ("名单.xls", "xlsx", "这是 .xlsx 文件却以 .xls 结尾"),
        ("名单.xls", b"MZ\x90\x00 an exe renamed", "无法读取该 .xls 文件"),
        ("名单.csv", "xlsx", "这是 Excel 工作簿却以 .csv 结尾"),
        ("名单.csv", "ole2", "这是 Excel 工作簿却以 .csv 结尾"),
        ("名单.csv", "姓名\x00身份证号".encode(), "文件内容不是 CSV 文本"),
    ],
)
def test_a_renamed_file_is_refused_in_chinese(client, org_staff, settings, url_name, name, data, message):
    data = {
        "xlsx": base_xlsx,
        "ole2": ole2,
        "docx": lambda: rebuilt({"word/document.xml": b"<w/>"}, drop=("xl/workbook.xml",)),
    }.get(data, lambda: data)()
    client.force_login(org_staff)

    assert_refused(client, settings, url_name, name, data, message)


def test_a_real_workbook_passes_the_content_check(tmp_path):
    assert uploads.check_spreadsheet(io.BytesIO(base_xlsx()), name="a.xlsx") is None


# ------------------------------------------------------------------ size and rows, before parsing


@pytest.fixture
def no_parsing(monkeypatch):
    """Any attempt to open a workbook fails the test: the checks must refuse the file first."""

    def refuse(*args, **kwargs):
        raise AssertionError("the file reached a parser")

    monkeypatch.setattr(roster.CalamineWorkbook, "from_path", refuse)
    monkeypatch.setattr(openpyxl, "load_workbook", refuse)


@pytest.mark.parametrize("url_name", IMPORT_URLS)
def test_a_file_over_the_size_cap_is_refused_naming_the_limit(
    client, org_staff, settings, monkeypatch, no_parsing, url_name
):
    monkeypatch.setattr(roster, "MAX_BYTES", 2048)
    monkeypatch.setattr("projects.import_views.MAX_BYTES", 2048)
    client.force_login(org_staff)

    assert_refused(client, settings, url_name, "名单.xlsx", base_xlsx() + b"\0" * 4096, "文件超过 2 KB 的上限")


@pytest.mark.parametrize("url_name", IMPORT_URLS)
def test_a_sheet_over_the_row_cap_is_refused_before_parsing(
    client, org_staff, settings, monkeypatch, no_parsing, tmp_path, village, url_name
):
    monkeypatch.setattr(roster, "MAX_ROWS", 5)
    monkeypatch.setattr("projects.import_views.MAX_ROWS", 5)
    path = make_roster(tmp_path / "big.xlsx", [person(n) for n in range(30)])
    client.force_login(org_staff)

    assert_refused(client, settings, url_name, "名单.xlsx", path.read_bytes(), "工作表有 31 行，超过 5 行的上限")


def test_a_csv_over_the_row_cap_is_refused_before_parsing(client, org_staff, settings, monkeypatch):
    monkeypatch.setattr(roster, "MAX_ROWS", 5)
    data = ("姓名,身份证号\n" + "张三,510681196001010012\n" * 40).encode()
    client.force_login(org_staff)

    assert_refused(client, settings, "members:roster-upload", "名单.csv", data, "文件有 41 行，超过 5 行的上限")


# ------------------------------------------------------------------ zip and XML bombs


@pytest.mark.parametrize("url_name", IMPORT_URLS)
def test_a_zip_bomb_is_refused_by_its_compression_ratio(client, org_staff, settings, no_parsing, url_name):
    bomb = zip_bomb(64)  # 64 MB of sheet XML in well under 1 MB
    assert len(bomb) < 1 << 20
    client.force_login(org_staff)

    assert_refused(client, settings, url_name, "名单.xlsx", bomb, "文件解压后过大（“xl/worksheets/sheet1.xml”压缩比")


@pytest.mark.parametrize("url_name", IMPORT_URLS)
def test_a_zip_bomb_of_gigabytes_is_refused_by_its_declared_size(client, org_staff, settings, no_parsing, url_name):
    # Deflating 3 GB for real takes a minute; what is checked is the central directory, so the bomb declares it there
    # (as a real one would) over a real 4 MB payload of the same kind.
    source = zipfile.ZipFile(io.BytesIO(zip_bomb(4)))
    parts = {info.filename: source.read(info) for info in source.infolist()}
    bomb = rebuilt(parts, claim={"xl/worksheets/sheet1.xml": 3 * 1024**3})
    assert len(bomb) < 1 << 20
    client.force_login(org_staff)

    assert_refused(client, settings, url_name, "名单.xlsx", bomb, "文件解压后过大（共 3072 MB，上限 500 MB）")


@pytest.mark.parametrize("url_name", IMPORT_URLS)
@pytest.mark.parametrize("part", ["xl/worksheets/sheet1.xml", "xl/sharedStrings.xml"])
def test_an_xml_entity_bomb_is_refused_before_parsing(client, org_staff, settings, no_parsing, url_name, part):
    client.force_login(org_staff)

    assert_refused(client, settings, url_name, "名单.xlsx", billion_laughs(part), "文件中含有 XML 实体声明（DOCTYPE）")


def test_an_entity_bomb_in_utf16_is_refused_too():
    sheet = (LAUGHS.replace("UTF-8", "UTF-16") + "<worksheet><sheetData/></worksheet>").encode("utf-16")
    with pytest.raises(uploads.UploadError, match="XML 实体声明"):
        uploads.check_spreadsheet(io.BytesIO(rebuilt({"xl/worksheets/sheet1.xml": sheet})), name="a.xlsx")


@pytest.mark.parametrize("part", ["xl/worksheets/sheet1.xml", "xl/sharedStrings.xml"])
def test_neither_reader_expands_entities_even_without_the_check(tmp_path, part):
    """Should a bomb ever slip past the check: calamine (the importers' reader) refuses the undeclared-to-it entity,
    and openpyxl (used on our own files) parses through defusedxml, which forbids entity declarations."""
    path = tmp_path / "bomb.xlsx"
    path.write_bytes(billion_laughs(part))

    with pytest.raises(roster.RosterError, match=r"无法读取该 \.xlsx 文件"):
        list(roster.read_rows(path))
    assert openpyxl.DEFUSEDXML is True
    if part == "xl/worksheets/sheet1.xml":  # openpyxl reads only the parts the workbook's relations name
        with pytest.raises(Exception) as raised:
            openpyxl.load_workbook(path)
        chain, error = [], raised.value
        while error is not None:
            chain.append(error)
            error = error.__cause__ or error.__context__
        assert any(isinstance(error, defusedxml.DefusedXmlException) for error in chain), chain


# ------------------------------------------------------------------ nothing left behind


def broken_sheet() -> bytes:
    """Passes every check (a real zip with the right parts), but its sheet XML is cut off: the parse fails."""
    return rebuilt({"xl/worksheets/sheet1.xml": b'<worksheet><sheetData><row r="1"><c r="A1" t="s"><v>9'})


@pytest.mark.parametrize("url_name", IMPORT_URLS)
def test_a_failing_parse_leaves_no_file_behind(client, org_staff, settings, url_name):
    client.force_login(org_staff)

    response = post(client, url_name, "名单.xlsx", broken_sheet())

    assert response.status_code == 200
    assert "无法读取该 .xlsx 文件" in response.content.decode() or "没有找到表头" in response.content.decode()
    assert ImportBatch.objects.count() == 0
    assert left_behind(settings) == []


@pytest.mark.parametrize(
    ("url_name", "target"),
    [
        ("members:roster-upload", "members.roster.roster_preview"),
        ("projects:project-import", "projects.imports.project_preview"),
    ],
)
def test_a_crash_while_parsing_leaves_no_file_and_no_batch(client, org_staff, settings, monkeypatch, url_name, target):
    def crash(*args, **kwargs):
        raise RuntimeError("parser crashed")

    monkeypatch.setattr(target, crash)
    monkeypatch.setattr(import_views, "PROJECTS", dataclasses.replace(import_views.PROJECTS, preview=crash))
    client.force_login(org_staff)
    client.raise_request_exception = False

    response = post(client, url_name, "名单.xlsx", base_xlsx())

    assert response.status_code == 500
    assert ImportBatch.objects.count() == 0
    assert left_behind(settings) == []


def test_a_file_with_row_errors_is_kept_for_its_preview_but_a_projects_one_is_not(client, org_staff, settings, village):
    client.force_login(org_staff)
    data = make_roster(settings.FILE_UPLOAD_TEMP_DIR.parent / "r.xlsx", [person(1, 家庭人口="abc")]).read_bytes()
    (settings.FILE_UPLOAD_TEMP_DIR.parent / "r.xlsx").unlink()

    response = post(client, "members:roster-upload", "名单.xlsx", data)

    assert response.status_code == 302  # the preview lists the row's error; the batch keeps its file for it
    assert [p.name for p in left_behind(settings)] == [f"{ImportBatch.objects.get().pk}.xlsx"]


# ------------------------------------------------------------------ cells that Excel would run


def messages_of(path, village):
    return [str(issue) for issue in roster.roster_preview(path, villages=Village.objects.all()).errors]


def test_text_starting_like_a_formula_is_refused_with_row_and_column(tmp_path, village):
    path = make_roster(
        tmp_path / "r.xlsx",
        [
            person(1, 备注="+86 cmd|' /C calc'!A0"),
            person(2, 姓名="@SUM(1+1)*cmd|' /C calc'!A0"),
            person(3, 民族="-2+3+cmd|' /C calc'!A0"),
            person(4, 备注='=HYPERLINK("http://evil.example","点我")'),
            person(5, 备注="-"),  # a dash for "nothing": not a formula
        ],
    )

    assert messages_of(path, village) == [
        f"第2行 [备注] {roster.FORMULA_MESSAGE}",
        f"第3行 [姓名] {roster.FORMULA_MESSAGE}",
        f"第4行 [民族] {roster.FORMULA_MESSAGE}",
        f"第5行 [备注] {roster.FORMULA_MESSAGE}",
    ]


def test_a_leading_minus_in_a_number_column_is_a_negative_number_not_a_formula(tmp_path, village):
    path = make_roster(tmp_path / "r.xlsx", [person(1, 家庭年人均收入="-500"), person(2, 家庭人口="-3")])

    assert messages_of(path, village) == [
        "第2行 [家庭年人均收入] 家庭年人均收入不能为负数",
        "第3行 [家庭人口] 家庭人口应在 1 到 99 之间，现在是 -3",
    ]


def test_a_formula_cell_in_the_xlsx_is_refused_whatever_it_computes(tmp_path, village):
    wb = Workbook()
    ws = wb.active
    headers = roster.HEADERS
    ws.append(headers)
    row = person(1)
    ws.append([row.get(header) for header in headers])
    ws.cell(row=2, column=headers.index("姓名") + 1, value='=CONCATENATE("张","三")')
    path = tmp_path / "f.xlsx"
    wb.save(path)

    assert messages_of(path, village) == [f"第2行 [姓名] {roster.FORMULA_MESSAGE}"]

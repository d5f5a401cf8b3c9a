"""Spreadsheets uploaded for import (rosters, project and pair lists): checked before any parser opens them.

Every importer runs `check_spreadsheet` on the upload (in the form, before anything is stored) and again on the
stored file (before calamine reads it), so a hostile file is refused with a Chinese message and never reaches a
parser:

- the name must end in .xlsx, .xls or .csv, and the content must be what the name says: an .xlsx is a zip holding
  `[Content_Types].xml` and `xl/workbook.xml`, an .xls an OLE2 compound file, a .csv text (not a renamed workbook);
- the file is at most `max_bytes`; an .xlsx's parts, as its central directory declares them, unpack to at most
  MAX_UNPACKED_BYTES in all, and no large part is compressed more than MAX_RATIO times (a zip bomb);
- no XML part of an .xlsx declares a DOCTYPE (Excel never writes one; a billion-laughs entity bomb needs one);
- the first sheet's declared size (`<dimension ref="A1:W100010">`) and a .csv's line count stay under the row cap.

`looks_like_formula` is the importers' shared test for a cell that Excel would run as a formula.
"""

import re
import zipfile
from pathlib import Path, PurePosixPath

from defusedxml import ElementTree

SUFFIXES = (".xlsx", ".xls", ".csv")
MAX_BYTES = 20 * 1024 * 1024
MAX_ROWS = 100_000
MAX_UNPACKED_BYTES = 500 * 1024 * 1024  # a 100,000-row roster's sheet is about 100 MB of XML
MAX_RATIO = 200  # sheet XML compresses 5–30 times; a zip bomb about a thousand times
RATIO_FROM_BYTES = 1024 * 1024  # tiny parts may compress better than that without harm
PROLOG_BYTES = 64 * 1024
HEADER_ROWS = 10  # title and header rows a file may have above its data (the importers' HEADER_SCAN_ROWS)

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
XLSX_PARTS = ("[Content_Types].xml", "xl/workbook.xml")
FORMULA_STARTS = ("=", "+", "-", "@")

_DIMENSION = re.compile(rb"<(?:\w+:)?dimension\s+ref=\"[A-Z]{0,3}\d*:?[A-Z]{0,3}(\d+)\"")
_ROOT_START = re.compile(rb"<[A-Za-z_]")


class UploadError(ValueError):
    """A file refused as a whole, with a message in Chinese saying what to do."""


def looks_like_formula(value) -> bool:
    """Text Excel or WPS would run as a formula (=, +, -, @ first); a lone sign is only a dash in an empty cell."""
    return isinstance(value, str) and value.startswith(FORMULA_STARTS) and value not in ("-", "+")


def check_name(name: str) -> str:
    """The lower-case suffix of an allowed file name, or UploadError."""
    suffix = Path(name or "").suffix.lower()
    if suffix not in SUFFIXES:
        raise UploadError("只能导入 .xlsx、.xls 或 .csv 文件。")
    return suffix


def _megabytes(size: int) -> str:
    return f"{size / 1048576:.0f} MB" if size >= 1048576 else f"{size / 1024:.0f} KB"


def check_spreadsheet(source, *, name: str | None = None, max_bytes: int = MAX_BYTES, max_rows: int = MAX_ROWS):
    """Refuse (UploadError) a file that is not the spreadsheet its name says, too big, or a bomb; else return None.

    `source` is a path or an open binary file (an upload): it is read from the start and left at the start.
    """
    is_path = isinstance(source, str | Path)
    name = name or (str(source) if is_path else getattr(source, "name", ""))
    suffix = check_name(name)
    handle = open(source, "rb") if is_path else source  # noqa: SIM115 - closed below when opened here
    try:
        handle.seek(0, 2)
        size = handle.tell()
        handle.seek(0)
        if size > max_bytes:
            raise UploadError(
                f"文件超过 {_megabytes(max_bytes)} 的上限（该文件 {size / 1048576:.1f} MB）：请拆分为几个文件分别导入。"
            )
        head = handle.read(len(OLE2_MAGIC))
        handle.seek(0)
        if suffix == ".xlsx":
            _check_xlsx(handle, head, max_rows)
        elif suffix == ".xls":
            _check_xls(head)
        else:
            _check_csv(handle, head, max_rows)
    finally:
        if is_path:
            handle.close()
        else:
            handle.seek(0)


_NOT_EXCEL = (
    "无法读取该 {suffix} 文件：文件内容不是 Excel 工作簿（可能已损坏，或是改了扩展名的其他文件）。"
    "请在 Excel/WPS 中打开后另存为 .xlsx 再上传。"
)
_BOMB = (
    "文件解压后过大（{detail}），不像是花名册或名单：请在 Excel/WPS 中只保留要导入的工作表，另存为 .xlsx 后重新上传。"
)


def _check_xls(head: bytes) -> None:
    if head.startswith(ZIP_MAGIC):
        raise UploadError("文件扩展名与内容不符：这是 .xlsx 文件却以 .xls 结尾。请把扩展名改为 .xlsx 后重新上传。")
    if head != OLE2_MAGIC:
        raise UploadError(_NOT_EXCEL.format(suffix=".xls"))


def _check_csv(handle, head: bytes, max_rows: int) -> None:
    if head.startswith(ZIP_MAGIC) or head == OLE2_MAGIC:
        raise UploadError(
            "文件扩展名与内容不符：这是 Excel 工作簿却以 .csv 结尾。请把扩展名改为 .xlsx（或 .xls）后重新上传。"
        )
    lines = 0
    for index, chunk in enumerate(iter(lambda: handle.read(1 << 20), b"")):
        if index == 0 and b"\x00" in chunk:
            raise UploadError(
                "文件内容不是 CSV 文本（含二进制字符）：请在 Excel/WPS 中另存为 .xlsx 或 UTF-8 编码的 CSV。"
            )
        lines += chunk.count(b"\n")
    if lines > max_rows + HEADER_ROWS:
        raise UploadError(f"文件有 {lines:,} 行，超过 {max_rows:,} 行的上限：请拆分为几个文件分别导入。")


def _check_xlsx(handle, head: bytes, max_rows: int) -> None:
    if head == OLE2_MAGIC:
        raise UploadError(
            "无法读取该 .xlsx 文件：文件设置了打开密码，或是改了扩展名的 .xls 文件。"
            "请取消密码，或在 Excel/WPS 中另存为 .xlsx 后重新上传。"
        )
    if not head.startswith(ZIP_MAGIC):
        raise UploadError(_NOT_EXCEL.format(suffix=".xlsx"))
    try:
        archive = zipfile.ZipFile(handle)
    except (zipfile.BadZipFile, OSError, ValueError):
        raise UploadError(_NOT_EXCEL.format(suffix=".xlsx")) from None
    with archive:
        infos = archive.infolist()
        names = {info.filename for info in infos}
        if not all(part in names for part in XLSX_PARTS):
            raise UploadError(_NOT_EXCEL.format(suffix=".xlsx"))
        # The central directory's sizes, before a byte is inflated: what a parser would have to unpack.
        total = sum(info.file_size for info in infos)
        if total > MAX_UNPACKED_BYTES:
            raise UploadError(_BOMB.format(detail=f"共 {_megabytes(total)}，上限 {_megabytes(MAX_UNPACKED_BYTES)}"))
        for info in infos:
            if info.file_size > RATIO_FROM_BYTES and info.file_size > MAX_RATIO * max(info.compress_size, 1):
                ratio = info.file_size // max(info.compress_size, 1)
                raise UploadError(_BOMB.format(detail=f"“{info.filename}”压缩比 {ratio}:1"))
        try:
            for info in infos:
                if info.filename.endswith((".xml", ".rels")):
                    _check_prolog(archive, info)
            sheet = first_sheet_part(archive)
            _check_dimension(archive, sheet, max_rows)
        except (zipfile.BadZipFile, KeyError, AttributeError, ElementTree.ParseError, OSError, EOFError):
            raise UploadError(_NOT_EXCEL.format(suffix=".xlsx")) from None
        except (ElementTree.DTDForbidden, ElementTree.EntitiesForbidden, ElementTree.ExternalReferenceForbidden):
            raise UploadError(_ENTITIES) from None


_ENTITIES = (
    "文件中含有 XML 实体声明（DOCTYPE），Excel/WPS 保存的文件不会有，可能是恶意构造的文件：请在 Excel/WPS 中打开后"
    "另存为 .xlsx 再上传。"
)


def _check_prolog(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
    """Refuse a part with a DOCTYPE (entity declarations live there); only the prolog, before the root, is read."""
    with archive.open(info) as part:
        head = part.read(PROLOG_BYTES).replace(b"\x00", b"")  # UTF-16 text reads as ASCII once NULs are gone
    root = _ROOT_START.search(head)
    prolog = head[: root.start()] if root else head
    if b"<!DOCTYPE" in prolog or b"<!ENTITY" in prolog:
        raise UploadError(_ENTITIES)
    if root is None and info.file_size > PROLOG_BYTES:
        raise UploadError(_NOT_EXCEL.format(suffix=".xlsx"))


def first_sheet_part(archive: zipfile.ZipFile) -> str:
    """The archive path of the workbook's first sheet (the one calamine reads as index 0); XML read with defusedxml."""
    ns_main = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    ns_rel = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
    workbook = ElementTree.fromstring(archive.read("xl/workbook.xml"))
    sheet = workbook.find(f"{ns_main}sheets/{ns_main}sheet")
    rel_id = sheet.get(f"{ns_rel}id")
    rels = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    for rel in rels:
        if rel.get("Id") == rel_id:
            target = rel.get("Target")
            return target.lstrip("/") if target.startswith("/") else str(PurePosixPath("xl") / target)
    raise KeyError(rel_id)


def _check_dimension(archive: zipfile.ZipFile, sheet: str, max_rows: int) -> None:
    """The row cap from the sheet's declared dimension, when it has one (Excel and WPS write it)."""
    with archive.open(sheet) as part:
        head = part.read(PROLOG_BYTES)
    match = _DIMENSION.search(head)
    if match and int(match.group(1)) > max_rows + HEADER_ROWS:
        rows = int(match.group(1))
        raise UploadError(f"工作表有 {rows:,} 行，超过 {max_rows:,} 行的上限：请拆分为几个文件分别导入。")

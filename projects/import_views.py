"""Import pages for project lists and pair lists: upload → preview → confirm, and the templates to fill in.

Project lists: organisation staff (every village), town staff (their town's), department staff (their paired
villages). Pair lists: organisation staff, and department staff for their own cadres. Leaders and liaison officers
get 403. The uploaded file is kept under MEDIA_ROOT/imports/; its stored name and sha256 wait in the session, and the
confirmation re-reads it, refusing it unless its sha256 is the one in the form the user confirmed. The work itself
is in projects/imports.py.
"""

from dataclasses import dataclass
from functools import wraps
from pathlib import Path

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError
from django.shortcuts import redirect, render
from django.urls import path
from django.views.decorators.http import require_GET, require_http_methods

from guanghan.access import Role, role_required
from guanghan.lib import uploads
from guanghan.lib.excel import xlsx_response
from members.roster import MAX_BYTES, MAX_ROWS, SUFFIXES
from projects import imports

SHOWN = 1000


@dataclass(frozen=True)
class Kind:
    key: str
    title: str
    roles: tuple[str, ...]
    perms: tuple[str, ...]
    preview: object
    apply: object
    template: object
    template_name: str
    list_url: str
    url: str
    template_url: str
    unit: str  # how rows are counted in messages: 个项目, 对


PROJECTS = Kind(
    "projects",
    "导入帮扶项目",
    (Role.ORG_STAFF, Role.TOWN_STAFF, Role.DEPT_STAFF),
    ("projects.add_project", "projects.change_project"),
    imports.project_preview,
    imports.project_apply,
    imports.project_template,
    "帮扶项目导入模板.xlsx",
    "projects:project-list",
    "projects:project-import",
    "projects:project-import-template",
    "个项目",
)
PAIRS = Kind(
    "pairs",
    "导入党员帮户结对名单",
    (Role.ORG_STAFF, Role.DEPT_STAFF),
    ("projects.add_householdpairing", "projects.change_householdpairing"),
    imports.pair_preview,
    imports.pair_apply,
    imports.pair_template,
    "党员帮户结对导入模板.xlsx",
    "projects:household-pairing-list",
    "projects:pairs-import",
    "projects:pairs-import-template",
    "对",
)


def importer_required(kind: Kind):
    """The kind's roles (403 otherwise) holding its add and change permissions."""

    def decorator(view):
        @wraps(view)
        @role_required(*kind.roles)
        def wrapped(request, *args, **kwargs):
            if not request.user.has_perms(kind.perms):
                raise PermissionDenied("您的账号没有导入的权限。")
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


class UploadForm(forms.Form):
    file = forms.FileField(
        label="文件",
        help_text="支持 .xlsx、.xls、.csv，不超过 20 MB。",
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(SUFFIXES)}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        try:  # name, content, size, rows and bombs, before anything is stored or parsed
            uploads.check_spreadsheet(upload, name=upload.name, max_bytes=MAX_BYTES, max_rows=MAX_ROWS)
        except uploads.UploadError as exc:
            raise forms.ValidationError(str(exc)) from None
        return upload


def _session_key(kind: Kind) -> str:
    return f"projects-import-{kind.key}"


def _preview_page(request, kind: Kind, preview, stored: dict):
    context = {
        "kind": kind,
        "preview": preview,
        "stored": stored,
        "errors": preview.errors[:SHOWN],
        "changed_rows": preview.changed[:SHOWN],
        "new_rows": preview.new[:SHOWN],
        "shown_limit": SHOWN,
    }
    return render(request, "projects/import_preview.html", context)


def _import_page(request, kind: Kind):
    if request.method == "POST" and "confirm" in request.POST:
        return _confirm(request, kind)
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        name, sha256 = imports.store_upload(upload, kind=kind.key)
        path = imports.imports_dir() / name
        try:
            preview = kind.preview(path, user=request.user)
        except BaseException:
            path.unlink(missing_ok=True)
            raise
        stored = {"name": name, "sha256": sha256, "file_name": Path(upload.name).name[:200]}
        if preview.is_clean:
            request.session[_session_key(kind)] = stored
        else:  # it can never be confirmed: not kept
            path.unlink(missing_ok=True)
            request.session.pop(_session_key(kind), None)
        return _preview_page(request, kind, preview, stored)
    return render(request, "projects/import_upload.html", {"form": form, "kind": kind})


def _confirm(request, kind: Kind):
    stored = request.session.get(_session_key(kind)) or {}
    if not stored or request.POST.get("sha256") != stored.get("sha256"):
        messages.error(request, "没有找到待确认的文件（可能已经导入，或在其他窗口上传了新文件）：请重新上传。")
        return redirect(kind.url)
    try:
        preview = imports.confirm(
            name=stored["name"],
            sha256=stored["sha256"],
            preview_func=kind.preview,
            apply_func=kind.apply,
            user=request.user,
            file_name=stored["file_name"],
        )
    except imports.ImportFileError as exc:
        messages.error(request, str(exc))
        return redirect(kind.url)
    except IntegrityError:
        messages.error(request, "导入时数据已被他人修改，未导入任何数据：请重新上传预览。")
        return redirect(kind.url)
    if not preview.is_clean:
        messages.error(request, "文件有错误，未导入任何数据：请改正文件后重新上传。")
        return _preview_page(request, kind, preview, stored)
    del request.session[_session_key(kind)]
    (imports.imports_dir() / stored["name"]).unlink(missing_ok=True)  # imported: nothing left to confirm
    messages.success(
        request,
        f"{stored['file_name']} 已导入：新增 {len(preview.new)} {kind.unit}，"
        f"更新 {len(preview.changed)} {kind.unit}，无变化 {preview.unchanged} {kind.unit}。",
    )
    return redirect(kind.list_url)


@require_http_methods(["GET", "POST"])
@importer_required(PROJECTS)
def project_import(request):
    return _import_page(request, PROJECTS)


@require_GET
@importer_required(PROJECTS)
def project_import_template(request):
    return xlsx_response(imports.project_template(request.user), PROJECTS.template_name)


@require_http_methods(["GET", "POST"])
@importer_required(PAIRS)
def pairs_import(request):
    return _import_page(request, PAIRS)


@require_GET
@importer_required(PAIRS)
def pairs_import_template(request):
    return xlsx_response(imports.pair_template(request.user), PAIRS.template_name)


urlpatterns = [
    path("import/projects/", project_import, name="project-import"),
    path("import/projects/template/", project_import_template, name="project-import-template"),
    path("import/pairs/", pairs_import, name="pairs-import"),
    path("import/pairs/template/", pairs_import_template, name="pairs-import-template"),
]

"""Roster import pages (花名册导入): upload, preview, confirm, and the template to fill in.

Town staff import for their town's villages, organisation staff for the whole city. A batch is seen by the person who
uploaded it (organisation staff see every batch); anyone else gets 404. The work itself is in members/roster.py.
The upload page sends the file through static/js/roster_upload.js (upload progress, then "正在检查文件…") when
JavaScript runs; without it the form is an ordinary POST, answered the same way.
"""

from functools import wraps

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.cache import add_never_cache_headers
from django.utils.html import format_html
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from guanghan import access
from guanghan.access import Role, role_required
from guanghan.lib import uploads
from guanghan.lib.excel import xlsx_response
from members import roster
from members.models import ImportBatch

IMPORTERS = (Role.ORG_STAFF, Role.TOWN_STAFF)
NEW_ROWS_SHOWN = 200
ISSUES_SHOWN = 1000
UPLOAD_SCRIPT_HEADER = "X-Roster-Upload"  # sent by static/js/roster_upload.js


def importer_required(view):
    """Organisation or town staff holding the registry's add permissions; 403 for everyone else."""

    @wraps(view)
    @role_required(*IMPORTERS)
    def wrapped(request, *args, **kwargs):
        if not request.user.has_perms(["members.add_member", "members.add_importbatch"]):
            raise PermissionDenied("您的账号没有导入花名册的权限。")
        return view(request, *args, **kwargs)

    return wrapped


def _batches(user):
    batches = ImportBatch.objects.select_related("uploaded_by")
    return batches if access.has_role(user, Role.ORG_STAFF) else batches.filter(uploaded_by=user)


class RosterUploadForm(forms.Form):
    file = forms.FileField(
        label="花名册文件",
        help_text="支持 .xlsx、.xls、.csv，不超过 20 MB、10 万行。",
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(roster.SUFFIXES)}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        try:  # name, content, size, rows and bombs, before anything is stored or parsed
            uploads.check_spreadsheet(upload, name=upload.name, max_bytes=roster.MAX_BYTES, max_rows=roster.MAX_ROWS)
        except uploads.UploadError as exc:
            raise forms.ValidationError(str(exc)) from None
        return upload


def _batch_checked(form, user) -> ImportBatch | None:
    """Store the upload as a batch and check it; a file that cannot be read as a whole (or a failure while reading)
    leaves neither a batch nor a stored file behind, and its message goes on the form."""
    stored = None
    try:
        with transaction.atomic():
            batch = roster.batch_create(upload=form.cleaned_data["file"], user=user)
            stored = roster.stored_path(batch)
            preview = roster.roster_preview(stored, villages=access.villages_visible_to(user))
            if preview.file_errors:
                transaction.set_rollback(True)
                for issue in preview.file_errors:
                    form.add_error("file", issue.message)
                stored.unlink(missing_ok=True)
                return None
            roster.batch_record(batch, preview)
            return batch
    except BaseException:
        if stored is not None:
            stored.unlink(missing_ok=True)
        raise


@require_http_methods(["GET", "POST"])
@importer_required
def roster_upload(request):
    form = RosterUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        batch = _batch_checked(form, request.user)
        if batch is not None:
            return redirect("members:roster-preview", batch_id=batch.pk)
    context = {"form": form, "batches": _batches(request.user).filter(uploaded_by=request.user)[:10]}
    return render(request, "members/roster_upload.html", context)


@require_GET
@importer_required
def batch_preview(request, batch_id):
    batch = get_object_or_404(_batches(request.user), pk=batch_id)
    if request.headers.get(UPLOAD_SCRIPT_HEADER):
        # The upload script's request, redirected here after the upload: the script loads this page itself next, so
        # the file is not checked once more for nothing.
        response = HttpResponse(status=204)
        add_never_cache_headers(response)
        return response
    preview = None
    if batch.status != ImportBatch.Status.IMPORTED:
        stored = roster.stored_path(batch)
        if stored.exists():
            preview = roster.roster_preview(stored, villages=access.villages_visible_to(request.user))
        else:
            preview = roster.Preview(errors=[roster.Issue(None, "", "上传的文件已不存在，请重新上传。")])
    context = {
        "batch": batch,
        "preview": preview,
        "can_confirm": bool(preview and preview.is_clean),  # a rejected batch may pass now the directory is fixed
        "new_rows": preview.new[:NEW_ROWS_SHOWN] if preview else [],
        "changed_rows": preview.changed[:ISSUES_SHOWN] if preview else [],
        "errors": preview.errors[:ISSUES_SHOWN] if preview else [],
        "warnings": preview.warnings[:ISSUES_SHOWN] if preview else [],
        "shown_limit": ISSUES_SHOWN,
        "new_limit": NEW_ROWS_SHOWN,
    }
    return render(request, "members/roster_preview.html", context)


@require_POST
@importer_required
def batch_confirm(request, batch_id):
    batch = get_object_or_404(_batches(request.user), pk=batch_id)
    try:
        preview = roster.roster_confirm(
            batch=batch, villages=access.villages_visible_to(request.user), user=request.user
        )
    except roster.RosterError as exc:
        messages.error(request, str(exc))
    except IntegrityError:
        messages.error(request, "导入时信息库已被他人修改，未导入任何数据：请重新上传预览。")
    else:
        if preview.errors:
            messages.error(request, "文件有错误，未导入任何数据：请改正文件后重新上传。")
        else:
            messages.success(
                request,
                format_html(
                    "花名册已导入：新增 {} 人，更新 {} 人，无变化 {} 人。"
                    '<a href="{}" class="alert-link">查看信息库</a>',
                    f"{len(preview.new):,}",  # 2,500 as the batch's own line on the same page writes it
                    f"{len(preview.changed):,}",
                    f"{preview.unchanged:,}",
                    reverse("members:member-list"),
                ),
            )
    return redirect("members:roster-preview", batch_id=batch.pk)


@require_GET
@importer_required
def roster_template(request):
    return xlsx_response(roster.roster_template(access.villages_visible_to(request.user)), "花名册导入模板.xlsx")


urlpatterns = [
    path("", roster_upload, name="roster-upload"),
    path("template/", roster_template, name="roster-template"),
    path("<int:batch_id>/", batch_preview, name="roster-preview"),
    path("<int:batch_id>/confirm/", batch_confirm, name="roster-confirm"),
]

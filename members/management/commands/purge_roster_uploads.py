"""manage.py purge_roster_uploads [--days 30] [--dry-run]: delete the stored roster files of old import batches.

Uploaded rosters are kept under MEDIA_ROOT/imports/ for the preview and the confirmation. Once a batch is older than
--days (by its upload time, imported or not) its file is deleted; the ImportBatch row stays as the record, with the
file's name and sha256. A batch whose file is gone shows "上传的文件已不存在" and can no longer be confirmed.
"""

from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from members import roster
from members.models import ImportBatch


def _size(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB" if size >= 1024 * 1024 else f"{(size + 1023) // 1024} KB"


class Command(BaseCommand):
    help = "删除超过指定天数的花名册导入批次所上传的文件（无论是否已导入）；批次记录（文件名、摘要）保留。"

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=30, help="删除上传超过该天数的批次的文件（默认 30）")
        parser.add_argument("--dry-run", action="store_true", help="只列出将删除的文件，不删除")

    def handle(self, *args, days, dry_run, **options):
        if days < 0:
            raise CommandError("--days 不能为负数。")
        cutoff = timezone.now() - timedelta(days=days)
        media = Path(settings.MEDIA_ROOT)
        removed, freed = 0, 0
        batches = ImportBatch.objects.filter(created_at__lt=cutoff).order_by("created_at", "pk")
        for batch in batches.only("pk", "file_name", "created_at", "status").iterator():
            path = roster.stored_path(batch)
            try:
                size = path.stat().st_size
                if not dry_run:
                    path.unlink()
            except FileNotFoundError:
                continue  # purged before, or never stored
            removed += 1
            freed += size
            uploaded = timezone.localtime(batch.created_at)
            self.stdout.write(
                f"{'将删除' if dry_run else '已删除'} {path.relative_to(media).as_posix()}"
                f"（批次 {batch.pk}“{batch.file_name}”，{uploaded:%Y-%m-%d} 上传，"
                f"{batch.get_status_display()}，{_size(size)}）"
            )
        if not removed:
            self.stdout.write(f"没有上传超过 {days} 天且仍保存着文件的导入批次。")
        elif dry_run:
            self.stdout.write(
                self.style.WARNING(f"共 {removed} 个文件（{_size(freed)}）将被删除（--dry-run：未删除）。")
            )
        else:
            self.stdout.write(
                self.style.SUCCESS(f"共删除 {removed} 个文件（{_size(freed)}）；导入批次记录（文件名、摘要）均保留。")
            )

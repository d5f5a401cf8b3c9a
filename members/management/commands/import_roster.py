"""manage.py import_roster FILE [--dry-run] [--town NAME]: the roster import without the web pages."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import IntegrityError

from guanghan.models import Town, Village
from members import roster


class Command(BaseCommand):
    help = "导入花名册（.xlsx/.xls/.csv）：先检查每一行，没有错误时才写入；有错误时列出并以状态 1 退出。"

    def add_arguments(self, parser):
        parser.add_argument("file", help="花名册文件路径")
        parser.add_argument("--dry-run", action="store_true", help="只检查并报告，不写入")
        parser.add_argument("--town", metavar="NAME", help="只允许该乡镇（街道）的村（社区）")

    def handle(self, *args, file, dry_run, town, **options):
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"找不到文件：{path}")
        if path.suffix.lower() not in roster.SUFFIXES:
            raise CommandError("只能导入 .xlsx、.xls 或 .csv 文件。")
        villages = Village.objects.all()
        if town:
            if not Town.objects.filter(name=town).exists():
                raise CommandError(f"没有名为“{town}”的乡镇（街道）。")
            villages = villages.filter(town__name=town)

        if dry_run:
            preview, batch = roster.roster_preview(path, villages=villages), None
        else:
            try:
                preview, batch = roster.roster_import(path=path, villages=villages)
            except IntegrityError:
                raise CommandError("导入时信息库已被他人修改，未写入任何数据：请重新运行。") from None
        self._report(path, preview)
        if preview.errors:
            raise CommandError(f"有 {len(preview.errors)} 处错误（{preview.error_rows} 行），未写入任何数据。")
        if dry_run:
            self.stdout.write(self.style.SUCCESS("检查通过（--dry-run：未写入）。"))
        else:
            self.stdout.write(self.style.SUCCESS(f"已导入（批次 {batch.pk}）。"))

    def _report(self, path: Path, preview: roster.Preview) -> None:
        self.stdout.write(f"文件：{path.name}，数据 {preview.rows_total} 行")
        self.stdout.write(
            f"新增 {len(preview.new)} 人，更新 {len(preview.changed)} 人，无变化 {preview.unchanged} 人，"
            f"错误 {len(preview.errors)} 处"
        )
        for plan in preview.changed:
            changes = "；".join(f"{c.label}：{c.old} → {c.new}" for c in plan.changes)
            self.stdout.write(f"  更新 第{plan.row}行 {plan.name}：{changes}")
        for issue in preview.warnings:
            self.stdout.write(f"注意：{issue}")
        for issue in preview.errors:
            self.stdout.write(str(issue))

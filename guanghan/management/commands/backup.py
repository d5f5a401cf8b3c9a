"""manage.py backup [--output-dir backups] [--media] [--bindir DIR]: pg_dump of the database the project uses.

Writes <output-dir>/guanghan-YYYYMMDD-HHMMSS.dump (custom format, --no-owner: compressed, restorable table by table,
into a database owned by another role), readable by the owner only: it holds ID numbers, health and income data.
With --media, MEDIA_ROOT (visit photos, signed agreements, stored rosters) goes beside it as
guanghan-YYYYMMDD-HHMMSS-media.tar.gz. The dump is written under a temporary name and renamed when pg_dump has
finished, so a failed or interrupted backup never leaves a file that looks complete.
"""

import os
import tarfile
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils import timezone

from guanghan.lib import pgclient


def size_text(size: int) -> str:
    return f"{size / 1024 / 1024:.1f} MB" if size >= 1024 * 1024 else f"{(size + 1023) // 1024} KB"


def has_files(directory: Path) -> bool:
    return directory.is_dir() and any(path.is_file() for path in directory.rglob("*"))


class Command(BaseCommand):
    help = (
        "备份数据库：用 pg_dump 写出 backups/guanghan-YYYYMMDD-HHMMSS.dump（自定义格式）；"
        "加 --media 时同时把上传文件（MEDIA_ROOT）打包到旁边。"
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--output-dir", type=Path, default=settings.BASE_DIR / "backups", help="备份文件目录（默认 backups/）"
        )
        parser.add_argument("--media", action="store_true", help="同时打包上传文件目录（MEDIA_ROOT）")
        parser.add_argument("--bindir", type=Path, help="pg_dump 所在目录（默认自动查找）")

    def handle(self, *args, output_dir, media, bindir, **options):
        output_dir, bindir = Path(output_dir), bindir and Path(bindir)
        server_major = connection.pg_version // 10000
        try:
            pg_dump = pgclient.find_program("pg_dump", server_major=server_major, bindir=bindir)
        except pgclient.ClientError as error:
            raise CommandError(str(error)) from None
        output_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        stamp = f"guanghan-{timezone.localtime():%Y%m%d-%H%M%S}"
        target = output_dir / f"{stamp}.dump"
        if target.exists():
            raise CommandError(f"备份文件 {target} 已存在：请稍候一秒再运行，或换一个 --output-dir。")
        partial = output_dir / f".{stamp}.dump.partial"
        os.close(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600))  # owner-only before pg_dump writes
        dsn = pgclient.connection_string(connection.settings_dict)
        args = ["--format=custom", "--no-owner", f"--file={partial}", f"--dbname={dsn}"]
        try:
            pgclient.run(pg_dump, args, settings_dict=connection.settings_dict)
        except pgclient.ClientError as error:
            partial.unlink(missing_ok=True)
            raise CommandError(f"备份失败，未生成备份文件。{error}") from None
        os.replace(partial, target)
        name = connection.settings_dict["NAME"]
        self.stdout.write(
            self.style.SUCCESS(f"已备份数据库“{name}”到 {target}（{size_text(target.stat().st_size)}）。")
        )

        media_root = Path(settings.MEDIA_ROOT)
        if media:
            archive = output_dir / f"{stamp}-media.tar.gz"
            self._archive(media_root, archive)
            self.stdout.write(
                self.style.SUCCESS(f"已打包上传文件 {media_root} 到 {archive}（{size_text(archive.stat().st_size)}）。")
            )
        elif has_files(media_root):
            self.stdout.write(
                self.style.WARNING(
                    f"注意：上传文件（{media_root}）未包含在数据库备份中，请加 --media（make backup MEDIA=1）一并打包。"
                )
            )

    def _archive(self, media_root: Path, archive: Path) -> None:
        partial = archive.with_name(f".{archive.name}.partial")
        try:
            os.close(os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600))
            with tarfile.open(partial, "w:gz") as tar:
                if media_root.is_dir():
                    for path in sorted(media_root.iterdir()):
                        tar.add(path, arcname=path.name)
            os.replace(partial, archive)
        except OSError as error:
            partial.unlink(missing_ok=True)
            raise CommandError(f"打包上传文件失败（{media_root}）：{error}。数据库备份已完成。") from None

"""manage.py restore FILE [--yes] [--media ARCHIVE] [--target NAME] [--bindir DIR]: pg_restore of a `backup` dump.

Replaces the contents of the configured database (or of --target, another existing database on the same server,
to test a restore) with the dump: every table, sequence, trigger and constraint in the dump is dropped and
recreated. pg_restore runs in one transaction and stops at the first error, so a failed restore changes nothing.
Stop the application first: its open transactions would hold locks the restore waits for (it gives up after
LOCK_TIMEOUT). With --media, the archive `backup --media` wrote is unpacked into MEDIA_ROOT afterwards.
"""

import tarfile
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from guanghan.lib import pgclient

DUMP_MAGIC = b"PGDMP"  # the first bytes of a pg_dump custom-format archive
LOCK_TIMEOUT = "60s"


class Command(BaseCommand):
    help = (
        "从 make backup 生成的 .dump 文件恢复数据库：覆盖当前数据库的全部内容（先确认，或加 --yes）；"
        "加 --media 时同时解压上传文件。"
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="备份文件，如 backups/guanghan-20160721-020000.dump")
        parser.add_argument("--yes", action="store_true", help="不询问，直接恢复（无人值守时使用）")
        parser.add_argument("--media", type=Path, metavar="ARCHIVE", help="同时解压 backup --media 打包的上传文件")
        parser.add_argument("--target", metavar="NAME", help="恢复到同一服务器上另一个已存在的数据库（用于演练恢复）")
        parser.add_argument("--bindir", type=Path, help="pg_restore 所在目录（默认自动查找）")

    def handle(self, *args, file, yes, media, target, bindir, **options):
        file, media, bindir = Path(file), media and Path(media), bindir and Path(bindir)
        self._check_files(file, media)
        settings_dict = connection.settings_dict
        name = target or settings_dict["NAME"]
        server_major = connection.pg_version // 10000
        try:
            pg_restore = pgclient.find_program("pg_restore", server_major=server_major, bindir=bindir)
        except pgclient.ClientError as error:
            raise CommandError(str(error)) from None
        media_root = Path(settings.MEDIA_ROOT)
        if not yes:
            self._confirm(file, name, settings_dict.get("HOST"), media, media_root)

        # Our own session must hold nothing the restore waits for.
        connection.close()
        dsn = pgclient.connection_string(settings_dict, dbname=name)
        args = ["--clean", "--if-exists", "--no-owner", "--exit-on-error", "--single-transaction", f"--dbname={dsn}"]
        try:
            pgclient.run(
                pg_restore, [*args, str(file)], settings_dict=settings_dict, pgoptions=f"-c lock_timeout={LOCK_TIMEOUT}"
            )
        except pgclient.ClientError as error:
            raise CommandError(f"恢复失败，数据库“{name}”未做任何改动。{error}") from None
        self.stdout.write(self.style.SUCCESS(f"已从 {file} 恢复数据库“{name}”。"))
        if media:
            self._unpack(media, media_root)
            self.stdout.write(self.style.SUCCESS(f"已把上传文件 {media} 解压到 {media_root}。"))
        self.stdout.write("如果当前程序版本比备份新，请接着运行 make migrate。")

    def _check_files(self, file: Path, media: Path | None) -> None:
        if not file.is_file():
            raise CommandError(
                f"找不到备份文件：{file}。请指定 make backup 生成的文件，如 "
                "make restore FILE=backups/guanghan-20160721-020000.dump。"
            )
        with file.open("rb") as stream:
            if stream.read(len(DUMP_MAGIC)) != DUMP_MAGIC:
                raise CommandError(f"{file} 不是 pg_dump 自定义格式的备份：请指定 make backup 生成的 .dump 文件。")
        if media is not None and not (media.is_file() and tarfile.is_tarfile(media)):
            raise CommandError(
                f"--media：{media} 不是上传文件的打包文件，请指定 make backup MEDIA=1 生成的 .tar.gz 文件。"
            )

    def _confirm(self, file: Path, name: str, host: str | None, media: Path | None, media_root: Path) -> None:
        self.stdout.write(
            self.style.WARNING(
                f"将用 {file} 覆盖数据库“{name}”（{host or '本机'}）的全部内容："
                "备份之后录入的数据都会丢失，且无法撤销。"
            )
        )
        if media is not None:
            self.stdout.write(self.style.WARNING(f"并把 {media} 解压到 {media_root}（同名文件会被覆盖）。"))
        try:
            answer = input("确认恢复请输入 yes：")
        except EOFError:
            answer = ""
        if answer.strip().lower() != "yes":
            raise CommandError("未确认，已取消，没有做任何改动（无人值守时请加 --yes）。")

    def _unpack(self, archive: Path, media_root: Path) -> None:
        media_root.mkdir(parents=True, exist_ok=True)
        try:
            with tarfile.open(archive, "r:*") as tar:
                # The "data" filter refuses absolute paths, links leaving MEDIA_ROOT and device files.
                tar.extractall(media_root, filter="data")
        except (OSError, tarfile.TarError) as error:
            raise CommandError(f"数据库已恢复，但解压上传文件失败（{archive}）：{error}") from None

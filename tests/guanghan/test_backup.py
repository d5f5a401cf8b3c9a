"""make backup / make restore (manage.py backup, restore): a dump restored into a fresh database holds every row of
every table, ledger balances that agree with their postings, the audit history and its append-only triggers."""

import os
import tarfile
from datetime import date
from decimal import Decimal
from io import BytesIO, StringIO
from pathlib import Path

import psycopg2
import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from funding import services as funding
from funding.models import Posting
from guanghan.lib import idnumber, pgclient
from guanghan.models import PovertyCause, Skill
from members import services as members
from members.models import Member, StatusChange
from tests.factories import ProjectFactory, UserFactory

D = Decimal


@pytest.fixture
def pg_clients(django_db_blocker):
    """pg_dump and pg_restore as the commands will find them; without them the test is skipped, and fails on CI."""
    with django_db_blocker.unblock():
        server_major = connection.pg_version // 10000
    for name in ("pg_dump", "pg_restore"):
        try:
            pgclient.find_program(name, server_major=server_major)
        except pgclient.ClientError as error:
            if os.environ.get("CI", "").lower() == "true":
                pytest.fail(f"CI must have {name}: {error}")
            pytest.skip(f"no usable {name} on this machine: {error}")


def table_checksums(cursor) -> dict[str, tuple[int, str]]:
    """Every table of the public schema → (row count, md5 of all its rows in a stable order)."""
    cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename")
    tables = [row[0] for row in cursor.fetchall()]
    sums = {}
    for table in tables:
        cursor.execute(
            f"SELECT count(*), coalesce(md5(string_agg(t::text, E'\\n' ORDER BY t::text)), '') FROM \"{table}\" t"
        )
        sums[table] = cursor.fetchone()
    return sums


def admin_connection(dbname: str):
    settings_dict = connection.settings_dict
    conn = psycopg2.connect(
        pgclient.connection_string(settings_dict, dbname=dbname), password=settings_dict.get("PASSWORD") or None
    )
    conn.autocommit = True
    return conn


@pytest.fixture
def fresh_database():
    """An empty database beside the test database on the same server, dropped at the end."""
    name = f"{connection.settings_dict['NAME']}_restored"[:63]
    admin = admin_connection(connection.settings_dict["NAME"])
    try:
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            cursor.execute(f'CREATE DATABASE "{name}"')
        yield name
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        admin.close()


@pytest.fixture
def ledger(transactional_db, village, department):
    """Members with their history (registered, surveyed, moved on), money in and out of two accounts, a reversal."""
    staff = UserFactory(username="bookkeeper", role="org_staff")
    cause, _ = PovertyCause.objects.get_or_create(name="缺技术", defaults={"code": "lack-of-skills"})
    skill, _ = Skill.objects.get_or_create(name="蔬菜种植", defaults={"code": "vegetable-growing"})
    people = []
    for n, (name, born) in enumerate([("张德福", date(1960, 1, 1)), ("李秀英", date(1965, 2, 3))]):
        gender = "male" if n == 0 else "female"
        people.append(
            members.member_create(
                data={
                    "name": name,
                    "id_number": idnumber.make("510681", born, 101 + n, gender),
                    "gender": gender,
                    "birth_date": born,
                    "village": village,
                    "household_size": 3,
                    "income_per_capita": D("2400.00"),
                    "registered_on": date(2016, 3, 1),
                    "main_cause": cause,
                    "skills": [skill],
                },
                by=staff,
            )
        )
    members.status_change(member=people[1], to_status="assisted", on=date(2016, 4, 1), reason="纳入项目", by=staff)

    project = ProjectFactory(village=village, department=department, name="三星村韭黄种植基地")
    special = funding.special_account()
    funding.contribution_create(
        account=special,
        source="city_finance",
        amount=D("100000"),
        received_on=date(2016, 3, 1),
        voucher_no="CZ-1",
        by=staff,
    )
    funding.disbursement_create(
        account=special,
        amount=D("30000.50"),
        paid_on=date(2016, 4, 1),
        voucher_no="ZC-1",
        purpose="start_up",
        approved_by="王建国",
        by=staff,
        project=project,
    )
    wrong = funding.disbursement_create(
        account=special,
        amount=D("800"),
        paid_on=date(2016, 4, 2),
        voucher_no="ZC-2",
        purpose="start_up",
        approved_by="王建国",
        by=staff,
        member=people[0],
    )
    funding.line_reverse(line=wrong, on=date(2016, 4, 3), reason="重复录入", by=staff)
    own = funding.account_for_department(department)
    funding.contribution_create(
        account=own,
        source="department",
        amount=D("5000"),
        received_on=date(2016, 3, 5),
        voucher_no="BM-1",
        by=staff,
        department=department,
    )
    return people


def back_up(tmp_path, **options) -> Path:
    out = StringIO()
    call_command("backup", output_dir=tmp_path / "backups", stdout=out, **options)
    dumps = sorted((tmp_path / "backups").glob("guanghan-*.dump"))
    assert len(dumps) == 1 and "已备份数据库" in out.getvalue()
    return dumps[0]


def test_a_backup_restored_into_a_fresh_database_has_every_row_the_ledger_and_the_history(
    pg_clients, ledger, fresh_database, tmp_path
):
    with connection.cursor() as cursor:
        before = table_checksums(cursor)
    dump = back_up(tmp_path)
    assert dump.stat().st_mode & 0o077 == 0  # personal data: readable by the owner only
    assert not list(dump.parent.glob(".*partial"))

    out = StringIO()
    call_command("restore", str(dump), target=fresh_database, yes=True, stdout=out)
    assert f"恢复数据库“{fresh_database}”" in out.getvalue()

    restored = admin_connection(fresh_database)
    try:
        with restored.cursor() as cursor:
            after = table_checksums(cursor)
            assert after == before
            assert after["members_member"][0] == 2
            assert after["funding_posting"][0] == 5

            # Each account's balance is the sum of its postings, and the running balance ends on it.
            cursor.execute(
                "SELECT a.name, a.balance, a.line_count, sum(p.amount), count(p.id), "
                "(SELECT p2.balance_after FROM funding_posting p2 WHERE p2.account_id = a.id ORDER BY p2.seq DESC "
                "LIMIT 1) FROM funding_account a JOIN funding_posting p ON p.account_id = a.id GROUP BY a.id"
            )
            accounts = {row[0]: row[1:] for row in cursor.fetchall()}
            assert accounts == {
                "党内帮扶专项资金": (D("69999.50"), 4, D("69999.50"), 4, D("69999.50")),
                "农业帮扶资金": (D("5000.00"), 1, D("5000.00"), 1, D("5000.00")),
            }

            # The audit trail came along: the members' insert and update events, the status change, the ledger's.
            cursor.execute("SELECT pgh_label, count(*) FROM members_memberevent GROUP BY pgh_label ORDER BY pgh_label")
            events = dict(cursor.fetchall())
            assert events["insert"] == 2 and events["update"] >= 1
            cursor.execute("SELECT count(*) FROM members_statuschangeevent")
            assert cursor.fetchone()[0] == StatusChange.objects.count() == 1
            cursor.execute("SELECT count(*) FROM funding_postingevent")
            assert cursor.fetchone()[0] == Posting.objects.count()

            # …and so did the database's guards: the history stays append-only, a balance cannot go negative.
            with pytest.raises(psycopg2.Error):
                cursor.execute("UPDATE members_memberevent SET pgh_label = 'forged'")
            with pytest.raises(psycopg2.Error):
                cursor.execute("UPDATE funding_account SET balance = -1")
    finally:
        restored.close()


def test_restoring_into_the_configured_database_brings_it_back_to_the_backup(pg_clients, ledger, tmp_path):
    with connection.cursor() as cursor:
        before = table_checksums(cursor)
    dump = back_up(tmp_path)
    members.status_change(
        member=ledger[0], to_status="assisted", on=date(2016, 5, 1), reason="备份之后", by=UserFactory(username="late")
    )

    call_command("restore", str(dump), yes=True, stdout=StringIO())

    with connection.cursor() as cursor:
        assert table_checksums(cursor) == before
    assert Member.objects.get(pk=ledger[0].pk).status == "registered"
    assert not StatusChange.objects.filter(reason="备份之后").exists()


def test_backup_with_media_archives_the_uploads_and_restore_unpacks_them(
    pg_clients, ledger, fresh_database, tmp_path, settings
):
    settings.MEDIA_ROOT = tmp_path / "media"
    (settings.MEDIA_ROOT / "visits" / "2016").mkdir(parents=True)
    (settings.MEDIA_ROOT / "visits" / "2016" / "photo.jpg").write_bytes(b"\xff\xd8 a photo")
    dump = back_up(tmp_path, media=True)
    archive = dump.with_name(f"{dump.stem}-media.tar.gz")
    assert archive.is_file() and archive.stat().st_mode & 0o077 == 0

    settings.MEDIA_ROOT = tmp_path / "media-restored"
    call_command("restore", str(dump), target=fresh_database, media=str(archive), yes=True, stdout=StringIO())
    assert (settings.MEDIA_ROOT / "visits" / "2016" / "photo.jpg").read_bytes() == b"\xff\xd8 a photo"


def test_backup_without_media_says_the_uploads_are_not_in_it(pg_clients, db, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.MEDIA_ROOT.mkdir()
    (settings.MEDIA_ROOT / "agreement.pdf").write_bytes(b"%PDF")
    out = StringIO()
    call_command("backup", output_dir=tmp_path / "backups", stdout=out)
    assert "上传文件" in out.getvalue() and "--media" in out.getvalue()
    assert not list((tmp_path / "backups").glob("*.tar.gz"))


def test_restore_refuses_a_missing_file(db, tmp_path):
    with pytest.raises(CommandError, match="找不到备份文件"):
        call_command("restore", str(tmp_path / "guanghan-20160721-020000.dump"), yes=True)


def test_restore_refuses_a_file_that_is_not_a_dump(db, tmp_path):
    path = tmp_path / "guanghan.sql"
    path.write_text("DROP TABLE members_member;")
    with pytest.raises(CommandError, match="不是 pg_dump 自定义格式"):
        call_command("restore", str(path), yes=True)


def test_restore_refuses_a_media_archive_that_is_not_one(db, tmp_path):
    dump = tmp_path / "guanghan.dump"
    dump.write_bytes(b"PGDMP and the rest")
    with pytest.raises(CommandError, match="--media"):
        call_command("restore", str(dump), media=str(tmp_path / "missing.tar.gz"), yes=True)


def test_restore_changes_nothing_unless_confirmed(pg_clients, db, tmp_path, monkeypatch):
    dump = tmp_path / "guanghan.dump"
    dump.write_bytes(b"PGDMP and the rest")
    monkeypatch.setattr("builtins.input", lambda prompt: "no")
    out = StringIO()
    with pytest.raises(CommandError, match="未确认，已取消"):
        call_command("restore", str(dump), stdout=out)
    assert "覆盖数据库" in out.getvalue()


def test_a_restore_that_fails_half_way_leaves_the_database_as_it_was(pg_clients, ledger, fresh_database, tmp_path):
    dump = back_up(tmp_path)
    target = admin_connection(fresh_database)
    try:
        with target.cursor() as cursor:
            # A type of that name makes CREATE TABLE members_member fail after the tables before it were created.
            cursor.execute("CREATE TYPE members_member AS (x int)")
        with pytest.raises(CommandError, match=r"恢复失败(.|\n)*members_member"):
            call_command("restore", str(dump), target=fresh_database, yes=True, stdout=StringIO())
        with target.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
            assert cursor.fetchone()[0] == 0
    finally:
        target.close()


def test_a_media_archive_cannot_write_outside_media_root(pg_clients, ledger, fresh_database, tmp_path, settings):
    dump = back_up(tmp_path)
    archive = tmp_path / "evil.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        info = tarfile.TarInfo("../outside.txt")
        info.size = 1
        tar.addfile(info, fileobj=BytesIO(b"x"))
    settings.MEDIA_ROOT = tmp_path / "media"
    with pytest.raises(CommandError, match="解压上传文件失败"):
        call_command("restore", str(dump), target=fresh_database, media=str(archive), yes=True, stdout=StringIO())
    assert not (tmp_path / "outside.txt").exists()

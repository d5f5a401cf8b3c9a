"""审计: the auditor searches the trail of every tracked table (who, when, from where, what changed) and reads the
logs of unmasked reads, exports, logins and the administrators' actions; nothing there writes, and personal numbers
stay masked."""

from datetime import timedelta

import pytest
from axes.models import AccessFailureLog, AccessLog
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from administration.models import AdminAction
from guanghan.models import ExportRecord, SensitiveRead
from tests.factories import MemberFactory, ProjectFactory, UserFactory
from tests.members.test_masked_edit import post as post_member_edit


def _client(user, address="127.0.0.1") -> Client:
    client = Client(REMOTE_ADDR=address)
    client.force_login(user)
    return client


@pytest.fixture
def member(village):
    return MemberFactory(village=village, name="张德福", phone="13812345678")


def _trail(auditor, **query):
    response = _client(auditor).get(reverse("administration:trail"), query)
    assert response.status_code == 200
    return response


def test_a_member_edit_shows_who_from_where_and_what_changed_with_numbers_masked(auditor, town_staff, member):
    staff = _client(town_staff, address="10.20.1.15")
    assert post_member_edit(staff, member, name="张德富", phone="13900001111").status_code == 302

    response = _trail(auditor, record="members.memberevent", operation="update")

    [row] = response.context["rows"]
    assert row.operation == "修改" and row.record_type == "困难党员（群众）" and row.object_id == str(member.pk)
    assert row.by == f"{town_staff.display_name}（{town_staff.username}）" and row.address == "10.20.1.15"
    changes = {c.label: (c.old, c.new) for c in row.changes}
    assert changes["姓名"] == ("张德福", "张德富")
    assert changes["联系电话"] == ("138****5678", "139****1111")
    html = response.content.decode()
    assert member.id_number not in html and "13900001111" not in html and "13812345678" not in html


def test_filters_by_who_record_number_address_and_days(auditor, org_staff, town_staff, member, village):
    ProjectFactory(village=village)  # first: in a test's one transaction a request's context outlives it
    post_member_edit(_client(town_staff, address="10.20.1.15"), member, name="张德富")

    def rows(**query):
        return [(r.record_type, r.operation) for r in _trail(auditor, **query).context["rows"]]

    assert ("困难党员（群众）", "修改") in rows(who="town01")
    assert rows(who="三星堆镇工作人员") == rows(who="town01")
    assert rows(who="nobody-like-this") == []
    assert {r[0] for r in rows(object_id=member.pk, record="members.memberevent")} == {"困难党员（群众）"}
    assert rows(address="10.20.1.15") == [("困难党员（群众）", "修改")]
    today = timezone.localdate()
    assert rows(date_to=(today - timedelta(days=1)).isoformat()) == []
    assert ("帮扶项目", "新增") in rows(date_from=today.isoformat(), date_to=today.isoformat())


def test_role_changes_are_in_the_trail(auditor, sys_admin, town_staff):
    client = _client(sys_admin)
    client.post(
        reverse("administration:user-edit", args=[town_staff.pk]),
        {
            "display_name": town_staff.display_name,
            "roles": ["town_staff", "leader"],
            "town": town_staff.town_id,
            "is_active": "on",
        },
    )

    [row] = _trail(auditor, record="guanghan.userroleevent", who="赵磊").context["rows"]
    assert row.operation == "添加关联" and row.object_id == str(town_staff.pk)
    assert row.by.startswith("系统管理员 赵磊")
    assert {c.label: c.new for c in row.changes}["角色"] == "领导小组"


def test_a_bad_filter_is_named_in_chinese_and_lists_nothing(auditor):
    response = _trail(auditor, address="not-an-address", date_from="2016-13-01", object_id="abc")

    form = response.context["form"]
    assert form.errors["address"] == ["来源地址应为 IP 地址，如 10.20.1.15。"]
    assert form.errors["date_from"] == ["日期格式应为 2016-06-30。"]
    assert form.errors["object_id"] == ["记录编号应为数字（详情页地址中的编号）。"]
    assert response.context["rows"] == []


def test_trail_query_count_does_not_grow_with_rows(auditor, org_staff, village, django_assert_max_num_queries):
    client = _client(auditor)
    for n in (2, 20):
        for _ in range(n):
            post_member_edit(_client(org_staff), MemberFactory(village=village), name="改名")
            ProjectFactory(village=village)
        with django_assert_max_num_queries(40):
            assert client.get(reverse("administration:trail")).status_code == 200


@pytest.mark.parametrize(
    "name",
    [
        "administration:trail",
        "administration:reads",
        "administration:exports",
        "administration:logins",
        "administration:actions",
    ],
)
def test_audit_pages_only_read(auditor, name):
    client = _client(auditor)
    assert client.get(reverse(name)).status_code == 200
    assert client.post(reverse(name), {}).status_code == 405


def test_the_logs_list_reads_exports_logins_and_actions(auditor, org_staff, sys_admin, member):
    SensitiveRead.objects.create(
        user=org_staff,
        subject="members.member",
        object_id=member.pk,
        object_name="张德福",
        fields="身份证号",
        reason="核对低保",
        address="10.20.1.15",
    )
    ExportRecord.objects.create(
        user=org_staff, path="/members/export/", query="town=1", filename="困难对象.xlsx", rows=12
    )
    AccessLog.objects.create(
        username="staff", ip_address="10.20.1.15", user_agent="Mozilla", http_accept="*/*", path_info="/login/"
    )
    AccessFailureLog.objects.create(
        username="ghost",
        ip_address="10.9.9.9",
        user_agent="curl",
        http_accept="*/*",
        path_info="/login/",
        locked_out=True,
    )
    AdminAction.objects.create(by=sys_admin, target=org_staff, target_name="staff", kind=AdminAction.Kind.PASSWORD_SET)
    client = _client(auditor)

    reads = client.get(reverse("administration:reads"), {"who": "王敏"}).content.decode()
    assert "核对低保" in reads and "张德福" in reads
    assert "核对低保" not in client.get(reverse("administration:reads"), {"who": "sysadmin"}).content.decode()
    assert "困难对象.xlsx" in client.get(reverse("administration:exports")).content.decode()
    logins = client.get(reverse("administration:logins"), {"who": "staff"}).content.decode()
    assert "10.20.1.15" in logins and "ghost" not in logins
    failures = client.get(reverse("administration:logins"), {"failed": "1", "who": "ghost"}).content.decode()
    assert "10.9.9.9" in failures and "已锁定" in failures
    actions = client.get(reverse("administration:actions"), {"who": "赵磊"}).content.decode()
    assert "设置临时密码" in actions


def test_the_logs_refuse_changes_in_the_database(sys_admin):
    from django.db import InternalError, transaction

    action = AdminAction.objects.create(by=sys_admin, kind=AdminAction.Kind.UNLOCKED, target_name="x")
    with pytest.raises(InternalError), transaction.atomic():
        AdminAction.objects.filter(pk=action.pk).update(detail="forged")
    with pytest.raises(InternalError), transaction.atomic():
        AdminAction.objects.filter(pk=action.pk).delete()


def test_auditor_cannot_manage_accounts(auditor):
    client = _client(auditor)
    target = UserFactory()
    assert client.get(reverse("administration:user-list")).status_code == 403
    assert client.get(reverse("administration:user-edit", args=[target.pk])).status_code == 403
    assert (
        client.post(reverse("administration:user-two-factor-reset", args=[target.pk]), {"reason": "x"}).status_code
        == 403
    )


def test_log_pages_query_count_does_not_grow_with_rows(auditor, org_staff, sys_admin, django_assert_max_num_queries):
    client = _client(auditor)
    names = ["administration:reads", "administration:exports", "administration:logins", "administration:actions"]
    for n in (3, 30):
        for i in range(n):
            SensitiveRead.objects.create(user=org_staff, subject="members.member", object_id=i, fields="身份证号")
            ExportRecord.objects.create(user=org_staff, path="/members/export/", rows=i)
            AccessLog.objects.create(username="staff", user_agent="", http_accept="", path_info="/login/")
            AdminAction.objects.create(by=sys_admin, target=org_staff, kind=AdminAction.Kind.PASSWORD_SET)
        for name in names:
            with django_assert_max_num_queries(12):
                assert client.get(reverse(name)).status_code == 200


def test_events_of_one_transaction_list_newest_first_by_id(auditor, village):
    """Every event of one transaction has one time (an import's thousands of rows too); the id orders them, and the
    rows of the newest page are the last written."""
    members = MemberFactory.create_batch(3, village=village)  # one test transaction: one pgh_created_at
    response = _trail(auditor, record="members.memberevent")
    listed = [row.object_id for row in response.context["rows"]]
    assert listed == [str(m.pk) for m in reversed(members)]


def test_every_history_table_is_indexed_by_time_then_id():
    """The trail orders by (pgh_created_at, pgh_id); the index must give that order, not only the time."""
    from django.db import connection

    from administration.trail import event_models

    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT t.relname
              FROM pg_index i
              JOIN pg_class t ON t.oid = i.indrelid
             WHERE (SELECT array_agg(a.attname::text ORDER BY k.n)
                      FROM unnest(i.indkey) WITH ORDINALITY AS k(attnum, n)
                      JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum)
                   = ARRAY['pgh_created_at', 'pgh_id']
            """
        )
        indexed = {row[0] for row in cursor.fetchall()}
    tables = {model._meta.db_table for model in event_models()}
    assert tables and tables <= indexed, sorted(tables - indexed)


# The copied columns that pages read events by: a member's link events (members.services.EditConflict), a user's
# role changes (the trail's record number for role links).
READ_BY = {
    "members_memberskillevent": "member_id",
    "members_memberaspirationevent": "member_id",
    "members_memberothercauseevent": "member_id",
    "guanghan_userroleevent": "user_id",
}


def test_history_tables_index_the_row_the_context_and_only_the_copied_columns_that_are_read():
    """Every index of a history table is written for every event (a 10,000-row import writes about 45,000): the
    columns copied from foreign keys (village, batch, lookups …) are not indexed unless a page reads events by them."""
    from django.db import connection

    from administration.trail import event_models

    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT t.relname, a.attname
              FROM pg_index i
              JOIN pg_class t ON t.oid = i.indrelid
              JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = i.indkey[0]
             WHERE i.indnatts = 1
            """
        )
        single = {(table, column) for table, column in cursor.fetchall()}
    for model in event_models():
        table = model._meta.db_table
        copied = {
            f.column for f in model._meta.concrete_fields if f.is_relation and f.name not in ("pgh_obj", "pgh_context")
        }
        indexed = {column for t, column in single if t == table}
        assert indexed & copied == ({READ_BY[table]} if table in READ_BY else set()), table
        if any(f.name == "pgh_obj" for f in model._meta.fields) and table not in READ_BY:
            assert "pgh_obj_id" in indexed, table
        assert "pgh_context_id" in indexed, table


def test_a_members_list_changes_are_changes_of_the_member(auditor, member):
    """A skill added to a member is a change of the member's row, named by the skill in the trail."""
    from guanghan.models import Skill
    from tests.factories import add_to_list

    add_to_list(member, "skill_ids", Skill.objects.get(name="电工"))

    rows = _trail(auditor, object_id=member.pk, record="members.memberevent").context["rows"]

    assert [(row.operation, row.record_type) for row in rows] == [
        ("修改", "困难党员（群众）"),
        ("新增", "困难党员（群众）"),
    ]
    assert {c.label: (c.old, c.new) for c in rows[0].changes}["生存技能"] == ("（空）", "电工")


def test_a_former_link_tables_events_are_found_by_the_members_number(auditor, member):
    """Before migration members/0016 a skill added to a member was an event of the link table: the trail names it by
    the member's number (the one in the member page's address), not by the link row's own id, in Chinese."""
    from guanghan.models import Skill
    from members.models import MemberSkill
    from tests.factories import unfrozen

    unfrozen(MemberSkill)
    electrician = Skill.objects.get(name="电工")
    link = MemberSkill.objects.create(member=member, skill=electrician)

    rows = _trail(auditor, object_id=member.pk).context["rows"]

    added = [row for row in rows if row.record_type == "对象的生存技能（2026-11 前）"]
    assert [(row.operation, row.object_id, row.title) for row in added] == [
        ("添加关联", str(member.pk), "对象：张德福")
    ]
    assert {c.label: c.new for c in added[0].changes} == {"对象": "张德福", "生存技能": "电工"}
    assert {row.object_id for row in rows} == {str(member.pk)}
    if link.pk != member.pk:
        assert not _trail(auditor, object_id=link.pk, record="members.memberskillevent").context["rows"]

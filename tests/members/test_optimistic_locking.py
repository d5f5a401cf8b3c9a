"""Optimistic locking on members: two staff editing one member cannot silently overwrite each other.

The edit form carries the member's version; a save of an older version is refused with what changed in between
(from the trigger-kept history: which fields, as loaded and as now, who saved and when), and the form keeps what the
user typed. Every write of what the form shows moves the version on: the form, a survey, the roster import, the
admin. A status change does not (the form does not show the status), so it does not block an open form.
"""

import threading
from datetime import date
from decimal import Decimal

import pghistory
import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from guanghan.models import Skill, Village
from members import roster, services
from tests.factories import MemberFactory, add_to_list
from tests.members.test_roster import make_roster

SKILLS = {"lock_planting": "种植技术", "lock_breeding": "养殖技术", "lock_repair": "农机维修"}


@pytest.fixture
def skills(db):
    """Three skills, in the order the lists show them."""
    made = [Skill.objects.get_or_create(code=code, defaults={"name": name})[0] for code, name in SKILLS.items()]
    return list(Skill.objects.filter(pk__in=[s.pk for s in made]))


@pytest.fixture
def colleague(org_staff):
    """A second browser: organisation staff, who may edit every member."""
    other = Client()
    other.force_login(org_staff)
    return other


def edit_url(member) -> str:
    return reverse("members:member-edit", args=[member.pk])


def load(client, member) -> dict:
    """Open the edit form and answer what the browser would post back unchanged (the hidden version included)."""
    form = client.get(edit_url(member)).context["form"]
    data = {}
    for bound in form:
        value = bound.value()
        if value is None:
            value = ""
        elif isinstance(value, (list, tuple)):
            value = [str(v) for v in value]
        elif isinstance(value, date):
            value = f"{value:%Y-%m-%d}"
        data[bound.html_name] = value
    return data


def conflict_of(response):
    assert response.status_code == 200, "a refused save shows the form again"
    return response.context["conflict"]


def test_the_second_of_two_saves_from_the_same_load_is_refused_and_overwrites_nothing(
    client, colleague, town_staff, member
):
    client.force_login(town_staff)
    mine, theirs = load(client, member), load(colleague, member)

    first = colleague.post(edit_url(member), {**theirs, "name": "张德富", "income_per_capita": "3100.00"})
    assert first.status_code == 302
    second = client.post(edit_url(member), {**mine, "phone": "13900002222", "household_size": "5"})

    conflict = conflict_of(second)
    member.refresh_from_db()
    assert (member.name, member.income_per_capita) == ("张德富", Decimal("3100.00"))
    assert (member.phone, member.household_size) == ("13812345678", 3)
    assert member.version == 2
    changes = {d.label: (d.loaded, d.current) for d in conflict.differences}
    assert changes == {"姓名": ("张德福", "张德富"), "家庭年人均收入（元）": ("2400.00", "3100.00")}
    assert [s.by for s in conflict.saves] == ["组织部 王敏"]
    html = second.content.decode()
    assert "组织部 王敏" in html and "修改了姓名、家庭年人均收入（元）" in html
    assert "您这次的修改没有保存" in html
    form = second.context["form"]
    assert (form["phone"].value(), form["household_size"].value()) == ("13900002222", "5")


def test_after_a_refusal_saving_again_keeps_both_peoples_changes(client, colleague, town_staff, member):
    client.force_login(town_staff)
    mine, theirs = load(client, member), load(colleague, member)
    colleague.post(edit_url(member), {**theirs, "name": "张德富"})
    refused = client.post(edit_url(member), {**mine, "phone": "13900002222"})
    form = refused.context["form"]
    assert form["name"].value() == "张德富", "a field only the other user changed takes their value"
    assert form["phone"].value() == "13900002222", "what this user typed stays"

    again = client.post(edit_url(member), {**mine, "name": "张德富", "phone": "13900002222", "version": "2"})

    assert again.status_code == 302
    member.refresh_from_db()
    assert (member.name, member.phone, member.version) == ("张德富", "13900002222", 3)


def test_a_field_both_changed_keeps_this_users_value_in_the_form_and_is_marked(client, colleague, town_staff, member):
    client.force_login(town_staff)
    mine, theirs = load(client, member), load(colleague, member)
    colleague.post(edit_url(member), {**theirs, "notes": "已核实：长期慢性病"})

    refused = client.post(edit_url(member), {**mine, "notes": "家中房屋漏雨"})

    (difference,) = conflict_of(refused).differences
    assert (difference.label, difference.loaded, difference.current, difference.typed) == (
        "备注",
        "（空）",
        "已核实：长期慢性病",
        "家中房屋漏雨",
    )
    assert difference.is_clash
    assert refused.context["form"]["notes"].value() == "家中房屋漏雨"
    assert "双方都改了" in refused.content.decode()
    member.refresh_from_db()
    assert member.notes == "已核实：长期慢性病"


def test_changed_skills_are_named_with_the_lists_before_and_after(client, colleague, town_staff, member, skills):
    add_to_list(member, "skill_ids", skills[0])
    client.force_login(town_staff)
    mine, theirs = load(client, member), load(colleague, member)
    colleague.post(edit_url(member), {**theirs, "skills": [str(skills[1].pk), str(skills[2].pk)]})

    refused = client.post(edit_url(member), mine)

    changes = {d.label: (d.loaded, d.current) for d in conflict_of(refused).differences}
    assert changes == {"生存技能": (skills[0].name, f"{skills[1].name}、{skills[2].name}")}
    member.refresh_from_db()
    assert member.skill_ids == sorted(skill.pk for skill in skills[1:])


def test_a_roster_import_between_load_and_save_refuses_the_save(client, town_staff, member, village, tmp_path):
    client.force_login(town_staff)
    mine = load(client, member)
    path = make_roster(
        tmp_path / "roster.xlsx",
        [
            {
                "姓名": member.name,
                "身份证号": member.id_number,
                "乡镇": "三星堆镇",
                "村(社区)": "三星村",
                "家庭年人均收入": "5200",
            }
        ],
    )
    preview, _ = roster.roster_import(path=path, villages=Village.objects.filter(pk=village.pk), user=town_staff)
    assert preview.errors == [] and len(preview.changed) == 1
    member.refresh_from_db()
    assert member.version == 2

    refused = client.post(edit_url(member), {**mine, "phone": "13900002222"})

    conflict = conflict_of(refused)
    assert {d.label: d.current for d in conflict.differences} == {"家庭年人均收入（元）": "5200.00"}
    assert [s.by for s in conflict.saves] == ["三星堆镇工作人员（花名册导入）"]
    member.refresh_from_db()
    assert (member.income_per_capita, member.phone) == (Decimal("5200.00"), "13812345678")


def test_a_survey_between_load_and_save_refuses_the_save(client, colleague, town_staff, member):
    client.force_login(town_staff)
    mine = load(client, member)
    survey = {**load(colleague, member), "surveyed_on": "2016-05-01", "surveyor_name": "王敏"}
    survey["income_per_capita"] = "2900.00"
    assert colleague.post(reverse("members:survey-create", args=[member.pk]), survey).status_code == 302

    refused = client.post(edit_url(member), {**mine, "notes": "补充说明"})

    assert {d.label: d.current for d in conflict_of(refused).differences} == {"家庭年人均收入（元）": "2900.00"}
    member.refresh_from_db()
    assert (member.income_per_capita, member.notes) == (Decimal("2900.00"), "")


def test_a_status_change_does_not_block_an_open_edit_form(client, colleague, town_staff, member):
    client.force_login(town_staff)
    mine = load(client, member)
    status = {"to_status": "assisted", "changed_on": "2016-05-01", "reason": "纳入帮扶项目"}
    assert colleague.post(reverse("members:status-change", args=[member.pk]), status).status_code == 302

    saved = client.post(edit_url(member), {**mine, "notes": "补充说明"})

    assert saved.status_code == 302
    member.refresh_from_db()
    assert (member.status, member.notes, member.version) == ("assisted", "补充说明", 2)


def test_a_fresh_load_after_someone_elses_save_saves(client, colleague, town_staff, member):
    client.force_login(town_staff)
    colleague.post(edit_url(member), {**load(colleague, member), "name": "张德富"})

    saved = client.post(edit_url(member), {**load(client, member), "phone": "13900002222"})

    assert saved.status_code == 302
    member.refresh_from_db()
    assert (member.name, member.phone, member.version) == ("张德富", "13900002222", 3)


def test_saving_without_changes_keeps_the_version(client, town_staff, member):
    client.force_login(town_staff)
    response = client.post(edit_url(member), load(client, member))
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.version == 1


def test_a_post_without_the_version_is_refused_with_how_to_fix_it(client, town_staff, member):
    client.force_login(town_staff)
    data = load(client, member)
    del data["version"]

    response = client.post(edit_url(member), {**data, "name": "张德富"})

    assert response.status_code == 200
    assert "页面缺少版本信息，请刷新页面后重新修改。" in response.content.decode()
    member.refresh_from_db()
    assert member.name == "张德福"


def test_a_full_save_of_a_member_as_the_admin_makes_it_moves_the_version_on(member):
    member.notes = "后台修改"
    member.save()
    assert member.version == 2
    member.refresh_from_db()
    assert (member.notes, member.version) == ("后台修改", 2)


def test_the_history_does_not_list_the_version_as_a_changed_field(client, town_staff, member):
    client.force_login(town_staff)
    client.post(edit_url(member), {**load(client, member), "name": "张德富"})
    history = client.get(reverse("members:member-detail", args=[member.pk])).context["history"]
    assert history[0]["fields"] == ["姓名"]


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_saves_of_the_same_version_write_once(village):
    member = MemberFactory(village=village, name="张德福")
    barrier = threading.Barrier(2)
    outcomes = []

    def save(name):
        try:
            barrier.wait(timeout=10)
            with pghistory.context(user=None):
                services.member_update(member=member, data={"name": name}, version=1)
            outcomes.append("saved")
        except services.EditConflict:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=save, args=(name,)) for name in ("张德富", "张得福")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(outcomes) == ["refused", "saved"]
    member.refresh_from_db()
    assert member.version == 2 and member.name in ("张德富", "张得福")

"""Each role against each registry page: 200 allowed, 403 beyond the role, 404 outside the scope."""

import pytest
from django.urls import reverse

ROLES = ["org_staff", "town_staff", "liaison", "dept_staff", "leader"]
READ = dict(org_staff=200, town_staff=200, liaison=200, dept_staff=200, leader=200)
OWN_DETAIL = dict(org_staff=200, town_staff=200, liaison=404, dept_staff=404, leader=200)
OTHER_DETAIL = dict(org_staff=200, town_staff=404, liaison=404, dept_staff=404, leader=200)
WRITE_OWN = dict(org_staff=200, town_staff=200, liaison=403, dept_staff=403, leader=403)
WRITE_OTHER = dict(org_staff=200, town_staff=404, liaison=403, dept_staff=403, leader=403)

MATRIX = {
    "list": ("members:member-list", None, READ),
    "export": ("members:member-export", None, READ),
    "stats": ("members:stats", None, READ),
    "stats-json": ("registry-stats", None, READ),
    "notice": ("members:notice-list", None, READ),
    "create": ("members:member-create", None, WRITE_OWN),
    "detail": ("members:member-detail", "member", OWN_DETAIL),
    "other-detail": ("members:member-detail", "other_member", OTHER_DETAIL),
    "edit": ("members:member-edit", "member", WRITE_OWN),
    "other-edit": ("members:member-edit", "other_member", WRITE_OTHER),
    "survey": ("members:survey-create", "member", WRITE_OWN),
    "status": ("members:status-change", "member", WRITE_OWN),
    "lifting": ("members:lifting-step", "member", WRITE_OWN),
}


def _url(request, name, obj):
    if obj is None:
        return reverse(name)
    return reverse(name, args=[request.getfixturevalue(obj).pk])


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("page", list(MATRIX))
def test_each_role_gets_the_declared_answer(request, client, member, other_member, role, page):
    name, obj, expected = MATRIX[page]
    client.force_login(request.getfixturevalue(role))
    assert client.get(_url(request, name, obj)).status_code == expected[role]


@pytest.mark.parametrize("page", list(MATRIX))
def test_anonymous_users_are_sent_to_login(request, client, member, other_member, page):
    name, obj, _ = MATRIX[page]
    response = client.get(_url(request, name, obj))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


@pytest.mark.parametrize("page", ["list", "export", "stats", "stats-json", "notice"])
def test_read_pages_refuse_post(request, client, org_staff, page):
    name, obj, _ = MATRIX[page]
    client.force_login(org_staff)
    assert client.post(_url(request, name, obj)).status_code == 405


def test_user_without_role_is_refused(client, no_role_user, member):
    client.force_login(no_role_user)
    assert client.get(reverse("members:member-list")).status_code == 403
    assert client.get(reverse("members:member-detail", args=[member.pk])).status_code == 403


def test_leader_cannot_post_a_change(client, leader, member):
    client.force_login(leader)
    url = reverse("members:status-change", args=[member.pk])
    assert client.post(url, {"to_status": "assisted", "changed_on": "2016-01-01", "reason": "x"}).status_code == 403
    member.refresh_from_db()
    assert member.status == "registered"


def test_town_staff_list_shows_only_its_town(client, town_staff, member, other_member):
    client.force_login(town_staff)
    names = [m.name for m in client.get(reverse("members:member-list")).context["page"]]
    assert names == ["张德福"]


def test_liaison_and_dept_staff_see_no_members_yet(client, liaison, dept_staff, member):
    for user in (liaison, dept_staff):
        client.force_login(user)
        assert list(client.get(reverse("members:member-list")).context["page"]) == []


def test_liaison_sees_members_of_its_assigned_villages(client, liaison, member, other_member, monkeypatch):
    from guanghan import access
    from guanghan.access import Role
    from guanghan.models import Village

    monkeypatch.setitem(access._village_scopes, Role.LIAISON, [lambda u: Village.objects.filter(pk=member.village_id)])
    client.force_login(liaison)
    assert [m.name for m in client.get(reverse("members:member-list")).context["page"]] == ["张德福"]
    assert client.get(reverse("members:member-edit", args=[member.pk])).status_code == 403


def test_dept_staff_sees_members_its_cadres_are_paired_with(client, dept_staff, member, other_member, monkeypatch):
    from guanghan import access
    from members.models import Member

    monkeypatch.setattr(access, "_people_scopes", [lambda u: Member.objects.filter(pk=other_member.pk)])
    client.force_login(dept_staff)
    assert [m.name for m in client.get(reverse("members:member-list")).context["page"]] == ["李秀英"]
    assert client.get(reverse("members:member-detail", args=[member.pk])).status_code == 404

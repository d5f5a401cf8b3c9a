"""The liaison officer's work list of open rectifications in its villages, which shares the rectification list with
"逾期未整改的事项": both appear on the home page, each with its own filter and count."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from guanghan.navigation import WorkList, register_worklist, worklists_for
from supervision.apps import open_rectification_count
from supervision.models import Rectification

LIST = reverse("supervision:rectification-list")
TITLE = "派驻村待整改的事项"
OVERDUE = "逾期未整改的事项"
R = Rectification.Status


def rectification(village, status, *, by, deadline=date(2016, 6, 1), **fields) -> Rectification:
    closed = {"closed_on": date(2016, 6, 1)} if status == R.VERIFIED else {}
    return Rectification.objects.create(
        village=village,
        problem=f"{status} 的问题",
        owner=Rectification.Owner.VILLAGE,
        deadline=deadline,
        status=status,
        opened_by=by,
        **closed,
        **fields,
    )


@pytest.fixture
def rectifications(officer, village, other_village, org_staff):
    """In the officer's village: open (overdue), reopened (not yet due), reported, verified. Elsewhere: one open."""
    later = timezone.localdate() + timedelta(days=30)
    return {
        "open": rectification(village, R.OPEN, by=org_staff),
        "reopened": rectification(village, R.REOPENED, by=org_staff, deadline=later),
        "reported": rectification(village, R.REPORTED, by=org_staff),
        "verified": rectification(village, R.VERIFIED, by=org_staff),
        "elsewhere": rectification(other_village, R.OPEN, by=org_staff),
    }


def _lists(client, user) -> dict:
    client.force_login(user)
    return {w["title"]: w for w in client.get(reverse("home")).context["worklists"]}


def test_a_liaison_home_lists_its_open_rectifications_next_to_the_overdue_ones(client, liaison, rectifications):
    lists = _lists(client, liaison)
    assert lists[TITLE] == {"title": TITLE, "url": f"{LIST}?status=open", "count": 2}
    assert lists[OVERDUE] == {"title": OVERDUE, "url": f"{LIST}?overdue=1", "count": 1}


def test_the_count_equals_the_lists_total_for_status_open(client, liaison, rectifications):
    client.force_login(liaison)
    page = client.get(LIST, {"status": "open"}).context["page"]
    assert {r.pk for r in page} == {rectifications["open"].pk, rectifications["reopened"].pk}
    assert page.paginator.count == open_rectification_count(liaison) == 2


def test_reported_and_verified_rectifications_leave_the_work_list(client, liaison, rectifications):
    Rectification.objects.filter(pk=rectifications["open"].pk).update(status=R.VERIFIED, closed_on=date(2016, 7, 1))
    assert open_rectification_count(liaison) == 1
    Rectification.objects.filter(pk=rectifications["reopened"].pk).update(status=R.REPORTED)
    assert open_rectification_count(liaison) == 0
    assert _lists(client, liaison)[TITLE]["count"] == 0


def test_a_rectification_in_a_village_the_officer_has_left_is_not_counted(client, liaison, officer, rectifications):
    officer.assignments.update(ended_on=date(2016, 12, 31))
    assert open_rectification_count(liaison) == 0


@pytest.mark.parametrize("role", ["org_staff", "town_staff", "dept_staff", "leader"])
def test_other_roles_keep_the_overdue_list_and_do_not_get_the_liaisons(client, request, role, rectifications):
    lists = _lists(client, request.getfixturevalue(role))
    assert TITLE not in lists
    assert OVERDUE in lists


def test_two_work_lists_may_open_the_same_page_with_different_filters(liaison, monkeypatch):
    from guanghan import navigation

    monkeypatch.setattr(navigation, "_worklists", {})
    for query, title in (("a=1", "甲"), ("a=2", "乙"), ("a=2", "乙（改）")):
        register_worklist(
            WorkList(title, "supervision:rectification-list", ("liaison",), count=lambda u: 0, query=query)
        )
    assert [(w["title"], w["url"]) for w in worklists_for(liaison)] == [
        ("乙（改）", f"{LIST}?a=2"),
        ("甲", f"{LIST}?a=1"),
    ]

import io
import re

from django.apps import apps
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.db.models import Sum
from django.test import RequestFactory

from guanghan import access
from guanghan.access import Role
from guanghan.models import Cadre, Department, PartyBranch, Town, User, Village


def row_counts():
    return {m._meta.label: m.objects.count() for m in apps.get_app_config("guanghan").get_models()}


def test_seed_demo_twice_changes_nothing(seeded):
    first = row_counts()
    phones = list(Cadre.objects.order_by("pk").values_list("name", "phone"))
    call_command("seed_demo", stdout=io.StringIO())
    assert row_counts() == first
    assert list(Cadre.objects.order_by("pk").values_list("name", "phone")) == phones


def test_guanghan_has_18_towns_and_183_villages_plus_communities(seeded):
    assert Town.objects.count() == 18
    assert Village.objects.filter(kind=Village.Kind.VILLAGE).count() == 183
    assert Village.objects.filter(kind=Village.Kind.COMMUNITY).count() > 0
    assert Town.objects.filter(kind=Town.Kind.TOWNSHIP).count() == 2


def test_branches_hold_the_city_party_member_total(seeded):
    total = PartyBranch.objects.aggregate(total=Sum("member_count"))["total"]
    assert total == 26_398
    assert round(821 / total * 100, 2) == 3.11
    assert PartyBranch.objects.filter(village__isnull=False).count() == Village.objects.count()


def test_advisory_group_departments_are_there(seeded):
    advisory = set(Department.objects.filter(is_advisory=True).values_list("short_name", flat=True))
    assert advisory == {"商务", "经信", "农业", "畜牧", "粮食", "水利"}


def test_demo_users_for_every_role_log_in(seeded):
    expected = {
        "staff": Role.ORG_STAFF,
        "town01": Role.TOWN_STAFF,
        "officer01": Role.LIAISON,
        "officer95": Role.LIAISON,
        "dept01": Role.DEPT_STAFF,
        "leader": Role.LEADER,
    }
    for username, role in expected.items():
        user = authenticate(RequestFactory().post("/login/"), username=username, password="guanghan-demo")
        assert user is not None, username
        assert access.roles_of(user) == {role}
    assert authenticate(RequestFactory().post("/login/"), username="admin", password="guanghan-demo").is_superuser


def test_95_liaison_officers_are_cadres_with_chinese_names(seeded):
    officers = User.objects.filter(groups__name=Role.LIAISON).select_related("cadre")
    assert officers.count() == 95
    assert all(o.cadre_id and re.fullmatch(r"[\u4e00-\u9fff]{2,3}", o.cadre.name) for o in officers)
    assert len({o.cadre_id for o in officers}) == 95


def test_scoped_demo_users_have_their_scope(seeded):
    assert User.objects.get(username="town01").town.name == "雒城镇"
    assert all(u.town_id for u in User.objects.filter(groups__name=Role.TOWN_STAFF))
    assert all(u.department_id for u in User.objects.filter(groups__name=Role.DEPT_STAFF))


def test_demo_admin_and_staff_have_the_published_authenticator(seeded):
    """The demo accounts that must use two-factor can log in with `make demo-code` (the published secret)."""
    from base64 import b32decode

    from django_otp.plugins.otp_totp.models import TOTPDevice

    from guanghan.demo import DEMO_TOTP_SECRET, DEMO_TOTP_USERS

    for username in DEMO_TOTP_USERS:
        device = TOTPDevice.objects.get(user__username=username)
        assert device.confirmed
        assert device.bin_key == b32decode(DEMO_TOTP_SECRET)

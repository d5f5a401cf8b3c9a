"""Demo data for the directory and the demo users (manage.py seed_demo).

Deterministic (a fixed seed per step) and idempotent (rows are matched on their natural keys; a second run changes
nothing). Each app above adds its own `demo.py` with a `seed(log)` function; seed_demo runs them in layer order.
"""

import json
import random
from base64 import b32decode
from datetime import date, timedelta

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from guanghan.access import AdminRole, Role
from guanghan.lib import chinese_names
from guanghan.models import Association, Cadre, Department, Industry, PartyBranch, Town, User, Village

DEMO_PASSWORD = "guanghan-demo"
# The demo's published two-factor secret for `admin` and `staff` (the roles that must use two-factor): add it to an
# authenticator app as a time-based key, or `oathtool --totp -b GUANGHANDEMOSTAFFADMINTOTPKEY234`. Demo only.
DEMO_TOTP_SECRET = "GUANGHANDEMOSTAFFADMINTOTPKEY234"
DEMO_TOTP_USERS = ("admin", "staff", "sysadmin", "secadmin", "auditor")
# The seed: 821 members in difficulty are 3.11% of all party members, so the branches hold about 26,400.
PARTY_MEMBER_TOTAL = 26_398
LIAISON_OFFICERS = 95
REPORT_DATE = date(2016, 7, 21)
POSITIONS = ["科员", "科员", "科员", "主任科员", "副主任科员", "副股长", "股长", "办公室主任", "副局长", "党组书记"]
ASSOCIATION_KINDS = {
    "planting": ["蔬菜种植协会", "水稻种植专业合作社", "中药材种植协会"],
    "breeding": ["生猪养殖协会", "家禽养殖协会", "水产养殖协会"],
    "nursery": ["花卉苗木协会"],
    "forestry_fruit": ["果树种植协会", "猕猴桃协会"],
    "rural_tourism": ["农家乐协会"],
    "agri_processing": ["农产品加工协会"],
}


def _fixture(name: str):
    return json.loads((settings.BASE_DIR / "fixtures" / name).read_text(encoding="utf-8"))


def load_directory() -> tuple[int, int, int]:
    """Towns, villages and departments from fixtures/ (Guanghan's real 2016 division), matched by code or name."""
    towns = villages = 0
    for t in _fixture("towns_villages.json"):
        kind = Town.Kind.TOWNSHIP if t["name"].endswith("乡") else Town.Kind.TOWN
        town, _ = Town.objects.update_or_create(code=t["code"], defaults={"name": t["name"], "kind": kind})
        towns += 1
        for v in t["villages"]:
            Village.objects.update_or_create(
                code=v["code"], defaults={"town": town, "name": v["name"], "kind": v["kind"]}
            )
            villages += 1
    departments = 0
    for d in _fixture("departments.json"):
        Department.objects.update_or_create(
            name=d["name"], defaults={"short_name": d["short_name"], "is_advisory": d["is_advisory"]}
        )
        departments += 1
    return towns, villages, departments


def _branch_sizes(rng: random.Random, villages: list[Village], departments: list[Department]) -> list[int]:
    sizes = [rng.randint(25, 60) if v.kind == Village.Kind.COMMUNITY else rng.randint(80, 150) for v in villages]
    sizes += [rng.randint(15, 80) for _ in departments]
    # Bring the sum to the city's total exactly, spreading the difference over the village branches.
    difference = PARTY_MEMBER_TOTAL - sum(sizes)
    for i in range(abs(difference)):
        sizes[i % len(villages)] += 1 if difference > 0 else -1
    return sizes


def seed_branches_and_associations(rng: random.Random) -> None:
    villages = list(Village.objects.order_by("code"))
    departments = list(Department.objects.order_by("name"))
    sizes = iter(_branch_sizes(rng, villages, departments))
    for village in villages:
        suffix = "党委" if village.kind == Village.Kind.COMMUNITY else "党总支"
        PartyBranch.objects.update_or_create(
            village=village, name=f"{village.name}{suffix}", defaults={"member_count": next(sizes)}
        )
    for department in departments:
        PartyBranch.objects.update_or_create(
            department=department, name=f"{department.short_name}机关党支部", defaults={"member_count": next(sizes)}
        )
    industries = {i.code: i for i in Industry.objects.all()}
    for village in villages:
        if village.kind != Village.Kind.VILLAGE or rng.random() < 0.3:
            continue
        code = rng.choice(sorted(ASSOCIATION_KINDS))
        name = village.name.removesuffix("村") + rng.choice(ASSOCIATION_KINDS[code])
        branch = PartyBranch.objects.get(village=village)
        Association.objects.update_or_create(
            village=village,
            name=name,
            defaults={"industry": industries[code], "branch": branch, "member_count": rng.randint(12, 90)},
        )


def seed_cadres(rng: random.Random) -> list[Cadre]:
    """8–20 cadres per department; phones unique. Returns them in a stable order."""
    phones: set[str] = set()
    cadres = []
    for department in Department.objects.order_by("name"):
        for n in range(rng.randint(8, 20)):
            gender = "male" if rng.random() < 0.62 else "female"
            name = chinese_names.name(rng, gender)
            phone = f"1{rng.choice('3578')}{rng.randint(0, 999_999_999):09d}"
            while phone in phones:
                phone = f"1{rng.choice('3578')}{rng.randint(0, 999_999_999):09d}"
            phones.add(phone)
            # The n-th cadre of a department is its stable identity across runs.
            cadre = Cadre.objects.filter(department=department).order_by("pk")[n : n + 1].first()
            values = {
                "name": name,
                "position": rng.choice(POSITIONS),
                "phone": phone,
                "is_party_member": rng.random() < 0.9,
            }
            if cadre is None:
                cadre = Cadre.objects.create(department=department, **values)
            elif any(getattr(cadre, k) != v for k, v in values.items()):
                for k, v in values.items():
                    setattr(cadre, k, v)
                cadre.save()
            cadres.append(cadre)
    return cadres


def _user(username: str, password_hash: str, **fields) -> User:
    """Create the demo user once; a second run leaves it (and its password) as it is, unless its scope changed."""
    role = fields.pop("role", None)
    user, created = User.objects.get_or_create(username=username, defaults={**fields, "password": password_hash})
    if not created and any(getattr(user, k) != v for k, v in fields.items()):
        for k, v in fields.items():
            setattr(user, k, v)
        user.save()
    if role and not user.groups.filter(name=role).exists():
        user.groups.add(Group.objects.get(name=role))
    return user


def seed_users(rng: random.Random, cadres: list[Cadre]) -> int:
    # One hash for all demo accounts keeps a seed run fast; real accounts get their own salt.
    password_hash = make_password(DEMO_PASSWORD)
    _user("admin", password_hash, display_name="超级管理员", is_superuser=True, is_staff=True)
    _user("staff", password_hash, display_name="组织部 王敏", role=Role.ORG_STAFF)
    _user("leader", password_hash, display_name="领导小组 李建华", role=Role.LEADER)
    # 三权分立: three administrators, none of whom reads the registry.
    _user("sysadmin", password_hash, display_name="系统管理员 赵磊", role=AdminRole.SYS_ADMIN)
    _user("secadmin", password_hash, display_name="安全管理员 孙丽", role=AdminRole.SECURITY_ADMIN)
    _user("auditor", password_hash, display_name="审计管理员 周平", role=AdminRole.AUDITOR)
    towns = list(Town.objects.order_by("code"))
    for i, town in enumerate(towns, start=1):
        _user(f"town{i:02d}", password_hash, display_name=f"{town.name}工作人员", town=town, role=Role.TOWN_STAFF)
    departments = list(Department.objects.order_by("name"))
    for i, department in enumerate(departments, start=1):
        _user(
            f"dept{i:02d}",
            password_hash,
            display_name=f"{department.short_name}工作人员",
            department=department,
            role=Role.DEPT_STAFF,
        )
    # The 95 liaison officers are cadres drawn from all departments (a stable pick).
    officers = random.Random(95).sample(cadres, LIAISON_OFFICERS)
    for i, cadre in enumerate(officers, start=1):
        _user(
            f"officer{i:02d}",
            password_hash,
            display_name=cadre.name,
            department=cadre.department,
            cadre=cadre,
            role=Role.LIAISON,
        )
    _keep_demo_logins_working(
        User.objects.filter(
            username__regex=r"^(admin|staff|leader|sysadmin|secadmin|auditor|(town|dept|officer)\d{2})$"
        )
    )
    return 6 + len(towns) + len(departments) + LIAISON_OFFICERS


def _keep_demo_logins_working(demo_users) -> None:
    """Demo passwords are not forced to change (refreshed once half their allowed age has passed), and the two
    accounts that must use two-factor get an authenticator with the published demo secret."""
    now = timezone.now()
    half_age = timedelta(days=settings.PASSWORD_MAX_AGE_DAYS / 2)
    demo_users.filter(password_changed_at__lt=now - half_age).update(password_changed_at=now)
    demo_users.filter(must_change_password=True).update(must_change_password=False)
    key = b32decode(DEMO_TOTP_SECRET).hex()
    for user in User.objects.filter(username__in=DEMO_TOTP_USERS):
        TOTPDevice.objects.get_or_create(user=user, name="演示身份验证器", defaults={"key": key, "confirmed": True})


@transaction.atomic
def seed(log) -> None:
    towns, villages, departments = load_directory()
    log(f"目录：{towns} 个乡镇，{villages} 个村（社区），{departments} 个部门")
    seed_branches_and_associations(random.Random(2016))
    log(f"党支部 {PartyBranch.objects.count()} 个，党员 {PARTY_MEMBER_TOTAL} 名；协会 {Association.objects.count()} 个")
    cadres = seed_cadres(random.Random(721))
    log(f"机关干部 {len(cadres)} 名")
    users = seed_users(random.Random(1), cadres)
    log(f"演示账号 {users} 个，密码均为 {DEMO_PASSWORD}")
    log(f"{'、'.join(DEMO_TOTP_USERS)} 须两步验证：身份验证器密钥（基于时间）{DEMO_TOTP_SECRET}")

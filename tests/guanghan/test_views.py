import pytest
from django.urls import reverse

from tests.factories import CadreFactory, PartyBranchFactory, VillageFactory

# Each role against each page: 200 allowed, 403 beyond the role, 404 outside the scope.
# town_staff works in `town` (which holds `village`); dept_staff in `department`; liaison has no villages yet.
MATRIX = {
    "home": dict(org_staff=200, town_staff=200, liaison=200, dept_staff=200, leader=200),
    "village-list": dict(org_staff=200, town_staff=200, liaison=200, dept_staff=200, leader=200),
    "village-detail": dict(org_staff=200, town_staff=200, liaison=404, dept_staff=404, leader=200),
    "other-village-detail": dict(org_staff=200, town_staff=404, liaison=404, dept_staff=404, leader=200),
    "department-list": dict(org_staff=200, town_staff=403, liaison=403, dept_staff=200, leader=200),
    "department-detail": dict(org_staff=200, town_staff=403, liaison=403, dept_staff=200, leader=200),
    "other-department-detail": dict(org_staff=200, town_staff=403, liaison=403, dept_staff=404, leader=200),
}


@pytest.fixture
def urls(village, other_village, department, other_department):
    return {
        "home": reverse("home"),
        "village-list": reverse("guanghan:village-list"),
        "village-detail": reverse("guanghan:village-detail", args=[village.pk]),
        "other-village-detail": reverse("guanghan:village-detail", args=[other_village.pk]),
        "department-list": reverse("guanghan:department-list"),
        "department-detail": reverse("guanghan:department-detail", args=[department.pk]),
        "other-department-detail": reverse("guanghan:department-detail", args=[other_department.pk]),
    }


@pytest.mark.parametrize("role", ["org_staff", "town_staff", "liaison", "dept_staff", "leader"])
@pytest.mark.parametrize("page", list(MATRIX))
def test_each_role_gets_the_declared_answer_on_each_page(request, client, urls, role, page):
    client.force_login(request.getfixturevalue(role))
    assert client.get(urls[page]).status_code == MATRIX[page][role]


@pytest.mark.parametrize("page", list(MATRIX))
def test_anonymous_users_are_sent_to_login(client, urls, page):
    response = client.get(urls[page])
    assert response.status_code == 302
    assert response.url == f"{reverse('login')}?next={urls[page]}"


@pytest.mark.parametrize("page", list(MATRIX))
def test_superuser_opens_every_page(client, superuser, urls, page):
    client.force_login(superuser)
    assert client.get(urls[page]).status_code == 200


@pytest.mark.parametrize("page", list(MATRIX))
def test_pages_refuse_post(client, org_staff, urls, page):
    client.force_login(org_staff)
    assert client.post(urls[page]).status_code == 405


def test_user_without_role_is_told_to_ask_for_one(client, no_role_user, village):
    client.force_login(no_role_user)
    response = client.get(reverse("home"))
    assert "尚未分配角色" in response.content.decode()
    assert client.get(reverse("guanghan:village-list")).status_code == 403


def test_home_shows_the_role_scope_and_figures(client, town_staff, village, other_village):
    PartyBranchFactory(village=village, member_count=120)
    PartyBranchFactory(village=other_village, member_count=80)
    client.force_login(town_staff)
    response = client.get(reverse("home"))
    html = response.content.decode()
    assert "乡镇工作人员" in html
    assert "三星堆镇所辖村（社区）" in html
    assert response.context["figures"] == {
        "towns": 1,
        "villages": 1,
        "communities": 0,
        "branches": 1,
        "party_members": 120,
    }


def test_home_figures_for_the_city_include_department_branches(client, org_staff, village, department):
    PartyBranchFactory(village=village, member_count=120)
    PartyBranchFactory(village=None, department=department, member_count=30)
    client.force_login(org_staff)
    figures = client.get(reverse("home")).context["figures"]
    assert figures["branches"] == 2
    assert figures["party_members"] == 150


EVERYONE = ["首页", "看板", "信息库"]
WORK = ["项目", "结对", "培训", "顾问组", "资金", "督查"]


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("org_staff", [*EVERYONE, "公示", *WORK, "考核", "村（社区）", "部门"]),
        ("town_staff", [*EVERYONE, "公示", *WORK, "村（社区）"]),
        ("liaison", [*EVERYONE, *WORK, "村（社区）"]),
        ("dept_staff", [*EVERYONE, *WORK, "考核", "村（社区）", "部门"]),
        ("leader", [*EVERYONE, "公示", *WORK, "考核", "村（社区）", "部门"]),
        ("superuser", [*EVERYONE, "公示", *WORK, "考核", "村（社区）", "部门"]),
        ("sys_admin", ["用户"]),
        ("security_admin", ["用户", "安全"]),
        ("auditor", ["审计"]),
    ],
)
def test_navigation_shows_each_role_only_what_it_may_open(request, client, role, expected):
    client.force_login(request.getfixturevalue(role))
    response = client.get(reverse("home"))
    assert [item["label"] for item in response.context["nav_items"]] == expected
    assert ('href="/admin/"' in response.content.decode()) == (role == "superuser")
    # The superuser's administration entries are folded into the 管理 drop-down, so that its bar keeps to one line.
    menu = [item["label"] for item in response.context["nav_menu"]]
    assert menu == (["用户", "安全", "审计"] if role == "superuser" else [])


def test_village_list_filters_by_town_kind_and_name(client, org_staff, village, other_village):
    VillageFactory(town=village.town, name="文庙社区", kind="community")
    client.force_login(org_staff)
    url = reverse("guanghan:village-list")

    def names(**params):
        return sorted(v.name for v in client.get(url, params).context["page"])

    assert names(town=village.town_id) == sorted(["三星村", "文庙社区"])
    assert names(kind="community") == ["文庙社区"]
    assert names(q="金光") == ["金光村"]
    assert names(q="510681102") == ["金光村"]


def test_village_list_ignores_a_town_outside_the_scope(client, town_staff, village, other_village):
    client.force_login(town_staff)
    response = client.get(reverse("guanghan:village-list"), {"town": other_village.town_id})
    assert [v.name for v in response.context["page"]] == ["三星村"]
    assert "town" in response.context["form"].errors


def test_village_list_counts_branches_and_members(client, org_staff, village):
    PartyBranchFactory(village=village, member_count=70)
    PartyBranchFactory(village=village, member_count=30)
    PartyBranchFactory(village=village, member_count=500, is_active=False)
    client.force_login(org_staff)
    row = client.get(reverse("guanghan:village-list")).context["page"][0]
    assert (row.branch_count, row.party_members) == (2, 100)


@pytest.mark.parametrize("rows", [3, 60])
def test_village_list_makes_the_same_queries_whatever_the_rows(
    client, town_staff, village, rows, django_assert_max_num_queries
):
    for _ in range(rows):
        PartyBranchFactory(village=VillageFactory(town=village.town))
    client.force_login(town_staff)
    with django_assert_max_num_queries(10):
        response = client.get(reverse("guanghan:village-list"))
    assert response.status_code == 200


@pytest.mark.parametrize("rows", [3, 60])
def test_department_pages_make_the_same_queries_whatever_the_rows(
    client, org_staff, department, rows, django_assert_max_num_queries
):
    for _ in range(rows):
        CadreFactory(department=department)
    client.force_login(org_staff)
    with django_assert_max_num_queries(10):
        assert client.get(reverse("guanghan:department-list")).status_code == 200
    with django_assert_max_num_queries(11):
        assert client.get(reverse("guanghan:department-detail", args=[department.pk])).status_code == 200


def test_village_list_paginates(client, org_staff, village):
    for _ in range(55):
        VillageFactory(town=village.town)
    client.force_login(org_staff)
    response = client.get(reverse("guanghan:village-list"), {"page": 2})
    assert response.context["page"].number == 2
    assert len(response.context["page"]) == 6
    assert "第 2 / 2 页" in response.content.decode()


def test_department_detail_masks_cadre_phones(client, dept_staff, department):
    CadreFactory(department=department, name="赵刚", phone="13812345678")
    client.force_login(dept_staff)
    html = client.get(reverse("guanghan:department-detail", args=[department.pk])).content.decode()
    assert "赵刚" in html
    assert "138****5678" in html
    assert "13812345678" not in html


def test_village_detail_lists_branches_and_associations(client, town_staff, village):
    from tests.factories import AssociationFactory

    branch = PartyBranchFactory(village=village, name="三星村党总支", member_count=118)
    AssociationFactory(village=village, name="三星蔬菜种植协会", branch=branch)
    client.force_login(town_staff)
    html = client.get(reverse("guanghan:village-detail", args=[village.pk])).content.decode()
    assert "三星村党总支" in html
    assert "党员 118 名" in html
    assert "三星蔬菜种植协会" in html


def test_department_list_searches_by_name(client, org_staff, department, other_department):
    client.force_login(org_staff)
    page = client.get(reverse("guanghan:department-list"), {"q": "水"}).context["page"]
    assert [d.short_name for d in page] == ["水利"]


def test_forbidden_page_explains_in_chinese(client, town_staff):
    client.force_login(town_staff)
    response = client.get(reverse("guanghan:department-list"))
    assert response.status_code == 403
    assert "无权访问" in response.content.decode()


def test_out_of_scope_page_explains_in_chinese(client, town_staff, other_village):
    client.force_login(town_staff)
    response = client.get(reverse("guanghan:village-detail", args=[other_village.pk]))
    assert "不在您的工作范围内" in response.content.decode()

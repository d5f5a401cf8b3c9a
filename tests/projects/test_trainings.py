from datetime import date

import factory
import pytest
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse

from guanghan.models import Skill
from members.models import Member
from projects import training_views
from projects.models import Attendance, Training, members_with_skill_count, practical_skills
from tests.factories import MemberFactory, ProjectFactory, VillageFactory, add_to_list

ROLES = ["org_staff", "town_staff", "liaison", "dept_staff", "leader"]


class TrainingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "projects.Training"
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"实用技术培训班{n}")
    held_on = date(2016, 4, 12)
    place = "镇党群服务中心"
    trainer = "市农业局 农艺师"

    @factory.post_generation
    def skills(self, create, extracted, **kwargs):
        if create and extracted:
            self.skills.set(extracted)


def skill(code: str) -> Skill:
    return Skill.objects.get(code=code)


@pytest.fixture
def training(town):
    return TrainingFactory(town=town, title="三星堆镇蔬菜种植培训班", skills=[skill("rice"), skill("vegetable")])


@pytest.fixture
def other_training(other_town):
    return TrainingFactory(town=other_town, title="南兴镇生猪养殖培训班", skills=[skill("pig")])


@pytest.fixture
def lecture(db):
    return TrainingFactory(title="全市农产品电商专家讲座", kind=Training.Kind.LECTURE, skills=[skill("vegetable")])


# Who may open what -------------------------------------------------------------------------------------------------

# town_staff works in `village`'s town; dept_staff's department helps `village` (the `paired` fixture); liaison has no
# villages until supervision assigns them.
MATRIX = {
    "list": (
        "projects:training-list",
        None,
        dict(org_staff=200, town_staff=200, liaison=200, dept_staff=200, leader=200),
    ),
    "create": (
        "projects:training-create",
        None,
        dict(org_staff=200, town_staff=200, liaison=403, dept_staff=403, leader=403),
    ),
    "detail": (
        "projects:training-detail",
        "training",
        dict(org_staff=200, town_staff=200, liaison=404, dept_staff=200, leader=200),
    ),
    "other-detail": (
        "projects:training-detail",
        "other_training",
        dict(org_staff=200, town_staff=404, liaison=404, dept_staff=404, leader=200),
    ),
    "lecture-detail": (
        "projects:training-detail",
        "lecture",
        dict(org_staff=200, town_staff=200, liaison=404, dept_staff=404, leader=200),
    ),
    "attendance": (
        "projects:training-attendance",
        "training",
        dict(org_staff=200, town_staff=200, liaison=403, dept_staff=403, leader=403),
    ),
    "other-attendance": (
        "projects:training-attendance",
        "other_training",
        dict(org_staff=200, town_staff=404, liaison=403, dept_staff=403, leader=403),
    ),
    "lecture-attendance": (
        "projects:training-attendance",
        "lecture",
        dict(org_staff=200, town_staff=200, liaison=403, dept_staff=403, leader=403),
    ),
    "below-two": (
        "projects:skills-below-two",
        None,
        dict(org_staff=200, town_staff=200, liaison=200, dept_staff=200, leader=200),
    ),
}


def _url(request, name, obj):
    return reverse(name) if obj is None else reverse(name, args=[request.getfixturevalue(obj).pk])


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("page", list(MATRIX))
def test_each_role_gets_the_declared_answer(request, client, paired, training, other_training, lecture, role, page):
    name, obj, expected = MATRIX[page]
    client.force_login(request.getfixturevalue(role))
    assert client.get(_url(request, name, obj)).status_code == expected[role]


@pytest.mark.parametrize("page", list(MATRIX))
def test_anonymous_users_are_sent_to_login(request, client, training, other_training, lecture, page):
    name, obj, _ = MATRIX[page]
    response = client.get(_url(request, name, obj))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


@pytest.mark.parametrize(
    ("name", "needs_pk", "method"),
    [
        ("projects:training-list", False, "post"),
        ("projects:training-detail", True, "post"),
        ("projects:skills-below-two", False, "post"),
        ("projects:training-create", False, "delete"),
        ("projects:training-attendance", True, "put"),
    ],
)
def test_wrong_methods_are_refused(client, org_staff, training, name, needs_pk, method):
    client.force_login(org_staff)
    url = reverse(name, args=[training.pk]) if needs_pk else reverse(name)
    assert getattr(client, method)(url).status_code == 405


def test_writes_beyond_the_role_or_scope_change_nothing(client, leader, other_town_staff, training, member):
    data = {"shown": [member.pk], "attended": [member.pk], "passed": [member.pk]}
    url = reverse("projects:training-attendance", args=[training.pk])
    client.force_login(leader)
    assert client.post(url, data).status_code == 403
    assert client.post(reverse("projects:training-create"), {"title": "x"}).status_code == 403
    client.force_login(other_town_staff)
    assert client.post(url, data).status_code == 404
    assert not Attendance.objects.exists()
    assert Training.objects.count() == 1


# Creating a training --------------------------------------------------------------------------------------------------


def _training_data(**changes):
    data = {
        "kind": "class",
        "title": "韭黄栽培技术培训班",
        "held_on": "2016-03-18",
        "place": "三星堆镇农民夜校",
        "trainer": "市农业局 高级农艺师",
        "skills": [skill("vegetable").pk, skill("mushroom").pk],
    }
    return {**data, **changes}


def test_town_staff_records_a_training_of_their_town(client, town_staff, town):
    client.force_login(town_staff)
    response = client.post(reverse("projects:training-create"), _training_data(town=town.pk), follow=True)
    training = Training.objects.get()
    assert response.redirect_chain[-1][0] == reverse("projects:training-attendance", args=[training.pk])
    assert "已登记培训“韭黄栽培技术培训班”" in response.content.decode()
    assert (training.town, training.created_by) == (town, town_staff)
    assert set(training.skills.values_list("name", flat=True)) == {"蔬菜种植", "食用菌栽培"}


def test_town_staff_cannot_record_a_training_for_another_town_or_without_skills(client, town_staff, other_town):
    client.force_login(town_staff)
    response = client.post(reverse("projects:training-create"), _training_data(town=other_town.pk, skills=[]))
    errors = response.context["form"].errors
    assert errors["town"] == ["乡镇工作人员只能登记本乡镇的培训。"]
    assert errors["skills"] == ["请勾选本次培训所教的技能（至少一项）。"]
    assert not Training.objects.exists()


def test_organisation_staff_record_a_city_wide_lecture(client, org_staff):
    client.force_login(org_staff)
    client.post(reverse("projects:training-create"), _training_data(kind="lecture", title="生猪防疫专家讲座"))
    assert Training.objects.get().town is None


def test_a_training_project_must_be_in_its_town(client, org_staff, town, other_project):
    client.force_login(org_staff)
    response = client.post(reverse("projects:training-create"), _training_data(town=town.pk, project=other_project.pk))
    assert response.context["form"].errors["project"] == ["“金光村生猪养殖”不在三星堆镇，请选择本乡镇的项目或不选。"]


# Attendance -----------------------------------------------------------------------------------------------------------


def test_a_member_attends_a_training_once(training, member):
    Attendance.objects.create(training=training, member=member)
    with pytest.raises(IntegrityError), transaction.atomic():
        Attendance.objects.create(training=training, member=member, passed=True)


def test_staff_tick_who_attended_and_who_mastered(client, town_staff, training, village):
    a, b, c, d = (MemberFactory(village=village, name=n) for n in ("甲", "乙", "丙", "丁"))
    client.force_login(town_staff)
    url = reverse("projects:training-attendance", args=[training.pk])
    shown = [a.pk, b.pk, c.pk, d.pk]
    response = client.post(url, {"shown": shown, "attended": [a.pk, b.pk], "passed": [a.pk, c.pk]}, follow=True)
    assert "本次培训共 3 人参加，其中 2 人掌握所教技能" in response.content.decode()
    rows = dict(Attendance.objects.values_list("member__name", "passed"))
    assert rows == {"甲": True, "乙": False, "丙": True}  # 掌握 counts as attended
    page = {m.name: m.attendance_passed for m in response.context["page"]}
    assert page == {"甲": True, "乙": False, "丙": True, "丁": None}

    client.post(url, {"shown": shown, "attended": [a.pk, c.pk], "passed": [a.pk]})
    assert dict(Attendance.objects.values_list("member__name", "passed")) == {"甲": True, "丙": False}


def test_only_the_shown_members_of_the_training_town_are_recorded(client, town_staff, training, village, other_village):
    ours, elsewhere = MemberFactory(village=village), MemberFactory(village=other_village)
    earlier = MemberFactory(village=village)
    Attendance.objects.create(training=training, member=earlier, passed=True)
    client.force_login(town_staff)
    client.post(
        reverse("projects:training-attendance", args=[training.pk]),
        {"shown": [ours.pk, elsewhere.pk], "attended": [ours.pk, elsewhere.pk]},
    )
    # The other town's member is refused; the member not on the page keeps their record.
    assert set(Attendance.objects.values_list("member_id", flat=True)) == {ours.pk, earlier.pk}


def test_the_attendance_page_offers_the_training_towns_people(client, org_staff, training, village, other_village):
    MemberFactory(village=village, name="本镇人")
    MemberFactory(village=other_village, name="外镇人")
    MemberFactory(village=village, name="已退出", status=Member.Status.REMOVED, removal_reason="moved")
    client.force_login(org_staff)
    response = client.get(reverse("projects:training-attendance", args=[training.pk]))
    assert [m.name for m in response.context["page"]] == ["本镇人"]


def test_town_staff_see_only_their_people_at_a_city_wide_lecture(client, town_staff, lecture, village, other_village):
    Attendance.objects.create(training=lecture, member=MemberFactory(village=village, name="本镇学员"), passed=True)
    Attendance.objects.create(training=lecture, member=MemberFactory(village=other_village, name="外镇学员"))
    client.force_login(town_staff)
    response = client.get(reverse("projects:training-detail", args=[lecture.pk]))
    assert [a.member.name for a in response.context["attendances"]] == ["本镇学员"]
    assert response.context["totals"] == {"attended": 2, "passed": 1}


def test_department_staff_see_city_wide_trainings_their_households_attended(
    client, dept_staff, department, lecture, other_village
):
    from projects.models import HouseholdPairing
    from tests.factories import CadreFactory

    helped = MemberFactory(village=other_village)
    HouseholdPairing.objects.create(cadre=CadreFactory(department=department), member=helped, started_on="2016-03-01")
    client.force_login(dept_staff)
    url = reverse("projects:training-detail", args=[lecture.pk])
    assert client.get(url).status_code == 404
    Attendance.objects.create(training=lecture, member=helped)
    assert client.get(url).status_code == 200


def test_the_list_filters_by_year_town_kind_and_skill(client, org_staff, training, other_training, lecture, town):
    TrainingFactory(town=town, title="2015年培训", held_on=date(2015, 11, 2), skills=[skill("pig")])
    client.force_login(org_staff)

    def titles(**query):
        return sorted(t.title for t in client.get(reverse("projects:training-list"), query).context["page"])

    assert titles(year=2015) == ["2015年培训"]
    assert titles(town=town.pk) == ["2015年培训", "三星堆镇蔬菜种植培训班"]
    assert titles(kind="lecture") == ["全市农产品电商专家讲座"]
    assert titles(skill=skill("pig").pk) == ["2015年培训", "南兴镇生猪养殖培训班"]


# Practical skills: own skills ∪ skills of trainings attended and passed ---------------------------------------------


def _count(member):
    return members_with_skill_count(Member.objects.filter(pk=member.pk), with_names=True).get()


def test_skills_learned_at_a_training_add_to_the_members_own(training, village):
    member = MemberFactory(village=village)
    add_to_list(member, "skill_ids", skill("rice"))
    assert _count(member).skill_count == 1
    Attendance.objects.create(training=training, member=member, passed=True)  # teaches 水稻种植 and 蔬菜种植
    counted = _count(member)
    assert counted.skill_count == 2  # 水稻种植 counts once
    assert counted.skill_names == ["水稻种植", "蔬菜种植"]
    assert set(practical_skills(member).values_list("code", flat=True)) == {"rice", "vegetable"}


def test_attending_without_mastering_teaches_nothing(training, other_training, village):
    member = MemberFactory(village=village)
    Attendance.objects.create(training=training, member=member, passed=False)
    Attendance.objects.create(training=other_training, member=member, passed=True)
    counted = _count(member)
    assert (counted.skill_count, counted.skill_names) == (1, ["生猪养殖"])


def test_the_same_skill_from_two_trainings_counts_once(village, town):
    member = MemberFactory(village=village)
    for _ in range(2):
        Attendance.objects.create(
            training=TrainingFactory(town=town, skills=[skill("pig")]), member=member, passed=True
        )
    assert _count(member).skill_count == 1


def test_skill_counts_take_a_fixed_number_of_queries(django_assert_num_queries, training, village):
    members = [MemberFactory(village=village) for _ in range(5)]
    for member in members[:3]:
        Attendance.objects.create(training=training, member=member, passed=True)
    with django_assert_num_queries(1):
        counts = sorted(m.skill_count for m in members_with_skill_count(Member.objects.all(), with_names=True))
    assert counts == [0, 0, 2, 2, 2]


# The work list: members below two practical skills ----------------------------------------------------------------


@pytest.fixture
def skill_levels(training, village, other_village):
    """三星村: 零技能 (0), 一技能 (1), 学会了 (1 own + 2 learned), 群众 (resident, 0); 金光村: 外镇 (0)."""
    people = {
        "零技能": MemberFactory(village=village, name="零技能"),
        "一技能": MemberFactory(village=village, name="一技能"),
        "学会了": MemberFactory(village=village, name="学会了"),
        "群众": MemberFactory(village=village, name="群众", category="resident"),
        "外镇": MemberFactory(village=other_village, name="外镇"),
    }
    add_to_list(people["一技能"], "skill_ids", skill("electrician"))
    add_to_list(people["学会了"], "skill_ids", skill("electrician"))
    Attendance.objects.create(training=training, member=people["学会了"], passed=True)
    Attendance.objects.create(training=training, member=people["一技能"], passed=False)
    return people


def _below_two(client, **query):
    response = client.get(reverse("projects:skills-below-two"), query)
    return [(m.name, m.skill_count) for m in response.context["page"]]


def test_the_work_list_shows_party_members_below_two_skills(client, org_staff, skill_levels):
    client.force_login(org_staff)
    assert _below_two(client) == [("零技能", 0), ("外镇", 0), ("一技能", 1)]
    assert _below_two(client, category="resident") == [("群众", 0)]
    assert _below_two(client, category="all") == [("群众", 0), ("零技能", 0), ("外镇", 0), ("一技能", 1)]
    assert _below_two(client, page=1) == _below_two(client)  # a pagination link keeps the default


def test_the_work_list_shows_which_skills_members_have(client, org_staff, skill_levels):
    client.force_login(org_staff)
    response = client.get(reverse("projects:skills-below-two"))
    assert {m.name: m.skill_names for m in response.context["page"]}["一技能"] == ["电工"]
    assert "电工" in response.content.decode()


def test_the_work_list_filters_by_town_and_village(client, org_staff, skill_levels, town, other_village):
    client.force_login(org_staff)
    assert _below_two(client, town=town.pk) == [("零技能", 0), ("一技能", 1)]
    assert _below_two(client, village=other_village.pk) == [("外镇", 0)]


def test_the_work_list_follows_the_people_scope(client, town_staff, liaison, skill_levels):
    client.force_login(town_staff)
    assert _below_two(client) == [("零技能", 0), ("一技能", 1)]
    assert training_views.skill_gap_count(town_staff) == 2
    client.force_login(liaison)
    assert _below_two(client) == []


# Query counts -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("rows", [3, 40])
def test_the_training_list_makes_the_same_queries_whatever_the_rows(
    client, town_staff, town, village, rows, django_assert_max_num_queries
):
    member = MemberFactory(village=village)
    for n in range(rows):
        Attendance.objects.create(
            training=TrainingFactory(town=town, skills=[skill("rice"), skill("pig")]), member=member, passed=n % 2 == 0
        )
    client.force_login(town_staff)
    with django_assert_max_num_queries(13):
        response = client.get(reverse("projects:training-list"))
    assert len(response.context["page"]) == rows


@pytest.mark.parametrize("rows", [3, 40])
def test_the_attendance_pages_make_the_same_queries_whatever_the_rows(
    client, town_staff, training, village, rows, django_assert_max_num_queries
):
    for n in range(rows):
        Attendance.objects.create(training=training, member=MemberFactory(village=village), passed=n % 3 == 0)
    client.force_login(town_staff)
    with django_assert_max_num_queries(13):
        assert len(client.get(reverse("projects:training-attendance", args=[training.pk])).context["page"]) == rows
    with django_assert_max_num_queries(12):
        assert len(client.get(reverse("projects:training-detail", args=[training.pk])).context["attendances"]) == rows


@pytest.mark.parametrize("rows", [3, 40])
def test_the_work_list_makes_the_same_queries_whatever_the_rows(
    client, town_staff, training, village, rows, django_assert_max_num_queries
):
    for _ in range(rows):
        member = MemberFactory(village=village)
        add_to_list(member, "skill_ids", skill("electrician"))
    client.force_login(town_staff)
    with django_assert_max_num_queries(10):
        assert len(client.get(reverse("projects:skills-below-two")).context["page"]) == rows


# Demo data --------------------------------------------------------------------------------------------------------


@pytest.fixture
def small_directory(town, other_town, department, other_department):
    """Two towns of three villages, 40 people each, a key project in every village, and the advisory group."""
    from guanghan.models import Department

    Department.objects.create(name="广汉市商务局", short_name="商务", is_advisory=True)
    Department.objects.create(name="广汉市教育局", short_name="教育", is_advisory=False)
    for t in (town, other_town):
        for _ in range(3):
            village = VillageFactory(town=t)
            ProjectFactory(village=village, is_key=True, key_slot=1, status="running", started_on=date(2015, 5, 1))
            for n in range(40):
                MemberFactory(village=village, category="party" if n < 12 else "resident")
    return [town, other_town]


def test_the_demo_trainings_and_consultations_are_plausible_and_seeded_once(small_directory):
    from projects import demo_training
    from projects.models import Consultation

    lines = []
    demo_training.seed(lines.append)
    trainings, consultations = Training.objects.count(), Consultation.objects.count()
    assert trainings >= 6
    assert Training.objects.filter(town__isnull=True, kind="lecture").exists()
    assert not Training.objects.filter(skills__isnull=True).exists()
    assert (
        not Attendance.objects.exclude(training__town__isnull=True)
        .exclude(member__village__town=F("training__town"))
        .exists()
    )
    passed_share = Attendance.objects.filter(passed=True).count() / Attendance.objects.count()
    assert 0.75 < passed_share < 0.95
    assert consultations > 0
    assert not Consultation.objects.filter(department__is_advisory=False).exists()
    assert 0 < Consultation.objects.filter(followed_up_on__isnull=False).count() < consultations
    assert len(lines) == 1 and "培训" in lines[0]

    demo_training.seed(lines.append)
    assert (Training.objects.count(), Consultation.objects.count()) == (trainings, consultations)

"""Trainings and attendance (培训班、专家讲座), the members short of two practical skills, and the consultations of the
market-economy advisory group (市场经济顾问组).

projects/urls.py includes `urlpatterns` under the `projects` namespace. Scope comes from guanghan.access: a training
belongs to a town (or to the whole city), so `trainings_visible_to` builds its scope from the user's towns, its
department and its people; consultations hang on a project and a department and use `access.scope` directly.
"""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from guanghan import access
from guanghan.access import ALL_ROLES, Role, role_required
from guanghan.forms import PlaceFilterForm, VillageChoiceField
from guanghan.lib.paging import CappedPaginator
from guanghan.models import Department, Skill, Town, Village
from members.forms import CHECKBOXES, DATE
from members.models import Member
from projects.models import ADVISORY_ONLY, Attendance, Consultation, Project, Training, members_with_skill_count

PAGE_SIZE = 50
TARGET_SKILLS = 2  # 使困难党员普遍掌握两门以上的农村实用技术
TRAINERS = (Role.ORG_STAFF, Role.TOWN_STAFF)
ADVISERS = (Role.ORG_STAFF, Role.DEPT_STAFF)
NOT_FOUND = "没有找到该记录，或它不在您的工作范围内。"


# Scope and abilities ------------------------------------------------------------------------------------------------


def _people(user) -> QuerySet:
    return access.scope_people(user, Member.objects.all())


def trainings_visible_to(user) -> QuerySet:
    """Trainings held in the user's towns, organised by its department, or city-wide ones its people attended.

    Town staff see every city-wide training: they bring their town's people to it and record them.
    """
    trainings = Training.objects.all()
    if not access.has_role(user, *ALL_ROLES):
        return trainings.none()
    if access.is_city_wide(user):
        return trainings
    roles = access.roles_of(user)
    attended = Exists(Attendance.objects.filter(training=OuterRef("pk"), member__in=_people(user).values("pk")))
    q = Q(town__in=access.towns_visible_to(user).values("pk")) | (Q(town__isnull=True) & attended)
    if Role.TOWN_STAFF in roles and user.town_id:
        q |= Q(town__isnull=True)
    if Role.DEPT_STAFF in roles and user.department_id:
        q |= Q(department_id=user.department_id)
    return trainings.filter(q)


def _get(queryset: QuerySet, pk):
    try:
        return queryset.get(pk=pk)
    except queryset.model.DoesNotExist:
        raise Http404(NOT_FOUND) from None


def _can_add_training(user) -> bool:
    return access.has_role(user, *TRAINERS) and user.has_perm("projects.add_training")


def _can_record(user, training: Training) -> bool:
    """Organisation staff record any training; town staff their town's and the city-wide ones (for their people)."""
    if not (access.has_role(user, *TRAINERS) and user.has_perm("projects.add_attendance")):
        return False
    return access.is_city_wide(user) or training.town_id in (None, user.town_id)


def _can_consult(user) -> bool:
    """Organisation staff, and staff of an advisory department (商务、经信、农业、畜牧、粮食、水利)."""
    if access.is_read_only(user) or not user.has_perm("projects.add_consultation"):
        return False
    if access.is_city_wide(user):
        return True
    return Role.DEPT_STAFF in access.roles_of(user) and bool(user.department_id) and user.department.is_advisory


def _can_follow_up(user, consultation: Consultation) -> bool:
    """The department that gave the advice follows it up; organisation staff may record it for any."""
    if access.is_read_only(user) or not user.has_perm("projects.change_consultation"):
        return False
    if access.is_city_wide(user):
        return True
    return Role.DEPT_STAFF in access.roles_of(user) and user.department_id == consultation.department_id


def _ids(values) -> set[int]:
    return {int(v) for v in values if v.isascii() and v.isdigit()}


def _members_short_of_skills(user, *, with_names: bool = False) -> QuerySet:
    members = access.scope_people(user, Member.objects.in_registry())
    return members_with_skill_count(members, with_names=with_names).filter(skill_count__lt=TARGET_SKILLS)


def skill_gap_count(user) -> int:
    """For the home page's work list: party members in the user's scope with fewer than two practical skills."""
    return _members_short_of_skills(user).filter(category=Member.Category.PARTY).count()


# Forms ----------------------------------------------------------------------------------------------------------------


class ProjectChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, project):
        return f"{project.village.town.name} {project.village.name} · {project.name}（{project.year}）"


class TrainingForm(forms.ModelForm):
    class Meta:
        model = Training
        fields = ["kind", "title", "held_on", "town", "place", "trainer", "department", "skills", "project", "notes"]
        field_classes = {"project": ProjectChoiceField}
        widgets = {"held_on": DATE, "skills": CHECKBOXES, "notes": forms.Textarea(attrs={"rows": 2})}
        error_messages = {
            "town": {"invalid_choice": "乡镇工作人员只能登记本乡镇的培训。", "required": "请选择举办培训的乡镇。"},
            "skills": {"required": "请勾选本次培训所教的技能（至少一项）。"},
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        town = self.fields["town"]
        if access.is_city_wide(user):
            town.queryset, town.empty_label = Town.objects.all(), "全市（不限乡镇）"
        else:
            town.queryset, town.required, town.empty_label = Town.objects.filter(pk=user.town_id), True, None
            town.initial = user.town_id
        self.fields["skills"].queryset = Skill.objects.filter(is_active=True)
        self.fields["department"].queryset = Department.objects.filter(is_active=True)
        self.fields["department"].empty_label = "不填"
        self.fields["project"].empty_label = "不填"
        projects = access.scope(user, Project.objects.active(), department="department")
        self.fields["project"].queryset = projects.select_related("village__town").order_by(
            "village__town__code", "village__code", "-year", "name"
        )
        self.fields["held_on"].initial = timezone.localdate

    def clean(self):
        cleaned = super().clean()
        town, project = cleaned.get("town"), cleaned.get("project")
        if town and project and project.village.town_id != town.pk:
            self.add_error("project", f"“{project.name}”不在{town.name}，请选择本乡镇的项目或不选。")
        return cleaned


class TrainingFilterForm(forms.Form):
    year = forms.IntegerField(label="年度", required=False, min_value=2000, max_value=2100)
    town = forms.ModelChoiceField(label="乡镇", queryset=Town.objects.none(), required=False, empty_label="全部")
    kind = forms.ChoiceField(label="形式", required=False, choices=[("", "全部形式"), *Training.Kind.choices])
    skill = forms.ModelChoiceField(label="所教技能", queryset=Skill.objects.all(), required=False, empty_label="全部")

    def __init__(self, *args, towns, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["town"].queryset = towns

    def filter(self, trainings):
        data = self.cleaned_data if self.is_valid() else {}
        for field, lookup in [("year", "held_on__year"), ("town", "town"), ("kind", "kind"), ("skill", "skills")]:
            if data.get(field):
                trainings = trainings.filter(**{lookup: data[field]})
        return trainings


class AttendanceFilterForm(forms.Form):
    q = forms.CharField(label="姓名", required=False, max_length=30)
    village = VillageChoiceField(
        label="村（社区）", queryset=Village.objects.none(), required=False, empty_label="全部"
    )
    only = forms.ChoiceField(label="范围", required=False, choices=[("", "全部人员"), ("attended", "只看已登记参加的")])

    def __init__(self, *args, villages, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["village"].queryset = villages.select_related("town")

    def filter(self, members, training):
        data = self.cleaned_data if self.is_valid() else {}
        if data.get("q"):
            members = members.filter(name__contains=data["q"].strip())
        if data.get("village"):
            members = members.filter(village=data["village"])
        if data.get("only"):
            members = members.filter(attendances__training=training)
        return members


class SkillGapFilterForm(PlaceFilterForm):
    CATEGORIES = [("party", "困难党员"), ("resident", "困难群众"), ("all", "全部类别")]
    category = forms.ChoiceField(label="类别", required=False, choices=CATEGORIES, initial="party")

    def filter(self, members):
        data = self.cleaned_data if self.is_valid() else {}
        category = data.get("category") or "party"  # the target is for party members; residents on request
        if category != "all":
            members = members.filter(category=category)
        for field, lookup in [("town", "village__town"), ("village", "village")]:
            if data.get(field):
                members = members.filter(**{lookup: data[field]})
        return members


class ConsultationForm(forms.ModelForm):
    class Meta:
        model = Consultation
        fields = ["department", "kind", "stage", "consulted_on", "advice"]
        widgets = {
            "kind": forms.RadioSelect,
            "stage": forms.RadioSelect,
            "consulted_on": DATE,
            "advice": forms.Textarea(attrs={"rows": 4, "placeholder": "提供的市场、技术或政策信息，以及建议怎么做"}),
        }
        error_messages = {
            "department": {"invalid_choice": ADVISORY_ONLY},
            "kind": {"required": "请选择信息类别（市场、技术或政策）。"},
            "stage": {"required": "请选择环节（产前、产中或产后）。"},
            "advice": {"required": "请填写咨询意见。"},
        }

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        department = self.fields["department"]
        department.queryset = Department.objects.filter(is_advisory=True, is_active=True)
        if not access.is_city_wide(user):  # department staff write in their own department's name
            department.queryset = department.queryset.filter(pk=user.department_id)
            department.initial, department.disabled = user.department_id, True
        self.fields["kind"].choices = Consultation.Kind.choices
        self.fields["stage"].choices = Consultation.Stage.choices
        self.fields["consulted_on"].initial = timezone.localdate

    def clean_consulted_on(self):
        value = self.cleaned_data["consulted_on"]
        if value > timezone.localdate():
            raise forms.ValidationError("咨询日期不能晚于今天。")
        return value


class FollowUpForm(forms.ModelForm):
    class Meta:
        model = Consultation
        fields = ["follow_up", "followed_up_on"]
        widgets = {"follow_up": forms.Textarea(attrs={"rows": 3}), "followed_up_on": DATE}
        error_messages = {
            "follow_up": {"required": "请填写跟踪落实情况。"},
            "followed_up_on": {"required": "请填写跟踪日期。"},
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["follow_up"].required = self.fields["followed_up_on"].required = True
        self.fields["followed_up_on"].initial = timezone.localdate

    def clean_followed_up_on(self):
        value = self.cleaned_data["followed_up_on"]
        if value < self.instance.consulted_on:
            raise forms.ValidationError(f"跟踪日期不能早于咨询日期（{self.instance.consulted_on:%Y-%m-%d}）。")
        if value > timezone.localdate():
            raise forms.ValidationError("跟踪日期不能晚于今天。")
        return value


class ConsultationFilterForm(forms.Form):
    project = forms.ModelChoiceField(queryset=Project.objects.none(), required=False, widget=forms.HiddenInput)
    town = forms.ModelChoiceField(label="乡镇", queryset=Town.objects.none(), required=False, empty_label="全部乡镇")
    department = forms.ModelChoiceField(
        label="顾问部门", queryset=Department.objects.filter(is_advisory=True), required=False, empty_label="全部部门"
    )
    kind = forms.ChoiceField(label="信息类别", required=False, choices=[("", "全部"), *Consultation.Kind.choices])
    stage = forms.ChoiceField(label="环节", required=False, choices=[("", "全部"), *Consultation.Stage.choices])
    follow = forms.ChoiceField(
        label="跟踪", required=False, choices=[("", "全部"), ("pending", "待跟踪"), ("done", "已跟踪")]
    )

    def __init__(self, *args, towns, projects, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["town"].queryset = towns
        self.fields["project"].queryset = projects

    def filter(self, consultations):
        data = self.cleaned_data if self.is_valid() else {}
        for field, lookup in [
            ("project", "project"),
            ("town", "project__village__town"),
            ("department", "department"),
            ("kind", "kind"),
            ("stage", "stage"),
        ]:
            if data.get(field):
                consultations = consultations.filter(**{lookup: data[field]})
        if data.get("follow"):
            consultations = consultations.filter(followed_up_on__isnull=data["follow"] == "pending")
        return consultations


# Trainings ------------------------------------------------------------------------------------------------------------


@require_GET
@role_required(*ALL_ROLES)
def training_list(request):
    form = TrainingFilterForm(request.GET or None, towns=access.towns_visible_to(request.user))
    trainings = form.filter(trainings_visible_to(request.user)).select_related("town", "department")
    trainings = trainings.prefetch_related("skills").annotate(
        attended=Count("attendances"), passed=Count("attendances", filter=Q(attendances__passed=True))
    )
    page = CappedPaginator(trainings.order_by("-held_on", "-pk"), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {"form": form, "page": page, "can_add": _can_add_training(request.user)}
    return render(request, "projects/training_list.html", context)


@require_GET
@role_required(*ALL_ROLES)
def training_detail(request, pk):
    trainings = trainings_visible_to(request.user).select_related(
        "town", "department", "project__village", "created_by"
    )
    training = _get(trainings.prefetch_related("skills"), pk)
    attendances = training.attendances.select_related("member__village__town").order_by(
        "-passed", "member__village__code", "member__name"
    )
    is_city_wide = access.is_city_wide(request.user)
    context = {
        "training": training,
        "totals": training.attendances.aggregate(attended=Count("pk"), passed=Count("pk", filter=Q(passed=True))),
        # Attendees outside the user's scope count in the totals but are not listed by name.
        "attendances": attendances if is_city_wide else attendances.filter(member__in=_people(request.user)),
        "lists_everyone": is_city_wide,
        "can_record": _can_record(request.user, training),
    }
    return render(request, "projects/training_detail.html", context)


@require_http_methods(["GET", "POST"])
@role_required(*TRAINERS)
def training_create(request):
    if not _can_add_training(request.user):
        raise PermissionDenied("您的角色不能登记培训。")
    form = TrainingForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        training = form.save(commit=False)
        training.created_by = request.user
        training.save()
        form.save_m2m()
        messages.success(request, f"已登记培训“{training.title}”。请勾选参加的人员和掌握所教技能的人员。")
        return redirect("projects:training-attendance", pk=training.pk)
    return render(request, "projects/training_form.html", {"form": form})


@require_http_methods(["GET", "POST"])
@role_required(*TRAINERS)
def training_attendance(request, pk):
    """Tick who attended (参加) and who mastered the skills taught (掌握), one page of candidates at a time."""
    training = _get(trainings_visible_to(request.user).select_related("town").prefetch_related("skills"), pk)
    if not _can_record(request.user, training):
        raise PermissionDenied("您只能登记本乡镇培训和全市性培训的参加人员。")
    candidates = access.scope_people(request.user, Member.objects.in_registry())
    villages = access.villages_visible_to(request.user)
    if training.town_id:
        candidates, villages = candidates.filter(village__town_id=training.town_id), villages.filter(town=training.town)
    if request.method == "POST":
        shown = set(candidates.filter(pk__in=_ids(request.POST.getlist("shown"))).values_list("pk", flat=True))
        attended, passed = _ids(request.POST.getlist("attended")), _ids(request.POST.getlist("passed"))
        total, mastered = training.record_attendance(members=shown, attended=attended, passed=passed)
        messages.success(request, f"已保存。本次培训共 {total} 人参加，其中 {mastered} 人掌握所教技能。")
        return redirect(f"{reverse('projects:training-attendance', args=[pk])}?{request.GET.urlencode()}")
    form = AttendanceFilterForm(request.GET or None, villages=villages)
    here = Attendance.objects.filter(training=training, member=OuterRef("pk"))
    members = form.filter(candidates, training).annotate(attendance_passed=Subquery(here.values("passed")[:1]))
    members = members.select_related("village").order_by("village__code", "name", "pk")
    page = CappedPaginator(members, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "projects/training_attendance.html", {"training": training, "form": form, "page": page})


@require_GET
@role_required(*ALL_ROLES)
def skills_below_two(request):
    """The work list: people in the user's scope who master fewer than two practical skills (own or learned)."""
    form = SkillGapFilterForm(request.GET or None, user=request.user)
    members = form.filter(_members_short_of_skills(request.user, with_names=True)).select_related("village__town")
    members = members.order_by("skill_count", "village__code", "name", "pk")
    page = CappedPaginator(members, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "projects/skills_below_two.html", {"form": form, "page": page, "target": TARGET_SKILLS})


# Consultations (市场经济顾问组) ---------------------------------------------------------------------------------------


def _consultations(user) -> QuerySet:
    return access.scope(user, Consultation.objects.all(), village="project__village", department="department")


@require_GET
@role_required(*ALL_ROLES)
def consultation_list(request):
    projects = access.scope(request.user, Project.objects.select_related("village__town"), department="department")
    form = ConsultationFilterForm(request.GET or None, towns=access.towns_visible_to(request.user), projects=projects)
    consultations = form.filter(_consultations(request.user)).select_related(
        "project__village__town", "department", "by"
    )
    page = CappedPaginator(consultations.order_by("-consulted_on", "-pk"), PAGE_SIZE).get_page(request.GET.get("page"))
    for consultation in page:
        consultation.can_follow_up = _can_follow_up(request.user, consultation)
    context = {
        "form": form,
        "page": page,
        "project": form.cleaned_data.get("project") if form.is_valid() else None,
        "can_consult": _can_consult(request.user),
    }
    return render(request, "projects/consultation_list.html", context)


@require_http_methods(["GET", "POST"])
@role_required(*ADVISERS)
def consultation_create(request, project_pk):
    """Record the advisory group's advice on a project in the user's scope (from the project's consultations)."""
    if not _can_consult(request.user):
        raise PermissionDenied("只有组织部和市场经济顾问组成员部门的工作人员可以记录咨询意见。")
    project = access.get_for_user(
        request.user,
        Project.objects.select_related("village__town"),
        write=True,
        department="department",
        pk=project_pk,
    )
    form = ConsultationForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        consultation = form.save(commit=False)
        consultation.project, consultation.by = project, request.user
        consultation.save()
        messages.success(
            request,
            f"已记录{consultation.department.short_name}对“{project.name}”的"
            f"{consultation.get_stage_display()}{consultation.get_kind_display()}咨询意见。",
        )
        return redirect(f"{reverse('projects:consultation-list')}?project={project.pk}")
    return render(request, "projects/consultation_form.html", {"form": form, "project": project})


@require_http_methods(["GET", "POST"])
@role_required(*ADVISERS)
def consultation_follow_up(request, pk):
    """跟踪落实: what became of the advice. Recorded by the department that gave it, or by organisation staff."""
    consultation = access.get_for_user(
        request.user,
        Consultation.objects.select_related("project__village__town", "department"),
        write=True,
        village="project__village",
        department="department",
        pk=pk,
    )
    if not _can_follow_up(request.user, consultation):
        raise PermissionDenied("只有提供意见的部门或组织部可以记录跟踪落实情况。")
    form = FollowUpForm(request.POST or None, instance=consultation)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, f"已记录“{consultation.project.name}”咨询意见的跟踪落实情况。")
        return redirect(f"{reverse('projects:consultation-list')}?project={consultation.project_id}")
    return render(request, "projects/consultation_follow_up.html", {"form": form, "consultation": consultation})


urlpatterns = [
    path("trainings/", training_list, name="training-list"),
    path("trainings/new/", training_create, name="training-create"),
    path("trainings/<int:pk>/", training_detail, name="training-detail"),
    path("trainings/<int:pk>/attendance/", training_attendance, name="training-attendance"),
    path("skills/below-two/", skills_below_two, name="skills-below-two"),
    path("consultations/", consultation_list, name="consultation-list"),
    path("<int:project_pk>/consultations/new/", consultation_create, name="consultation-create"),
    path("consultations/<int:pk>/follow-up/", consultation_follow_up, name="consultation-follow-up"),
]

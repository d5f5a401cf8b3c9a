from django.conf import settings
from django.contrib.auth import views as auth_views
from django.core.paginator import Paginator
from django.db.models import Count, Q, Sum
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from guanghan import access, two_factor
from guanghan.access import ADMIN_ROLES, ALL_ROLES, Role, role_required
from guanghan.forms import ALL_VILLAGES, CHOOSE_TOWN_FIRST, LoginForm, VillageFilterForm, village_options
from guanghan.models import Department, PartyBranch, Village
from guanghan.navigation import nav_for, worklists_for

PAGE_SIZE = 50


class LoginView(auth_views.LoginView):
    def form_valid(self, form):
        response = super().form_valid(form)
        # A new login owes the second step again (guanghan.two_factor); the middleware asks for it.
        two_factor.forget(self.request)
        return response


login = LoginView.as_view(
    form_class=LoginForm,
    redirect_authenticated_user=True,
    extra_context={
        "failure_limit": settings.AXES_FAILURE_LIMIT,
        "cooloff_minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60),
    },
)


@require_GET
def home(request):
    """Each role's start page: what it may see, where its work is, and what waits for it."""
    user = request.user
    villages = access.villages_visible_to(user)
    figures = villages.aggregate(
        towns=Count("town", distinct=True),
        villages=Count("pk", filter=Q(kind=Village.Kind.VILLAGE)),
        communities=Count("pk", filter=Q(kind=Village.Kind.COMMUNITY)),
    )
    branches = access.scope(user, PartyBranch.objects.filter(is_active=True), department="department")
    figures.update(branches.aggregate(branches=Count("pk"), party_members=Sum("member_count", default=0)))
    context = {
        "roles": access.role_labels(user),
        "scope": access.describe_scope(user),
        "figures": figures,
        "shortcuts": [item for item in nav_for(user) if item["url_name"] != "home"],
        "worklists": worklists_for(user),
        "has_role": access.has_role(user, *ALL_ROLES),
        "is_administrator": access.has_role(user, *ADMIN_ROLES),
    }
    return render(request, "guanghan/home.html", context)


@require_GET
@role_required(*ALL_ROLES)
def village_list(request):
    towns = access.towns_visible_to(request.user)
    form = VillageFilterForm(request.GET or None, towns=towns)
    villages = access.villages_visible_to(request.user).with_branch_totals().order_by("code")
    if form.is_valid():
        data = form.cleaned_data
        if data["q"]:
            villages = villages.filter(Q(name__contains=data["q"]) | Q(code__startswith=data["q"]))
        if data["town"]:
            villages = villages.filter(town=data["town"])
        if data["kind"]:
            villages = villages.filter(kind=data["kind"])
    page = Paginator(villages, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "guanghan/village_list.html", {"form": form, "page": page})


@require_GET
@role_required(*ALL_ROLES)
def village_options_json(request):
    """/api/villages/?town=ID: the villages the list filters offer for that town (guanghan.forms.PlaceFilterForm;
    static/js/dependent_select.js asks when the town changes). Without a town: the user's villages when few, else none
    and `complete` false. A town outside the scope answers 404, like a page for an object outside it."""
    raw = request.GET.get("town", "").strip()
    town = None
    if raw:
        if not (raw.isascii() and raw.isdigit()) or len(raw) > 9:
            return _json({"error": "town 应为乡镇的编号（整数）。"}, status=400)
        town = access.towns_visible_to(request.user).filter(pk=int(raw)).first()
        if town is None:
            return _json({"error": "没有找到该乡镇，或它不在您的工作范围内。"}, status=404)
    town_id = town.pk if town else None
    villages, complete = village_options(access.villages_visible_to(request.user), town_id=town_id)
    return _json(
        {
            "town": town_id,
            "complete": complete,
            "empty_label": ALL_VILLAGES if complete else CHOOSE_TOWN_FIRST,
            "villages": [{"id": pk, "name": name, "label": f"{town} {name}"} for pk, name, town in villages],
        }
    )


def _json(data: dict, status: int = 200) -> JsonResponse:
    return JsonResponse(data, status=status, json_dumps_params={"ensure_ascii": False})


@require_GET
@role_required(*ALL_ROLES)
def village_detail(request, pk):
    village = access.get_for_user(request.user, Village.objects.select_related("town"), village="", pk=pk)
    branches = village.branches.order_by("-is_active", "name")
    associations = village.associations.select_related("industry", "branch").order_by("-is_active", "name")
    return render(
        request,
        "guanghan/village_detail.html",
        {"village": village, "branches": branches, "associations": associations},
    )


@require_GET
@role_required(Role.ORG_STAFF, Role.LEADER, Role.DEPT_STAFF)
def department_list(request):
    departments = access.departments_visible_to(request.user).annotate(
        cadre_count=Count("cadres", filter=Q(cadres__is_active=True), distinct=True),
        branch_count=Count("branches", filter=Q(branches__is_active=True), distinct=True),
    )
    query = request.GET.get("q", "").strip()[:50]
    if query:
        departments = departments.filter(Q(name__contains=query) | Q(short_name__contains=query))
    page = Paginator(departments.order_by("name"), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "guanghan/department_list.html", {"page": page, "query": query})


@require_GET
@role_required(Role.ORG_STAFF, Role.LEADER, Role.DEPT_STAFF)
def department_detail(request, pk):
    department = access.get_for_user(request.user, Department.objects.all(), village=None, department="", pk=pk)
    cadres = department.cadres.order_by("-is_active", "name")
    page = Paginator(cadres, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "guanghan/department_detail.html",
        {"department": department, "page": page, "branches": department.branches.order_by("name")},
    )

"""Staff work list: the villages (and communities) with no key project (重点培植项目) for a year.

The page and the home page's count read the same queryset (`without_key_project`), so the badge on the home
page is the page's total.
"""

from django import forms
from django.db.models import Count, Exists, OuterRef, Q
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from guanghan import access
from guanghan.access import Role, role_required
from guanghan.forms import PlaceFilterForm
from guanghan.lib.paging import CappedPaginator
from projects.models import Project
from projects.views import PAGE_SIZE, _can_edit

STAFF = (Role.ORG_STAFF, Role.TOWN_STAFF)
READERS = (*STAFF, Role.LEADER)  # the work list is the staff's; leaders reach the page from the dashboard

YEAR_ERRORS = {
    "invalid": "年度请填写四位数字，例如 2016。",
    "min_value": "年度不能早于 2000 年。",
    "max_value": "年度不能晚于 2100 年。",
}


def without_key_project(user, *, year: int):
    """The user's active villages and communities with no key project for `year` that is still standing (a key
    project that was dropped (终止) leaves the village on the list)."""
    standing_key = Project.objects.key().active().filter(village=OuterRef("pk"), year=year)
    return access.villages_visible_to(user).filter(is_active=True).filter(~Exists(standing_key))


def without_key_project_count(user) -> int:
    """For the home page's work list: this year's count, as the page shows it without filters."""
    return without_key_project(user, year=timezone.localdate().year).count()


class KeyProjectFilterForm(PlaceFilterForm):
    year = forms.IntegerField(label="年度", required=False, min_value=2000, max_value=2100, error_messages=YEAR_ERRORS)

    def __init__(self, data, *, user):
        # Without ?year= the form shows the year it used, this year.
        data = data.copy()
        if not data.get("year"):
            data["year"] = str(timezone.localdate().year)
        super().__init__(data, user=user)
        self.fields["town"].queryset = self.fields["town"].queryset.order_by("code")
        self.fields["town"].error_messages["invalid_choice"] = "请从列表中选择您工作范围内的乡镇。"
        self.fields["village"].error_messages["invalid_choice"] = "请从列表中选择您工作范围内的村（社区）。"

    def filters(self) -> dict:
        """The filters used: a wrong year is shown as an error and this year used instead; a town or village
        outside the scope is shown as an error and not applied."""
        self.is_valid()
        return {
            "year": self.cleaned_data.get("year") or timezone.localdate().year,
            "town": self.cleaned_data.get("town"),
            "village": self.cleaned_data.get("village"),
        }


@require_GET
@role_required(*READERS)
def villages_without_key_project(request):
    form = KeyProjectFilterForm(request.GET, user=request.user)
    used = form.filters()
    year = used["year"]
    villages = without_key_project(request.user, year=year)
    if used["village"]:
        villages = villages.filter(pk=used["village"].pk)
    elif used["town"]:
        villages = villages.filter(town=used["town"])
    villages = villages.annotate(recommended=Count("projects", filter=Q(projects__year=year)))
    page = CappedPaginator(villages.order_by("town__code", "code", "pk"), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "form": form,
        "page": page,
        "year": year,
        "used": used,
        "can_add": request.user.has_perm("projects.add_project") and _can_edit(request.user),
    }
    return render(request, "projects/villages_without_key_project.html", context)

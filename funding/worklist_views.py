"""Department staff's work list: the projects of its villages, selected or running, that no money has reached yet.

"No money" means no disbursement that still stands: a payment that was reversed (冲销) does not count, so a project
whose only payment was reversed is back on the list. The page and the home page's count read the same queryset
(`without_money`).
"""

from django import forms
from django.db.models import Exists, OuterRef
from django.shortcuts import render
from django.views.decorators.http import require_GET

from funding.models import Disbursement
from funding.views import PAGE_SIZE, _can_record
from guanghan import access
from guanghan.access import Role, role_required
from guanghan.lib.paging import CappedPaginator
from projects.models import Project

READERS = (Role.DEPT_STAFF, Role.ORG_STAFF, Role.LEADER)
UNDER_WAY = (Project.Status.SELECTED, Project.Status.RUNNING)


def without_money(user):
    """Projects selected (敲定) or running (实施中) in the user's villages (department staff: the villages its
    department helps) with no standing disbursement."""
    paid = Disbursement.objects.not_reversed().filter(project=OuterRef("pk"))
    projects = Project.objects.filter(status__in=UNDER_WAY).filter(~Exists(paid))
    return access.scope(user, projects, village="village")


def without_money_count(user) -> int:
    """For the home page's work list: every year, as the page shows it without filters."""
    return without_money(user).count()


class WithoutMoneyFilterForm(forms.Form):
    year = forms.IntegerField(
        label="年度",
        required=False,
        min_value=2000,
        max_value=2100,
        help_text="不填为全部年度。",
        error_messages={
            "invalid": "年度请填写四位数字，例如 2016。",
            "min_value": "年度不能早于 2000 年。",
            "max_value": "年度不能晚于 2100 年。",
        },
    )
    town = forms.ModelChoiceField(
        label="乡镇",
        queryset=None,
        required=False,
        empty_label="全部乡镇",
        error_messages={"invalid_choice": "请从列表中选择您工作范围内的乡镇。"},
    )

    def __init__(self, data, *, user):
        super().__init__(data)
        self.fields["town"].queryset = access.towns_visible_to(user).order_by("code")

    def filters(self) -> dict:
        """The valid filters only: a wrong year is shown as an error and not applied; the town still is."""
        self.is_valid()
        return {name: self.cleaned_data.get(name) for name in ("year", "town")}


@require_GET
@role_required(*READERS)
def projects_without_money(request):
    form = WithoutMoneyFilterForm(request.GET, user=request.user)
    used = form.filters()
    projects = without_money(request.user)
    if used["year"]:
        projects = projects.filter(year=used["year"])
    if used["town"]:
        projects = projects.filter(village__town=used["town"])
    projects = projects.select_related("village__town", "department").order_by(
        "-year", "village__town__code", "village__code", "name", "pk"
    )
    context = {
        "form": form,
        "page": CappedPaginator(projects, PAGE_SIZE).get_page(request.GET.get("page")),
        "used": used,
        "can_disburse": _can_record(request.user, "add_disbursement"),
    }
    return render(request, "funding/projects_without_money.html", context)

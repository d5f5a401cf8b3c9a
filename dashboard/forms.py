from django import forms
from django.db.models import Max, Min
from django.utils import timezone

from guanghan import access
from guanghan.forms import PlaceFilterForm
from projects.models import Project, VillagePairing


def data_years(user) -> tuple[int, int]:
    """The first and the last year with projects in the user's scope (this year when there are none): the dashboard
    opens on the last one, so a user sees the year the work is in, not an empty new year."""
    this_year = timezone.localdate().year
    projects = access.scope(user, Project.objects.all(), village="village").aggregate(
        first=Min("year"), last=Max("year")
    )
    pairings = access.scope(user, VillagePairing.objects.all(), village="village", department="department")
    first_pairing = pairings.aggregate(first=Min("year"))["first"]  # the work starts with the pairs
    first = min(y for y in (projects["first"], first_pairing, this_year) if y)
    return first, projects["last"] or this_year


class DashboardForm(PlaceFilterForm):
    year = forms.IntegerField(label="年度", required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        first, last = data_years(user)
        this_year = timezone.localdate().year
        self.default_year, self.first_year = last, first
        year = self.fields["year"]
        year.min_value, year.max_value = 2000, this_year + 1
        year.validators = []
        message = f"请填写 2000–{this_year + 1} 年之间的年度（四位数字，如 {last}）。"
        year.error_messages.update(invalid=message)
        self.year_message = message
        # The select offers the years with data and this year; any plausible year may still be asked for.
        self.year_choices = list(range(max(this_year, last), min(first, this_year) - 1, -1))
        self.fields["village"].error_messages["invalid_choice"] = "所选村（社区）不在您的工作范围内，请重新选择。"
        self.fields["town"].error_messages["invalid_choice"] = "所选乡镇不在您的工作范围内，请重新选择。"

    def clean_year(self):
        year = self.cleaned_data.get("year")
        if year is not None and not self.fields["year"].min_value <= year <= self.fields["year"].max_value:
            raise forms.ValidationError(self.year_message)
        if year is not None and year not in self.year_choices:
            self.year_choices = sorted({*self.year_choices, year}, reverse=True)
        return year

    def clean(self):
        data = super().clean()
        town, village = data.get("town"), data.get("village")
        if town and village and village.town_id != town.pk:
            self.add_error("village", f"{village.name}不属于{town.name}，请重新选择村（社区）。")
        return data

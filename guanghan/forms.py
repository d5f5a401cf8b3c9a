from html import escape

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.db.models import Q
from django.forms.models import ModelChoiceIterator
from django.forms.utils import flatatt
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe


class LoginForm(AuthenticationForm):
    """Django's login form with messages that say plainly what to do. Unknown and known users get the same one."""

    error_messages = {
        "invalid_login": "用户名或密码不正确，请重新输入（密码区分大小写）。",
        "inactive": "该账号已停用，请联系系统管理员。",
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].label = "用户名"
        self.fields["username"].widget.attrs.update({"autocomplete": "username", "autocapitalize": "none"})
        self.fields["username"].error_messages["required"] = "请输入用户名。"
        self.fields["password"].label = "密码"
        self.fields["password"].error_messages["required"] = "请输入密码。"


class VillageFilterForm(forms.Form):
    q = forms.CharField(label="名称或代码", required=False, max_length=50)
    town = forms.ModelChoiceField(label="乡镇", queryset=None, required=False, empty_label="全部乡镇")
    kind = forms.ChoiceField(label="类型", required=False)

    def __init__(self, *args, towns, **kwargs):
        super().__init__(*args, **kwargs)
        from guanghan.models import Village

        self.fields["town"].queryset = towns
        self.fields["kind"].choices = [("", "全部类型"), *Village.Kind.choices]
        self.fields["q"].widget.attrs["placeholder"] = "如 三星村 或 510681…"


class VillageChoiceField(forms.ModelChoiceField):
    """A village shown with its town ("三星堆镇 三星村"): village names repeat across towns."""

    def label_from_instance(self, village):
        return f"{village.town.name} {village.name}"


# Guanghan has 205 villages and communities: a scope that small is offered whole, as it always was. A province-wide
# scope (20,000 villages) is offered one town at a time; rendering every village made each list page 1.3 MB and 4–6 s.
VILLAGE_OPTIONS_LIMIT = 300
ALL_VILLAGES = "全部村"
CHOOSE_TOWN_FIRST = "先选择乡镇"


def village_options(villages, *, town_id: int | None = None, village_id: int | None = None) -> tuple[list, bool]:
    """The villages a place filter offers, in one query, as (id, name, town name) rows: those of the town (and the
    chosen village, so the select always shows what filters the list), or, without a town, the whole of `villages`
    when it has at most VILLAGE_OPTIONS_LIMIT rows. The flag is False when the scope is too large to list: choose a
    town first. Rows, not model instances: building 300 villages and their towns only to drop them cost 15 ms."""
    villages = villages.order_by("town__code", "code").values_list("pk", "name", "town__name")
    if town_id is not None:
        place = Q(town_id=town_id) | Q(pk=village_id) if village_id is not None else Q(town_id=town_id)
        return list(villages.filter(place)), True
    rows = list(villages[: VILLAGE_OPTIONS_LIMIT + 1])
    if len(rows) > VILLAGE_OPTIONS_LIMIT:
        return [], False
    return rows, True


class QuickSelect(forms.Select):
    """A select whose options are written in Python: through Django's per-option templates a province's 1,018 towns
    took 250 ms a page. The same markup for a single-choice select without option groups (the place filters)."""

    def render(self, name, value, attrs=None, renderer=None):
        chosen = {str(v) for v in self.format_value(value)}
        options = "".join(
            f'<option value="{escape(str(v))}"{" selected" if str(v) in chosen else ""}>{escape(str(label))}</option>'
            for v, label in self.choices
        )
        start = format_html('<select name="{}"{}>', name, flatatt(self.build_attrs(self.attrs, attrs)))
        return mark_safe(f"{start}{options}</select>")


class TownNameIterator(ModelChoiceIterator):
    """(id, name) pairs read as values: a province's 1,018 towns as model instances cost 25 ms a page."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        yield from self.queryset.values_list("pk", "name")


class PlaceTownField(forms.ModelChoiceField):
    iterator = TownNameIterator


class OfferedVillageIterator(ModelChoiceIterator):
    """The select's options: the villages the form offers (`field.offered()`), not the whole validating queryset."""

    def _rows(self):
        if self.field.offered is None:
            return list(self.queryset.values_list("pk", "name", "town__name")), True
        return self.field.offered()

    def __iter__(self):
        rows, complete = self._rows()
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label if complete else CHOOSE_TOWN_FIRST)
        for pk, name, town in rows:
            yield (pk, f"{town} {name}")

    def __len__(self):
        return len(self._rows()[0]) + (self.field.empty_label is not None)

    def __bool__(self):
        return True


class PlaceVillageField(VillageChoiceField):
    """Validates a village against the whole scope (`queryset`: a bookmark with ?village=N keeps working) but offers
    only `offered()` in the select, so a list page never renders thousands of options."""

    iterator = OfferedVillageIterator
    offered = None  # set by the form: () -> (rows, complete), see village_options


class PlaceFilterForm(forms.Form):
    """Base of the list filters: a town and a village, offered only within the user's scope.

    The village select lists the chosen town's villages (static/js/dependent_select.js refreshes it from
    /api/villages/?town= when the town changes; without JavaScript the list follows after 查询), or the whole scope
    when it is small. A village given alone selects its town; a village of another town than the chosen one was left
    over from before the town changed, and is dropped.
    """

    town = PlaceTownField(label="乡镇", queryset=None, required=False, empty_label="全部乡镇", widget=QuickSelect)
    village = PlaceVillageField(
        label="村（社区）", queryset=None, required=False, empty_label=ALL_VILLAGES, widget=QuickSelect
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        from guanghan import access

        self.fields["town"].queryset = access.towns_visible_to(user)
        village = self.fields["village"]
        village.queryset = access.villages_visible_to(user).select_related("town").order_by("town__code", "code")
        village.offered = self._offered_villages
        village.widget.attrs.update(  # static/js/dependent_select.js
            {
                "data-options-url": reverse("village-options"),
                "data-options-from": "town",
                "data-options-key": "villages",
            }
        )
        self._offered = None

    def full_clean(self):
        super().full_clean()
        if not self.is_bound:
            return
        town, village = self.cleaned_data.get("town"), self.cleaned_data.get("village")
        if town and village and village.town_id != town.pk:
            # Chosen before the town was changed (the village list follows the town only after 查询 without
            # JavaScript): the town, the later choice, wins rather than an empty list. A subclass that reports the
            # mismatch as an error (the dashboard) has already removed the village.
            self.cleaned_data["village"] = None
            self._show("village", "")
        elif village and not self.data.get(self.add_prefix("town")):
            self._show("town", village.town_id)

    def _show(self, name: str, value) -> None:
        """Show `name` as `value` in the rendered form, so the selects say what the list is filtered by."""
        self.data = self.data.copy()
        self.data[self.add_prefix(name)] = str(value)

    def _offered_villages(self) -> tuple[list, bool]:
        if self._offered is None:
            self.is_valid()
            data = getattr(self, "cleaned_data", {})
            town, village = data.get("town"), data.get("village")
            town_id = town.pk if town else (village.town_id if village else None)
            self._offered = village_options(
                self.fields["village"].queryset, town_id=town_id, village_id=village.pk if village else None
            )
        return self._offered

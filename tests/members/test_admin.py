import pytest
from django.contrib import admin
from django.urls import reverse

MODELS = [m for m in admin.site._registry if m._meta.app_label == "members"]


def test_every_registry_model_has_an_admin_screen():
    assert {m.__name__ for m in MODELS} >= {
        "Member",
        "Survey",
        "StatusChange",
        "Lifting",
        "ImportBatch",
        "MemberListTally",
    }


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_registry_admin_lists_search_filter_and_never_delete(client, rf, superuser, member, model):
    client.force_login(superuser)
    url = reverse(f"admin:members_{model._meta.model_name}_changelist")
    assert client.get(url).status_code == 200
    assert client.get(url, {"q": "张"}).status_code == 200
    model_admin = admin.site._registry[model]
    assert model_admin.search_fields and model_admin.list_filter and model_admin.list_select_related
    request = rf.get("/")
    request.user = superuser
    assert not model_admin.has_delete_permission(request)


def test_member_change_page_opens_with_its_lists_ticked(client, superuser, member):
    from guanghan.models import Skill
    from tests.factories import add_to_list

    electrician = Skill.objects.get(name="电工")
    add_to_list(member, "skill_ids", electrician)
    client.force_login(superuser)

    response = client.get(reverse("admin:members_member_change", args=[member.pk]))

    assert response.status_code == 200
    ticked = [w.data["value"] for w in response.context["adminform"].form["skill_ids"] if w.data["selected"]]
    assert [str(value) for value in ticked] == [str(electrician.pk)]

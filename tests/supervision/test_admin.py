"""The system administrator's screens for supervision: every model listed, searched, filtered and opened; nothing
deleted; visits, rectifications and questionnaires are not added here (the pages do that)."""

from datetime import date
from io import BytesIO

import pytest
from django.contrib import admin
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image

from supervision import services
from supervision.models import (
    Answer,
    Assignment,
    LiaisonOfficer,
    Questionnaire,
    Rectification,
    RectificationStep,
    Response,
    Visit,
    VisitPhoto,
)
from tests.supervision.overview_fixtures import *  # noqa: F403
from tests.supervision.overview_fixtures import make_questionnaire, make_visit

MODELS = [m for m in admin.site._registry if m._meta.app_label == "supervision"]


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def rows(officer, village, recorder):
    """One row of every supervision model, all in 三星村."""
    visit = make_visit(village, date(2016, 5, 10), officer=officer, by=recorder, notes="查看韭黄基地")
    out = BytesIO()
    Image.new("RGB", (40, 30), (200, 30, 30)).save(out, format="JPEG")
    photo = VisitPhoto.objects.create(
        visit=visit, image=SimpleUploadedFile("p.jpg", out.getvalue(), content_type="image/jpeg"), caption="基地大棚"
    )
    rectification = services.rectification_open(
        by=recorder,
        village=village,
        visit=visit,
        problem="资金公示不全",
        owner="village",
        deadline=date(2016, 6, 10),
        on=date(2016, 5, 10),
    )
    questionnaire = make_questionnaire(village, date(2016, 5, 12), [Answer.SATISFIED], by=recorder)
    return {
        LiaisonOfficer: officer,
        Assignment: officer.assignments.get(),
        Visit: visit,
        VisitPhoto: photo,
        Rectification: rectification,
        RectificationStep: rectification.steps.get(),
        Questionnaire: questionnaire,
        Response: questionnaire.responses.get(),
    }


def test_every_supervision_model_has_an_admin_screen():
    assert {m.__name__ for m in MODELS} == {
        "LiaisonOfficer",
        "Assignment",
        "Visit",
        "VisitPhoto",
        "Rectification",
        "RectificationStep",
        "Questionnaire",
        "Response",
    }


def search_and_filter(town):
    return {
        LiaisonOfficer: ("副书记", {"is_active__exact": "1"}),
        Assignment: ("三星", {"ended_on__isempty": "1"}),
        Visit: ("韭黄", {"kind__exact": "routine"}),
        VisitPhoto: ("大棚", {"visit__village__town__id__exact": town.pk}),
        Rectification: ("公示", {"status__exact": "open"}),
        RectificationStep: ("三星", {"action__exact": "opened"}),
        Questionnaire: ("三星", {"village__town__id__exact": town.pk}),
        Response: ("三星", {"answer__exact": "satisfied"}),
    }


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_each_changelist_opens_with_a_search_and_a_filter(client, superuser, rows, town, model):
    client.force_login(superuser)
    url = reverse(f"admin:supervision_{model._meta.model_name}_changelist")
    assert client.get(url).status_code == 200
    term, filters = search_and_filter(town)[model]
    response = client.get(url, {"q": term, **filters})
    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == [rows[model]]
    model_admin = admin.site._registry[model]
    assert model_admin.search_fields and model_admin.list_filter and model_admin.list_select_related


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_each_change_page_opens(client, superuser, rows, model):
    client.force_login(superuser)
    url = reverse(f"admin:supervision_{model._meta.model_name}_change", args=[rows[model].pk])
    assert client.get(url).status_code == 200


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_nothing_can_be_deleted_in_the_admin(rf, superuser, model):
    request = rf.get("/")
    request.user = superuser
    assert not admin.site._registry[model].has_delete_permission(request)


@pytest.mark.parametrize("model", [Visit, VisitPhoto, Rectification, RectificationStep, Questionnaire])
def test_what_the_pages_record_is_not_added_in_the_admin(rf, superuser, model):
    request = rf.get("/")
    request.user = superuser
    assert not admin.site._registry[model].has_add_permission(request)


def test_the_visit_page_shows_its_photos_and_rectifications_read_only(client, superuser, rows):
    client.force_login(superuser)
    html = client.get(reverse("admin:supervision_visit_change", args=[rows[Visit].pk])).content.decode()
    assert reverse("supervision:photo", args=[rows[VisitPhoto].pk]) in html
    assert "基地大棚" in html
    assert "资金公示不全" in html


def test_a_rectifications_status_cannot_be_changed_in_the_admin(client, superuser, rows):
    admin_ = admin.site._registry[Rectification]
    assert "status" in admin_.readonly_fields
    client.force_login(superuser)
    html = client.get(reverse("admin:supervision_rectification_change", args=[rows[Rectification].pk])).content.decode()
    assert 'name="status"' not in html
    assert "提出" in html  # the opening step, shown inline


def test_a_second_open_assignment_is_refused_in_the_admin(client, superuser, officer, village):
    client.force_login(superuser)
    response = client.post(
        reverse("admin:supervision_assignment_add"),
        {"officer": officer.pk, "village": village.pk, "started_on": "2016-04-01", "ended_on": ""},
    )
    assert response.status_code == 200
    assert "该联络员已派驻这个村。" in response.content.decode()
    assert officer.assignments.count() == 1


def test_the_admin_labels_are_chinese(client, superuser):
    client.force_login(superuser)
    html = client.get(reverse("admin:app_list", args=["supervision"])).content.decode()
    for label in (
        "督查",
        "督查联络员",
        "联络员挂职安排",
        "督查记录",
        "督查照片",
        "整改事项",
        "整改经过",
        "满意度问卷",
        "问卷答卷",
    ):
        assert label in html


def test_the_visit_changelist_follows_its_foreign_keys_in_one_query(
    client, superuser, officer, village, recorder, django_assert_max_num_queries
):
    for day in range(1, 29):
        make_visit(village, date(2016, 2, day), officer=officer, by=recorder)
    client.force_login(superuser)
    with django_assert_max_num_queries(10):
        assert client.get(reverse("admin:supervision_visit_changelist")).status_code == 200

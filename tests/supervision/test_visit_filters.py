"""The visit list's 发现问题 filter, which the dashboard's 三项均达标 and 发现问题 figures link to."""

from datetime import date

from django.urls import reverse

from supervision.models import Visit


def test_visits_with_findings_and_visits_passing_all_three_checks(client, org_staff, officer, village):
    def visit(funds, effect, people):
        return Visit.objects.create(
            officer=officer,
            village=village,
            visited_on=date(2016, 5, 1),
            funds_clear=funds,
            effect_visible=effect,
            people_satisfied=people,
            by=org_staff,
        )

    passed = visit("yes", "yes", "yes")
    partly = visit("yes", "partly", "yes")
    failed = visit("no", "yes", "yes")
    client.force_login(org_staff)

    def listed(**params):
        response = client.get(reverse("supervision:visit-list"), {"year": 2016, **params})
        return {v.pk for v in response.context["page"].object_list}

    assert listed() == {passed.pk, partly.pk, failed.pk}
    assert listed(findings="0") == {passed.pk}
    assert listed(findings="1") == {partly.pk, failed.pk}
    assert "三项均达标" in client.get(reverse("supervision:visit-list")).content.decode()

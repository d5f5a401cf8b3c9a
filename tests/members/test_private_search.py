"""A full ID or mobile number searched in the registry never stands in a URL: the search box posts it, the session
keeps it, and the list opens with ?q_ref=… (issue #9: no full number in any URL)."""

from urllib.parse import parse_qs, urlparse

from django.urls import reverse

from guanghan.models import ExportRecord
from tests.factories import MemberFactory


def _search(client, text, **params):
    return client.post(reverse("members:member-search"), {"q": text, **params})


def test_a_full_id_number_is_searched_without_entering_the_url(client, town_staff, member, village):
    MemberFactory(village=village, name="李四")
    client.force_login(town_staff)

    response = _search(client, member.id_number, status="active")

    assert response.status_code == 302
    url = response["Location"]
    assert member.id_number not in url and member.id_number[:14] not in url
    query = parse_qs(urlparse(url).query)
    assert set(query) == {"q_ref", "status"}
    page = client.get(url)
    assert [m.pk for m in page.context["page"]] == [member.pk]
    html = page.content.decode()
    assert member.id_number not in html
    assert f"已按 {member.id_number[:6]}********{member.id_number[-4:]} 查询" in html
    assert f'name="q_ref" value="{query["q_ref"][0]}"' in html


def test_a_mobile_number_and_a_further_filter_keep_the_search(client, town_staff, member, village, other_village):
    client.force_login(town_staff)
    url = _search(client, "13812345678")["Location"]
    ref = parse_qs(urlparse(url).query)["q_ref"][0]

    same_village = client.get(reverse("members:member-list"), {"q_ref": ref, "village": village.pk})
    assert [m.pk for m in same_village.context["page"]] == [member.pk]
    assert "138****5678" in same_village.content.decode()
    typed_again = client.get(reverse("members:member-list"), {"q_ref": ref, "q": "李"})
    assert list(typed_again.context["page"]) == []  # a new text in the box replaces the kept one


def test_a_search_reference_works_only_in_the_session_that_made_it(client, town_staff, member, village):
    MemberFactory(village=village, name="李四")
    client.force_login(town_staff)
    url = _search(client, member.id_number)["Location"]
    client.logout()
    client.force_login(town_staff)  # a new session

    page = client.get(url)

    assert len(page.context["page"]) == 2  # the search is gone: the whole list
    assert any("该搜索已过期" in str(m) for m in page.context["messages"])


def test_the_export_of_a_kept_search_exports_that_member_and_logs_no_number(client, town_staff, member, village):
    MemberFactory(village=village, name="李四")
    client.force_login(town_staff)
    ref = parse_qs(urlparse(_search(client, member.id_number)["Location"]).query)["q_ref"][0]

    response = client.get(reverse("members:member-export"), {"q_ref": ref})

    assert response.status_code == 200 and response.export_rows == 1
    record = ExportRecord.objects.get()
    assert member.id_number not in record.query and record.query == f"q_ref={ref}"


def test_an_empty_search_opens_the_list_and_keeps_the_other_filters(client, town_staff):
    client.force_login(town_staff)
    response = _search(client, "", status="active", page="3")
    assert response["Location"] == reverse("members:member-list") + "?status=active"
    assert client.get(reverse("members:member-search")).status_code == 405

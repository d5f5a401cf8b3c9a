"""The edit form never carries a member's full ID number or phone: both show masked, blank keeps them, a new value
replaces them, and the phone can be deleted on purpose."""

from django.urls import reverse

from tests.members.test_member_pages import GOOD_ID, form_data


def post(client, member, **changes):
    data = form_data(member.village, **{"name": member.name, "registered_on": "2014-06-01", **changes})
    data["version"] = member.version
    return client.post(reverse("members:member-edit", args=[member.pk]), data)


def test_the_edit_form_shows_the_numbers_masked(client, town_staff, member):
    client.force_login(town_staff)
    html = client.get(reverse("members:member-edit", args=[member.pk])).content.decode()
    assert member.id_number not in html and "13812345678" not in html
    assert "138****5678" in html and member.id_number[:6] + "********" in html


def test_blank_numbers_stay_as_they_are(client, town_staff, member):
    client.force_login(town_staff)
    before = member.id_number
    assert post(client, member, id_number="", phone="", name="张德富").status_code == 302
    member.refresh_from_db()
    assert (member.name, member.id_number, member.phone) == ("张德富", before, "13812345678")


def test_a_new_number_replaces_and_the_phone_can_be_deleted(client, town_staff, member):
    client.force_login(town_staff)
    assert post(client, member, id_number=GOOD_ID, phone="13900001111").status_code == 302
    member.refresh_from_db()
    assert (member.id_number, member.phone) == (GOOD_ID, "13900001111")
    assert post(client, member, id_number="", phone="", clear_phone="on").status_code == 302
    member.refresh_from_db()
    assert member.phone == ""

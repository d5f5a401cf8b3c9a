"""The benchmark's data generator at a tiny scale: the counts it promises, valid ID numbers, a ledger that adds up
and one history row per generated row."""

from django.apps import apps
from django.db.models import Sum

from bench import dataset
from funding.models import Account, Contribution, Disbursement, Posting
from guanghan.lib import idnumber
from guanghan.models import Town, Village
from members.models import Member
from projects.models import HouseholdPairing, Project
from supervision.models import Visit
from tests.members.test_list_tally import recount, tally


def test_generator_writes_the_promised_rows_with_valid_id_numbers(db):
    counts = dataset.generate(0.0002, log=lambda line: None)  # 200 members

    assert counts["members"] == Member.objects.count() == 200
    assert Town.objects.filter(code__startswith="BT").count() == counts["towns"]
    assert Village.objects.filter(code__startswith="BV").count() == counts["villages"]
    assert Project.objects.count() == counts["projects"]
    lines = Contribution.objects.count() + Disbursement.objects.count()
    assert lines == Posting.objects.count() == counts["fund_lines"]
    assert HouseholdPairing.objects.count() == counts["household_pairs"]
    assert Visit.objects.count() == counts["visits"]
    # Members have lists as the demo's do (the registry statistics count them at every member, docs/benchmarks.md).
    assert not Member.objects.filter(aspiration_ids=[]).exists()
    assert Member.objects.exclude(skill_ids=[]).count() > 100
    assert all(main not in others for main, others in Member.objects.values_list("main_cause_id", "other_cause_ids"))
    assert tally() == recount()  # the generator adds to MemberListTally what its paused triggers would have
    numbers = list(Member.objects.values_list("id_number", "birth_date", "gender"))
    assert len({number for number, _, _ in numbers}) == 200
    for number, born, gender in numbers:
        parsed = idnumber.parse(number)
        assert (parsed.birth_date, parsed.gender) == (born, gender)


def test_generated_rows_have_their_history_and_the_ledger_adds_up(db):
    dataset.generate(0.0002, log=lambda line: None)

    for label in ("members.MemberEvent", "funding.PostingEvent", "supervision.VisitEvent"):
        event = apps.get_model(label)
        tracked = event._meta.get_field("pgh_obj").related_model
        assert event.objects.filter(pgh_label="insert").count() == tracked.objects.count()
        assert not event.objects.filter(pgh_context__isnull=True).exists()
    for account in Account.objects.all():
        assert account.balance >= 0
        assert account.balance == (account.postings.aggregate(s=Sum("amount"))["s"] or 0)
        assert account.line_count == account.postings.count()

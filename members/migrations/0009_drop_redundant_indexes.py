# Indexes that another one already serves, dropped: every imported member, survey and list row paid for them.
# - members_member(village_id): member_village_status (village_id, status) starts with it;
# - members_member_*(member_id) of the member's lists: their unique (member_id, …) pair starts with it;
# - members_survey(member_id): survey_member_date (member_id, surveyed_on DESC) starts with it;
# - member_id_number_prefix (0005): the same varchar_pattern_ops index Django made for the unique id_number
#   (members_member_id_number_…_like).

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("guanghan", "0012_history_statement_level"),
        ("members", "0008_history_statement_level"),
    ]

    operations = [
        migrations.AlterField(
            model_name="member",
            name="village",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="members",
                to="guanghan.village",
                verbose_name="村（社区）",
            ),
        ),
        migrations.AlterField(
            model_name="memberaspiration",
            name="member",
            field=models.ForeignKey(
                db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name="+", to="members.member"
            ),
        ),
        migrations.AlterField(
            model_name="memberothercause",
            name="member",
            field=models.ForeignKey(
                db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name="+", to="members.member"
            ),
        ),
        migrations.AlterField(
            model_name="memberskill",
            name="member",
            field=models.ForeignKey(
                db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name="+", to="members.member"
            ),
        ),
        migrations.AlterField(
            model_name="survey",
            name="member",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="surveys",
                to="members.member",
                verbose_name="对象",
            ),
        ),
        migrations.RunSQL(
            "DROP INDEX IF EXISTS member_id_number_prefix",
            "CREATE INDEX IF NOT EXISTS member_id_number_prefix ON members_member (id_number varchar_pattern_ops)",
        ),
    ]

# The member search (members.models.MemberQuerySet.search) filters `id_number LIKE 'prefix%' OR phone LIKE 'prefix%'`.
# Their default b-tree indexes (the unique one on id_number, none on phone) cannot serve LIKE under a non-C collation,
# so on the province-scale benchmark (1,000,000 members, docs/benchmarks.md) an ID-prefix search walked the whole table
# (360 ms). Pattern-ops indexes turn it into a bitmap OR of two index range scans. Raw SQL, not Meta.indexes: the
# opclass is an access-path detail of one query, and IF NOT EXISTS lets a database that got them by hand migrate.
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("members", "0004_member_version")]

    operations = [
        migrations.RunSQL(
            "CREATE INDEX IF NOT EXISTS member_id_number_prefix ON members_member (id_number varchar_pattern_ops)",
            "DROP INDEX IF EXISTS member_id_number_prefix",
        ),
        migrations.RunSQL(
            "CREATE INDEX IF NOT EXISTS member_phone_prefix ON members_member (phone varchar_pattern_ops)",
            "DROP INDEX IF EXISTS member_phone_prefix",
        ),
    ]

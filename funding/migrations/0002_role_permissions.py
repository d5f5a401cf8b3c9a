"""Who may record money and loans (scope is access.py's: department staff only on its own account and people)."""

from django.db import migrations

from guanghan.lib.role_grants import grant_permissions

VIEW = [
    "view_account",
    "view_contribution",
    "view_disbursement",
    "view_posting",
    "view_fundtarget",
    "view_loan",
    "view_loaninstalment",
    "view_repayment",
    "view_guaranteegroup",
    "view_guaranteemembership",
]
RECORD = [
    "add_contribution",
    "add_disbursement",
    "add_loan",
    "change_loan",
    "add_repayment",
    "add_guaranteegroup",
    "change_guaranteegroup",
    "add_guaranteemembership",
]
GRANTS = {
    "org_staff": [*VIEW, *RECORD, "add_fundtarget", "change_fundtarget"],
    "dept_staff": [*VIEW, *RECORD],
    "town_staff": VIEW,
    "liaison": VIEW,
    "leader": VIEW,
}


def grant(apps, schema_editor):
    grant_permissions(apps, "funding", GRANTS)


class Migration(migrations.Migration):
    dependencies = [("funding", "0001_ledger_and_loans"), ("guanghan", "0003_roles")]
    operations = [migrations.RunPython(grant, migrations.RunPython.noop)]

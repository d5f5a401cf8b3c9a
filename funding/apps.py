from django.apps import AppConfig


class FundingConfig(AppConfig):
    name = "funding"
    verbose_name = "帮扶资金"

    def ready(self):
        from guanghan.access import ALL_ROLES, Role
        from guanghan.navigation import NavItem, WorkList, register_nav, register_worklist

        register_nav(NavItem("资金", "funding:overview", ALL_ROLES, icon="cash-coin", order=30))
        register_worklist(
            WorkList(
                "逾期未还的党员农贷",
                "funding:loan-list",
                (Role.ORG_STAFF, Role.TOWN_STAFF, Role.DEPT_STAFF),
                count=overdue_loan_count,
                order=30,
                query="overdue=1",
            )
        )
        register_worklist(
            WorkList(
                "本部门帮扶村中尚未拨付资金的项目",
                "funding:projects-without-money",
                (Role.DEPT_STAFF,),
                count=without_money_count,
                order=31,
            )
        )


def overdue_loan_count(user) -> int:
    from funding.loan_views import overdue_loan_count as count

    return count(user)


def without_money_count(user) -> int:
    from funding.worklist_views import without_money_count as count

    return count(user)

from django.urls import path

from funding import loan_views, report_views, views, worklist_views

app_name = "funding"

urlpatterns = [
    path("", views.overview, name="overview"),
    path("accounts/<int:pk>/", views.account_ledger, name="account-ledger"),
    path("contributions/", views.contribution_list, name="contribution-list"),
    path("contributions/new/", views.contribution_create, name="contribution-create"),
    path("contributions/<int:pk>/", views.contribution_detail, name="contribution-detail"),
    path("contributions/<int:pk>/reverse/", views.contribution_reverse, name="contribution-reverse"),
    path("disbursements/", views.disbursement_list, name="disbursement-list"),
    path("disbursements/new/", views.disbursement_create, name="disbursement-create"),
    path("disbursements/<int:pk>/", views.disbursement_detail, name="disbursement-detail"),
    path("disbursements/<int:pk>/reverse/", views.disbursement_reverse, name="disbursement-reverse"),
    path("flow/projects/<int:pk>/", views.project_flow, name="project-flow"),
    path("flow/villages/<int:pk>/", views.village_flow, name="village-flow"),
    path("flow/departments/<int:pk>/", views.department_flow, name="department-flow"),
    path("flow/members/<int:pk>/", views.member_flow, name="member-flow"),
    path("projects-without-money/", worklist_views.projects_without_money, name="projects-without-money"),
]

urlpatterns += loan_views.urlpatterns
urlpatterns += report_views.urlpatterns

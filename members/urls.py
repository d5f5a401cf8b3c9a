from django.urls import include, path

from members import roster_views, views

app_name = "members"

urlpatterns = [
    path("", views.member_list, name="member-list"),
    path("export/", views.member_export, name="member-export"),
    path("search/", views.member_search, name="member-search"),
    path("new/", views.member_create, name="member-create"),
    path("<int:pk>/", views.member_detail, name="member-detail"),
    path("<int:pk>/edit/", views.member_edit, name="member-edit"),
    path("<int:pk>/survey/", views.survey_create, name="survey-create"),
    path("<int:pk>/status/", views.status_change, name="status-change"),
    path("<int:pk>/lifting/", views.lifting_step, name="lifting-step"),
    path("notice/", views.notice_list, name="notice-list"),
    path("stats/", views.stats, name="stats"),
    path("import/", include(roster_views.urlpatterns)),
]

from django.urls import path

from projects import import_views, training_views, views, worklist_views

app_name = "projects"

urlpatterns = [
    path("", views.project_list, name="project-list"),
    path("new/", views.project_create, name="project-create"),
    path("<int:pk>/", views.project_detail, name="project-detail"),
    path("<int:pk>/select/", views.project_select, name="project-select"),
    path("<int:pk>/status/", views.project_move, name="project-move"),
    path("<int:pk>/enroll/", views.project_enroll, name="project-enroll"),
    path("village/<int:village_pk>/<int:year>/", views.village_compare, name="village-compare"),
]

urlpatterns += [
    path("pairs/villages/", views.village_pairing_list, name="village-pairing-list"),
    path("pairs/villages/new/", views.village_pairing_create, name="village-pairing-create"),
    path("pairs/households/", views.household_pairing_list, name="household-pairing-list"),
    path("pairs/households/unpaired/", views.unpaired_members, name="unpaired-members"),
    path("pairs/households/new/<int:member_pk>/", views.household_pair_create, name="household-pair-create"),
    path("pairs/households/<int:pk>/hand-over/", views.household_hand_over, name="household-hand-over"),
    path("pairs/households/<int:pk>/contact/", views.household_contact, name="household-contact"),
]

urlpatterns += [
    path("for-member/<int:member_pk>/", views.member_projects, name="member-projects"),
    path("members-without-project/", views.members_without_project, name="members-without-project"),
    path(
        "villages/without-key-project/",
        worklist_views.villages_without_key_project,
        name="villages-without-key-project",
    ),
]

urlpatterns += import_views.urlpatterns
urlpatterns += training_views.urlpatterns

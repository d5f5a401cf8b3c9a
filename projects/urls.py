from django.urls import path

from projects import views

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

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from dashboard import views as dashboard_views
from evaluation import table_views as evaluation_table_views
from guanghan import passwords, two_factor, views
from members import views as members_views

directory_patterns = [
    path("villages/", views.village_list, name="village-list"),
    path("villages/<int:pk>/", views.village_detail, name="village-detail"),
    path("departments/", views.department_list, name="department-list"),
    path("departments/<int:pk>/", views.department_detail, name="department-detail"),
]

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.login, name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/change/", passwords.password_change, name="password-change"),
    path("two-factor/verify/", two_factor.verify, name="two-factor-verify"),
    path("two-factor/setup/", two_factor.setup, name="two-factor-setup"),
    path("directory/", include((directory_patterns, "guanghan"))),
    path("members/", include("members.urls")),
    path("projects/", include("projects.urls")),
    path("funding/", include("funding.urls")),
    path("supervision/", include("supervision.urls")),
    path("evaluation/", include("evaluation.urls")),
    path("dashboard/", include("dashboard.urls")),
    path("administration/", include("administration.urls")),
    path("api/villages/", views.village_options_json, name="village-options"),
    path("api/registry/stats/", members_views.stats_json, name="registry-stats"),
    path("api/dashboard/", dashboard_views.figures_json, name="dashboard-figures"),
    path("api/dashboard/areas/", dashboard_views.areas_json, name="dashboard-areas"),
    path("api/dashboard/years/", dashboard_views.years_json, name="dashboard-years"),
    path("api/evaluation/<int:year>/results/", evaluation_table_views.results_json, name="evaluation-results"),
    path("admin/", admin.site.urls),
]

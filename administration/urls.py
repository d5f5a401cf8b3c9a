from django.urls import path

from administration import audit_views, views

app_name = "administration"
urlpatterns = [
    path("users/", views.user_list, name="user-list"),
    path("users/new/", views.user_create, name="user-create"),
    path("cadres/options/", views.cadre_options, name="cadre-options"),
    path("users/<int:pk>/", views.user_detail, name="user-detail"),
    path("users/<int:pk>/edit/", views.user_edit, name="user-edit"),
    path("users/<int:pk>/password/", views.user_password, name="user-password"),
    path("users/<int:pk>/two-factor/reset/", views.user_two_factor_reset, name="user-two-factor-reset"),
    path(
        "users/<int:pk>/require-password-change/",
        views.user_require_password_change,
        name="user-require-password-change",
    ),
    path("security/", views.security_overview, name="security"),
    path("security/unlock/<int:pk>/", views.unlock, name="unlock"),
    path("audit/", audit_views.trail_view, name="trail"),
    path("audit/reads/", audit_views.reads, name="reads"),
    path("audit/exports/", audit_views.exports, name="exports"),
    path("audit/logins/", audit_views.logins, name="logins"),
    path("audit/actions/", audit_views.actions, name="actions"),
]

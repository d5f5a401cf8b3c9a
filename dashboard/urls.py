from django.urls import path

from dashboard import overdue_views, views

app_name = "dashboard"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("summary/", views.summary, name="summary"),
    path("overdue/", overdue_views.overdue_by_department, name="overdue-by-department"),
]

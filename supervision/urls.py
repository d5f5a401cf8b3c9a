from django.urls import path

from supervision import overview_views, questionnaire_views, views

app_name = "supervision"

urlpatterns = [
    path("", views.visit_list, name="visit-list"),
    path("visits/new/", views.visit_create, name="visit-create"),
    path("visits/<int:pk>/", views.visit_detail, name="visit-detail"),
    path("photos/<int:pk>/", views.photo, name="photo"),
    path("rectifications/", views.rectification_list, name="rectification-list"),
    path("rectifications/<int:pk>/", views.rectification_detail, name="rectification-detail"),
    path("rectifications/<int:pk>/<str:action>/", views.rectification_move, name="rectification-move"),
]

urlpatterns += overview_views.urlpatterns
urlpatterns += questionnaire_views.urlpatterns

from django.urls import path

from evaluation import agreement_views, table_views, views

app_name = "evaluation"

urlpatterns = [
    path("", views.year_list, name="year-list"),
    path("<int:year>/", views.year_detail, name="year-detail"),
    path("<int:year>/rules/", views.rules_edit, name="rules-edit"),
    path("<int:year>/blocks/", views.blocks_edit, name="blocks-edit"),
    path("<int:year>/scores/<int:department>/", views.score_sheet, name="score-sheet"),
    path("<int:year>/suggest/", views.suggest, name="suggest"),
    path("<int:year>/close/", views.year_close, name="year-close"),
    path("<int:year>/reopen/", views.year_reopen, name="year-reopen"),
]

urlpatterns += agreement_views.urlpatterns
urlpatterns += table_views.urlpatterns

from django.urls import path

from distretto.calls import views

app_name = "calls"

urlpatterns = [
    path("", views.call_list, name="list"),
    path("drafts/", views.drafts, name="drafts"),
    path("alerts/new/", views.save_calls_alert, name="save_alert"),
    path("drafts/<int:pk>/", views.draft_detail, name="draft"),
    path("drafts/<int:pk>/invite/", views.invite, name="invite"),
    path("drafts/<int:pk>/partners/<int:place>/answer/", views.answer, name="answer"),
    path("drafts/<int:pk>/partners.<str:extension>", views.draft_table, name="draft_table"),
    path("<slug:slug>/", views.call_detail, name="detail"),
    path("<slug:slug>/build/", views.build, name="build"),
    path("<slug:slug>/drafts/new/", views.save_draft, name="save_draft"),
]

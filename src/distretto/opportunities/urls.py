from django.urls import path

from distretto.opportunities import views

app_name = "opportunities"

urlpatterns = [
    path("", views.profile_list, name="list"),
    path("mine/", views.my_profiles, name="mine"),
    path("new/", views.profile_create, name="create"),
    path("interests/", views.interests, name="interests"),
    path("interests/<int:pk>/answer/", views.answer_interest, name="answer"),
    path("pipeline/", views.pipeline, name="pipeline"),
    path("<int:pk>/", views.profile_detail, name="profile"),
    path("<int:pk>/edit/", views.profile_edit, name="edit"),
    path("<int:pk>/submit/", views.profile_submit, name="submit"),
]

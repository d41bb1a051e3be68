from django.urls import path

from distretto.accounts.views import privacy_notice
from distretto.web import editing, views

app_name = "web"

urlpatterns = [
    path("", views.home, name="home"),
    path("search/", views.search, name="search"),
    path("privacy/", privacy_notice, name="privacy"),
    path("profiles/<int:pk>/partners/", views.profile_partners, name="profile_partners"),
    path("organisations/", views.directory, name="directory"),
    path("organisations/<slug:slug>/", views.organisation, name="organisation"),
    path(
        "organisations/<slug:slug>/complementary/",
        views.complementary,
        name="complementary",
    ),
    path("organisations/<slug:slug>/edit/", editing.edit_organisation, name="edit_organisation"),
    path("organisations/<slug:slug>/submit/", editing.submit_for_review, name="submit_for_review"),
    path("organisations/<slug:slug>/people/add/", editing.edit_person, name="add_person"),
    path(
        "organisations/<slug:slug>/people/<int:person_id>/",
        editing.edit_person,
        name="edit_person",
    ),
    path(
        "organisations/<slug:slug>/people/<int:person_id>/remove/",
        editing.remove_person,
        name="remove_person",
    ),
]

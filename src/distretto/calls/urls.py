from django.urls import path

from distretto.calls import views

app_name = "calls"

urlpatterns = [
    path("", views.call_list, name="list"),
    path("<slug:slug>/", views.call_detail, name="detail"),
    path("<slug:slug>/build/", views.build, name="build"),
]

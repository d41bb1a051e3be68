from django.urls import path

from distretto.alerts import views

app_name = "alerts"

urlpatterns = [
    path("", views.saved_list, name="list"),
    path("save/", views.save, name="save"),
    path("<int:pk>/update/", views.update, name="update"),
    path("<int:pk>/delete/", views.delete, name="delete"),
]

from django.urls import path

from distretto.registry import views

app_name = "registry"

urlpatterns = [
    path("import/", views.import_organisations, name="import"),
    path("export/", views.export_organisations, name="export"),
]

from django.urls import path

from distretto.registry import views

app_name = "registry"

urlpatterns = [
    path("import/", views.import_organisations, name="import"),
    path("import/ties/", views.import_ties, name="import_ties"),
    path("export/", views.export_organisations, name="export"),
]

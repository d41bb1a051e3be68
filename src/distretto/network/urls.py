from django.urls import path

from distretto.network import views

app_name = "network"

urlpatterns = [
    path("", views.graph, name="graph"),
    path("map/", views.district_map, name="map"),
    path("analysis/", views.analysis, name="analysis"),
    path("export.<str:extension>", views.export, name="export"),
    path("organisations/<slug:slug>/", views.organisation, name="organisation"),
    path("scenarios/", views.scenarios, name="scenarios"),
    path("scenarios/<int:pk>/", views.scenario, name="scenario"),
]

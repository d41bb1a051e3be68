from django.urls import path

from distretto.monitor import import_views, report_views, views

app_name = "monitor"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("region/<str:nuts>/", views.region, name="region"),
    path("compare/", views.compare, name="compare"),
    path("import/", import_views.import_observations, name="import"),
    path("report/", report_views.report, name="report"),
    path("indicators/<slug:slug>/", views.indicator, name="indicator"),
    path("indicators/<slug:slug>/data.<str:extension>", views.indicator_data, name="data"),
]

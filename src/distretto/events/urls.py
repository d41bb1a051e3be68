from django.urls import path

from distretto.events import views

app_name = "events"

urlpatterns = [
    path("", views.event_list, name="list"),
    path("new/", views.event_create, name="create"),
    path("meetings/<int:pk>/answer/", views.answer_meeting, name="answer"),
    path("meetings/<int:pk>/cancel/", views.cancel_meeting, name="cancel"),
    path("<slug:slug>/", views.event_detail, name="detail"),
    path("<slug:slug>/edit/", views.event_edit, name="edit"),
    path("<slug:slug>/setup/", views.event_setup, name="setup"),
    path("<slug:slug>/setup/status/", views.event_status, name="status"),
    path("<slug:slug>/sessions/<int:pk>/delete/", views.session_delete, name="session_delete"),
    path("<slug:slug>/register/", views.register, name="register"),
    path("<slug:slug>/participants/", views.marketplace, name="marketplace"),
    path("<slug:slug>/outcomes/", views.outcomes, name="outcomes"),
    path("<slug:slug>/r/<int:pk>/", views.participation, name="participation"),
    path("<slug:slug>/r/<int:pk>/edit/", views.registration_edit, name="registration_edit"),
    path("<slug:slug>/r/<int:pk>/meet/<int:other>/", views.request_meeting, name="request"),
    path("<slug:slug>/r/<int:pk>/agenda/", views.agenda, name="agenda"),
    path("<slug:slug>/r/<int:pk>/agenda.ics", views.agenda_ics, name="agenda_ics"),
    path("<slug:slug>/r/<int:pk>/agenda.pdf", views.agenda_pdf, name="agenda_pdf"),
    path("<slug:slug>/manage/", views.manage, name="manage"),
    path(
        "<slug:slug>/manage/registrations/<int:pk>/", views.registration_action, name="reg_action"
    ),
    path("<slug:slug>/manage/meetings/", views.organiser_meeting, name="organiser_meeting"),
    path("<slug:slug>/manage/meetings/<int:pk>/pin/", views.pin_meeting, name="pin"),
    path("<slug:slug>/manage/schedule/", views.schedule, name="schedule"),
    path("<slug:slug>/manage/runs/<int:pk>/", views.run_detail, name="run"),
    path("<slug:slug>/manage/grid/", views.grid, name="grid"),
    path("<slug:slug>/manage/files/<str:name>", views.organiser_file, name="file"),
]

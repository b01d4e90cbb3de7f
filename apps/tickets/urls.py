"""Ticket pages: the queue, a ticket's detail and its writes, attachments, bulk actions, saved views."""

from django.urls import path

from apps.tickets import views

app_name = "tickets"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("new/", views.ticket_new, name="new"),
    path("views/", views.saved_view_save, name="view_save"),
    path("views/<int:pk>/delete/", views.saved_view_delete, name="view_delete"),
    path("bulk/", views.bulk_create, name="bulk_create"),
    path("bulk/<int:pk>/", views.bulk_detail, name="bulk"),
    path("bulk/<int:pk>/start/", views.bulk_start, name="bulk_start"),
    path("<str:desk_id>/", views.detail, name="detail"),
    path("<str:desk_id>/status/", views.status_change, name="status"),
    path("<str:desk_id>/priority/", views.priority_change, name="priority"),
    path("<str:desk_id>/assign/", views.assign, name="assign"),
    path("<str:desk_id>/comment/", views.comment_add, name="comment"),
    path("<str:desk_id>/reply/", views.reply_send, name="reply"),
    path(
        "<str:desk_id>/from-addresses/refresh/",
        views.from_addresses_refresh,
        name="from_addresses_refresh",
    ),
    path("<str:desk_id>/edit/", views.ticket_edit, name="edit"),
    path("<str:desk_id>/trash/", views.trash, name="trash"),
    path("<str:desk_id>/attachments/", views.attachment_upload, name="attachment_upload"),
    path(
        "<str:desk_id>/attachments/<str:attachment_id>/",
        views.attachment_download,
        name="attachment_download",
    ),
    path(
        "<str:desk_id>/attachments/<str:attachment_id>/delete/",
        views.attachment_delete,
        name="attachment_delete",
    ),
]

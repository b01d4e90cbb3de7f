"""Ticket pages: the queue, a ticket's detail and its writes, attachments, bulk actions, saved views."""

from django.urls import path

from apps.tickets.views import (
    attachments,
    bulk,
    canned,
    conversation,
    detail,
    edit,
    followers,
    merge,
    presence,
    queue,
    saved_views,
    tags,
)

app_name = "tickets"
urlpatterns = [
    path("", queue.queue, name="queue"),
    path("new/", edit.ticket_new, name="new"),
    path("views/", saved_views.saved_view_save, name="view_save"),
    path("views/<int:pk>/delete/", saved_views.saved_view_delete, name="view_delete"),
    path("bulk/", bulk.bulk_create, name="bulk_create"),
    path("bulk/<int:pk>/", bulk.bulk_detail, name="bulk"),
    path("bulk/<int:pk>/start/", bulk.bulk_start, name="bulk_start"),
    path("canned/", canned.canned_list, name="canned_list"),
    path("canned/new/", canned.canned_new, name="canned_new"),
    path("canned/<int:pk>/", canned.canned_edit, name="canned_edit"),
    path("canned/<int:pk>/delete/", canned.canned_delete, name="canned_delete"),
    path("<str:desk_id>/", detail.detail, name="detail"),
    path("<str:desk_id>/conversation/refresh/", detail.conversation_refresh, name="conversation_refresh"),
    path("<str:desk_id>/presence/", presence.presence, name="presence"),
    path("<str:desk_id>/status/", detail.status_change, name="status"),
    path("<str:desk_id>/priority/", detail.priority_change, name="priority"),
    path("<str:desk_id>/assign/", detail.assign, name="assign"),
    path("<str:desk_id>/comment/", conversation.comment_add, name="comment"),
    path("<str:desk_id>/reply/", conversation.reply_send, name="reply"),
    path("<str:desk_id>/canned/", canned.canned_for_ticket, name="canned_for_ticket"),
    path(
        "<str:desk_id>/from-addresses/refresh/",
        conversation.from_addresses_refresh,
        name="from_addresses_refresh",
    ),
    path("<str:desk_id>/tags/", tags.tags_panel, name="tags"),
    path("<str:desk_id>/tags/suggestions/", tags.tag_suggestions, name="tag_suggestions"),
    path("<str:desk_id>/tags/add/", tags.tag_add, name="tag_add"),
    path("<str:desk_id>/tags/remove/", tags.tag_remove, name="tag_remove"),
    path("<str:desk_id>/followers/", followers.followers_panel, name="followers"),
    path("<str:desk_id>/followers/add/", followers.follower_add, name="follower_add"),
    path("<str:desk_id>/followers/remove/", followers.follower_remove, name="follower_remove"),
    path("<str:desk_id>/edit/", edit.ticket_edit, name="edit"),
    path("<str:desk_id>/trash/", edit.trash, name="trash"),
    path("<str:desk_id>/merge/", merge.merge, name="merge"),
    path("<str:desk_id>/attachments/", attachments.attachment_upload, name="attachment_upload"),
    path(
        "<str:desk_id>/attachments/<str:attachment_id>/",
        attachments.attachment_download,
        name="attachment_download",
    ),
    path(
        "<str:desk_id>/attachments/<str:attachment_id>/delete/",
        attachments.attachment_delete,
        name="attachment_delete",
    ),
]

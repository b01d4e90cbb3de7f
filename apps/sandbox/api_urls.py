"""Desk API v1 routes under /sandbox/desk/api/v1/: every operation, in the seed's and the real API's forms."""

from django.urls import path

from apps.sandbox.api import attachments, conversations, merge, org, people, ticket_extras, tickets, webhooks

urlpatterns = [
    # Organisation and me
    path("organizations", org.organizations_list, name="api_organizations"),
    path("organizations/<str:org_id>", org.organization_get, name="api_organization"),
    path("myinfo", org.myinfo, name="api_myinfo"),
    # Tickets (literal paths before the {id} ones)
    path("tickets", tickets.tickets_collection, name="api_tickets"),
    path("tickets/search", tickets.tickets_search, name="api_tickets_search"),
    path("tickets/moveToTrash", tickets.tickets_move_to_trash, name="api_tickets_trash"),
    path("ticketsByIds", tickets.tickets_by_ids, name="api_tickets_by_ids"),
    path("closeTickets", tickets.tickets_close, name="api_tickets_close"),
    path("ticketsCount", tickets.tickets_count_view, name="api_tickets_count"),
    path("agentsTicketsCount", ticket_extras.agents_tickets_count, name="api_agents_tickets_count"),
    path("ticketTags", ticket_extras.ticket_tags_list, name="api_ticket_tags_list"),
    path("tags/search", ticket_extras.tags_search, name="api_tags_search"),
    path("tags/<str:tag_id>/tickets", ticket_extras.tag_tickets, name="api_tag_tickets"),
    path("mailReplyAddress", ticket_extras.mail_reply_addresses, name="api_mail_reply_addresses"),
    path(
        "mailReplyAddress/<str:address_id>", ticket_extras.mail_reply_address, name="api_mail_reply_address"
    ),
    path("uploads", attachments.upload_file, name="api_uploads"),
    path("uploads/<str:upload_id>/content", attachments.upload_content, name="api_upload_content"),
    path("tickets/<str:ticket_id>", tickets.ticket_item, name="api_ticket"),
    path("tickets/<str:ticket_id>/sla", tickets.ticket_sla_view, name="api_ticket_sla"),
    path("tickets/<str:ticket_id>/metrics", ticket_extras.ticket_metrics, name="api_ticket_metrics"),
    path("tickets/<str:ticket_id>/merge", merge.ticket_merge, name="api_ticket_merge"),
    path("tickets/<str:ticket_id>/tags", ticket_extras.ticket_tags, name="api_ticket_tags"),
    path(
        "tickets/<str:ticket_id>/associateTag", ticket_extras.ticket_associate_tags, name="api_ticket_tag_add"
    ),
    path(
        "tickets/<str:ticket_id>/dissociateTag",
        ticket_extras.ticket_dissociate_tags,
        name="api_ticket_tag_remove",
    ),
    path("tickets/<str:ticket_id>/followers", ticket_extras.ticket_followers, name="api_ticket_followers"),
    path(
        "tickets/<str:ticket_id>/addFollowers",
        ticket_extras.ticket_add_followers,
        name="api_ticket_followers_add",
    ),
    path(
        "tickets/<str:ticket_id>/removeFollowers",
        ticket_extras.ticket_remove_followers,
        name="api_ticket_followers_remove",
    ),
    path("tickets/<str:ticket_id>/threads", conversations.threads_list, name="api_threads"),
    path("tickets/<str:ticket_id>/threads/<str:thread_id>", conversations.thread_get, name="api_thread"),
    path(
        "tickets/<str:ticket_id>/threads/<str:thread_id>/attachments/<str:attachment_id>/content",
        attachments.thread_attachment_content,
        name="api_thread_attachment_content",
    ),
    path("tickets/<str:ticket_id>/conversations", conversations.conversations_list, name="api_conversations"),
    path("tickets/<str:ticket_id>/sendReply", conversations.send_reply, name="api_send_reply"),
    path("tickets/<str:ticket_id>/comments", conversations.comments_collection, name="api_comments"),
    path("tickets/<str:ticket_id>/comments/<str:comment_id>", conversations.comment_item, name="api_comment"),
    path(
        "tickets/<str:ticket_id>/comments/<str:comment_id>/attachments/<str:attachment_id>/content",
        attachments.comment_attachment_content,
        name="api_comment_attachment_content",
    ),
    path("tickets/<str:ticket_id>/attachments", attachments.attachments_collection, name="api_attachments"),
    path(
        "tickets/<str:ticket_id>/attachments/<str:attachment_id>",
        attachments.attachment_item,
        name="api_attachment",
    ),
    path(
        "tickets/<str:ticket_id>/attachments/<str:attachment_id>/content",
        attachments.attachment_content,
        name="api_attachment_content",
    ),
    # Contacts (Contact.json, Search.json; literal paths before the {id} ones)
    path("contacts", people.contacts_collection, name="api_contacts"),
    path("contacts/search", people.contacts_search, name="api_contacts_search"),
    path("contacts/moveToTrash", people.contacts_move_to_trash, name="api_contacts_trash"),
    path("contacts/contactsByIds", people.contacts_by_ids, name="api_contacts_by_ids"),
    path("contacts/<str:contact_id>", people.contact_item, name="api_contact"),
    path("contacts/<str:contact_id>/tickets", people.contact_tickets, name="api_contact_tickets"),
    path("contacts/<str:contact_id>/accounts", people.contact_accounts, name="api_contact_accounts"),
    # Accounts (Account.json, Search.json)
    path("accounts", people.accounts_collection, name="api_accounts"),
    path("accounts/search", people.accounts_search, name="api_accounts_search"),
    path("accounts/moveToTrash", people.accounts_move_to_trash, name="api_accounts_trash"),
    path("accounts/<str:account_id>", people.account_item, name="api_account"),
    path("accounts/<str:account_id>/contacts", people.account_contacts, name="api_account_contacts"),
    path("accounts/<str:account_id>/tickets", people.account_tickets, name="api_account_tickets"),
    # Agents (Agent.json); /agents/{id}/activate and /agents/{id}/delete are the reference document's
    # forms and answer URL_NOT_FOUND unless SANDBOX_REFERENCE_FORMS is on.
    path("agents", org.agents_collection, name="api_agents"),
    path("agentsByIds", org.agents_by_ids, name="api_agents_by_ids"),
    path("agents/activate", org.agents_activate, name="api_agents_activate"),
    path("agents/deleteUnconfirmed", org.agents_delete_unconfirmed, name="api_agents_delete_unconfirmed"),
    path("agents/<str:agent_id>", org.agent_item, name="api_agent"),
    path("agents/<str:agent_id>/deactivate", org.agent_deactivate, name="api_agent_deactivate"),
    path("agents/<str:agent_id>/activate", org.agent_activate_reference, name="api_agent_activate"),
    path("agents/<str:agent_id>/delete", org.agent_delete_reference, name="api_agent_delete"),
    # Departments and teams (Department.json, Team.json)
    path("departments", org.departments_list, name="api_departments"),
    path("departments/<str:department_id>", org.department_get, name="api_department"),
    path("departments/<str:department_id>/teams", org.department_teams, name="api_department_teams"),
    path("teams", org.teams_list, name="api_teams"),
    path("teams/<str:team_id>", org.team_get, name="api_team"),
    # SLA policies: the seed's /sla and a settings-style /slas
    path("sla", org.sla_list, name="api_sla"),
    path("sla/<str:sla_id>", org.sla_get, name="api_sla_item"),
    path("slas", org.sla_list, name="api_slas"),
    path("slas/<str:sla_id>", org.sla_get, name="api_slas_item"),
    # Webhooks: real /webhooks and the seed's /events
    path("webhooks", webhooks.webhooks_collection, name="api_webhooks"),
    path("webhooks/<str:webhook_id>", webhooks.webhook_item, name="api_webhook"),
    path("events", webhooks.events_collection, name="api_events"),
    path("events/<str:webhook_id>", webhooks.event_item, name="api_event"),
]

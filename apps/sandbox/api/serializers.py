"""Sandbox records as Desk API v1 JSON: camelCase names, string ids, Desk's time format."""

from __future__ import annotations

import html
import re
from typing import Any

from django.utils import timezone

from apps.sandbox import models as m
from apps.sandbox.contract import desk_time

API_PREFIX = "/sandbox/desk/api/v1"


def _id(value: Any) -> str | None:
    return None if value is None else str(value)


def org_json(org: m.Org, *, is_default: bool = False) -> dict[str, Any]:
    """Organization.json getOrganizationResponse. `edition` is upper case (FREE, EXPRESS, STANDARD,
    PROFESSIONAL, ENTERPRISE): the console reads it to know the org's credits and concurrency cap."""
    portal_url = f"https://desk.zoho.com/portal/{org.portal_name}" if org.portal_name else None
    return {
        "id": org.org_id,
        "companyName": org.company_name,
        "alias": None,
        "portalName": org.portal_name,
        "portalURL": portal_url,
        "description": org.description,
        "edition": org.edition.upper(),
        "isDefault": is_default,
        "timeZone": org.time_zone,
        "currencyCode": org.currency_code,
        "currencyLocale": None,
        "currencySymbol": None,
        "country": org.country,
        "city": None,
        "state": None,
        "street": None,
        "zip": None,
        "fax": None,
        "mobile": None,
        "phoneNumber": None,
        "website": None,
        "industry": None,
        "employeeCount": None,
        "employeeCountRange": None,
        "designation": None,
        "primaryContact": None,
        "preferredSolution": None,
        "preferredCommunicationChannels": None,
        "migrationFrom": None,
        "logoURL": None,
        "faviconURL": None,
        "isAdminInOrg": True,
        "isPayloadEncryptionEnabled": False,
        "isSandboxPortal": False,
        "createdTime": desk_time(org.created_time),
    }


def department_json(department: m.Department) -> dict[str, Any]:
    return {
        "id": _id(department.pk),
        "name": department.name,
        "nameInCustomerPortal": department.name,
        "description": department.description,
        "creatorId": _id(department.creator_id),
        "isEnabled": department.is_enabled,
        "isDefault": department.is_default,
        "isVisibleInCustomerPortal": True,
        "sanitizedName": re.sub(r"[^a-z0-9]+", "-", department.name.lower()).strip("-"),
        "chatStatus": "NOT_CREATED",
        "isAssignToTeamEnabled": True,
        "hasLogo": False,
        "businessHours": department.business_hours,
        "emailAddresses": list(department.email_addresses or []),
        "createdTime": desk_time(department.created_time),
    }


def agent_json(agent: m.Agent, *, include: set[str] | frozenset[str] = frozenset()) -> dict[str, Any]:
    """Agent.json agentResponse (+ cf); `include` adds profile, role, associatedDepartments."""
    data: dict[str, Any] = {
        "id": _id(agent.pk),
        "firstName": agent.first_name,
        "lastName": agent.last_name,
        "name": agent.name,
        "emailId": agent.email,
        "email": agent.email,
        "phone": agent.phone,
        "mobile": agent.mobile,
        "extn": agent.extn,
        "status": agent.status,
        "roleId": _id(agent.role_id),
        "roleName": agent.role_name,
        "profileId": _id(agent.profile_id),
        "profileName": agent.profile_name,
        "rolePermissionType": agent.role_permission_type,
        "countryCode": agent.country_code,
        "timeZone": agent.time_zone,
        "langCode": agent.language_code,
        "aboutInfo": agent.about_info,
        "isConfirmed": agent.is_confirmed,
        "isZiaAgent": False,
        "associatedDepartmentIds": [str(d) for d in agent.department_ids or []],
        "associatedChatDepartmentIds": [],
        "channelExpert": list(agent.channel_expert or []),
        "cf": agent.cf or {},
        "photoURL": None,
        "zuid": _id(agent.pk),
        "createdTime": desk_time(agent.created_time),
        "modifiedTime": desk_time(agent.modified_time),
    }
    if "profile" in include:
        data["profile"] = {"id": _id(agent.profile_id), "name": agent.profile_name}
    if "role" in include:
        data["role"] = {"id": _id(agent.role_id), "name": agent.role_name}
    if "associatedDepartments" in include:
        departments = m.Department.objects.filter(org_id=agent.org_id, pk__in=agent.department_ids or [])
        data["associatedDepartments"] = [{"id": _id(d.pk), "name": d.name} for d in departments]
    return data


def agent_brief(agent: m.Agent | None) -> dict[str, Any] | None:
    if agent is None:
        return None
    return {
        "id": _id(agent.pk),
        "firstName": agent.first_name,
        "lastName": agent.last_name,
        "email": agent.email,
        "photoURL": None,
    }


def team_json(team: m.Team) -> dict[str, Any]:
    """Team.json teamResponse; `members` is kept beside `agents` for older readers."""
    members = [str(member) for member in team.member_ids or []]
    return {
        "id": _id(team.pk),
        "name": team.name,
        "description": team.description,
        "departmentId": _id(team.department_id),
        "agents": members,
        "derivedAgents": members,
        "members": members,
        "roles": [],
        "rolesWithSubordinates": [],
        "subTeams": [],
        "logoUrl": None,
        "createdTime": desk_time(team.created_time),
        "modifiedTime": desk_time(team.modified_time),
    }


def account_json(account: m.Account, *, include: set[str] | frozenset[str] = frozenset()) -> dict[str, Any]:
    """Account.json accountResponse (`annualrevenue` as Desk spells it); include=owner adds the owner."""
    data: dict[str, Any] = {
        "id": _id(account.pk),
        "accountName": account.account_name,
        "email": account.email,
        "phone": account.phone,
        "fax": account.fax,
        "website": account.website,
        "description": account.description,
        "industry": account.industry,
        "code": account.code,
        "annualrevenue": None if account.annual_revenue is None else str(account.annual_revenue),
        "street": account.street,
        "city": account.city,
        "state": account.state,
        "country": account.country,
        "ownerId": _id(account.owner_id),
        "cf": account.cf or {},
        "customFields": account.cf or {},
        "zohoCRMAccount": None,
        "customerHappiness": {"badPercentage": None, "okPercentage": None, "goodPercentage": None},
        "isTrashed": account.is_trashed,
        "webUrl": None,
        "createdTime": desk_time(account.created_time),
        "modifiedTime": desk_time(account.modified_time),
    }
    if "owner" in include:
        data["owner"] = _owner(account.org_id, account.owner_id)
    return data


def _owner(org_id: int, owner_id: int | None) -> dict[str, Any] | None:
    if owner_id is None:
        return None
    return agent_brief(m.Agent.objects.filter(org_id=org_id, pk=owner_id).first())


def contact_json(contact: m.Contact, *, include: set[str] | frozenset[str] = frozenset()) -> dict[str, Any]:
    """Contact.json contactResponse; include=accounts adds `account`, include=owner adds `owner`."""
    data: dict[str, Any] = {
        "id": _id(contact.pk),
        "firstName": contact.first_name,
        "lastName": contact.last_name,
        "name": contact.name,
        "email": contact.email,
        "secondaryEmail": contact.secondary_email,
        "phone": contact.phone,
        "mobile": contact.mobile,
        "accountId": _id(contact.account_id),
        "accountCount": "0" if contact.account_id is None else "1",
        "description": contact.description,
        "title": contact.title,
        "type": contact.type,
        "street": contact.street,
        "city": contact.city,
        "state": contact.state,
        "zip": contact.zip,
        "country": contact.country,
        "twitter": contact.twitter,
        "facebook": contact.facebook,
        "language": contact.language,
        "ownerId": _id(contact.owner_id),
        "cf": contact.cf or {},
        "customFields": contact.cf or {},
        "isSpam": contact.is_spam,
        "isAnonymous": False,
        "isEndUser": False,
        "isTrashed": contact.is_trashed,
        "isDeleted": False,
        "isFollowing": False,
        "layoutId": None,
        "layoutDetails": None,
        "zohoCRMContact": None,
        "customerHappiness": {"badPercentage": None, "okPercentage": None, "goodPercentage": None},
        "photoURL": None,
        "webUrl": None,
        "createdTime": desk_time(contact.created_time),
        "modifiedTime": desk_time(contact.modified_time),
    }
    if "accounts" in include:
        account = contact.account
        data["account"] = (
            None
            if account is None
            else {"id": _id(account.pk), "accountName": account.account_name, "website": account.website}
        )
    if "owner" in include:
        data["owner"] = _owner(contact.org_id, contact.owner_id)
    return data


def ticket_json(
    ticket: m.Ticket,
    *,
    include: set[str] | frozenset[str] = frozenset(),
    detail: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """A ticket as Ticket.json's ticketResponse; `include` adds the OAS's optional objects and `detail`
    the single-ticket keys (ticket_detail_response: isFollowing, tagCount, followerCount...)."""
    data: dict[str, Any] = {
        "id": _id(ticket.pk),
        "ticketNumber": str(ticket.ticket_number),
        "subject": ticket.subject,
        "description": ticket.description,
        "status": ticket.status,
        "statusType": ticket.status_type,
        "priority": ticket.priority or None,
        "channel": ticket.channel,
        "classification": ticket.classification or None,
        "category": ticket.category or None,
        "subCategory": ticket.sub_category or None,
        "language": ticket.language,
        "email": ticket.email,
        "phone": ticket.phone,
        "contactId": _id(ticket.contact_id),
        "accountId": _id(ticket.account_id),
        "departmentId": _id(ticket.department_id),
        "assigneeId": _id(ticket.assignee_id),
        "teamId": _id(ticket.team_id),
        "slaId": _id(ticket.sla_id),
        "dueDate": desk_time(ticket.due_date),
        "responseDueDate": desk_time(ticket.response_due_date),
        "responseTime": desk_time(ticket.first_response_time),
        "closedTime": desk_time(ticket.closed_time),
        "customerResponseTime": desk_time(ticket.customer_response_time),
        "createdTime": desk_time(ticket.created_time),
        "modifiedTime": desk_time(ticket.modified_time),
        "createdBy": _id(ticket.created_by),
        "modifiedBy": _id(ticket.modified_by),
        "threadCount": str(ticket.thread_count),
        "commentCount": str(ticket.comment_count),
        "attachmentCount": str(ticket.attachment_count),
        "isEscalated": ticket.is_escalated,
        "isSpam": ticket.is_spam,
        "isTrashed": ticket.is_trashed,
        "isOverDue": ticket.is_overdue,
        "isResponseOverdue": _response_overdue(ticket),
        "productId": None,
        "resolution": ticket.resolution,
        "cf": ticket.cf or {},
        "webUrl": None,
        # Keys ticketResponse / listviewJson require that the sandbox has no data for.
        "channelCode": None,
        "channelRelatedInfo": None,
        "source": {"appName": None, "extId": None, "type": "SYSTEM", "permalink": None, "appPhotoURL": None},
        "sentiment": None,
        "relationshipType": None,
        "lastThread": None,
        "onholdTime": None,
        "lockedTime": None,
        "isArchived": False,
        "isDeleted": False,
        "layoutId": _layout_id(ticket),
        "layoutDetails": {"id": _layout_id(ticket), "layoutName": "Default Ticket Layout"},
        "secondaryContacts": [],
        "sharedDepartments": [],
        "entitySkills": [],
        "approvalCount": "0",
        "taskCount": "0",
        "timeEntryCount": "0",
    }
    if "contacts" in include:
        data["contact"] = ticket_contact_json(ticket)
    if "products" in include:
        data["product"] = None  # the sandbox has no products
    if "assignee" in include:
        data["assignee"] = agent_brief(ticket.assignee)
    if "departments" in include:
        data["department"] = {"id": _id(ticket.department_id), "name": ticket.department.name}
    if "team" in include:
        data["team"] = (
            None
            if ticket.team is None
            else {"id": _id(ticket.team_id), "name": ticket.team.name, "logoUrl": None}
        )
    if "isRead" in include:
        data["isRead"] = True  # best reading: the sandbox keeps no per-agent read state
    if "contract" in include:
        data["contractId"] = None
    if "skills" in include:
        data["skillsInfo"] = []
    if detail is not None:
        data.update({"sentiment": None, "isArchived": False, **detail})
    return data


def _layout_id(ticket: m.Ticket) -> str:
    """Desk keeps ticket layouts per department; the sandbox has one per department and gives it the
    department's id (nothing dereferences it, and it costs no query)."""
    return str(ticket.department_id)


def ticket_contact_json(ticket: m.Ticket) -> dict[str, Any] | None:
    """Ticket.json's contact_json: the requester with its account (id, accountName, website)."""
    contact = ticket.contact
    if contact is None:
        return None
    account = ticket.account
    return {
        "id": _id(contact.pk),
        "firstName": contact.first_name,
        "lastName": contact.last_name,
        "email": contact.email,
        "phone": contact.phone,
        "mobile": contact.mobile,
        "type": contact.type or None,
        "isSpam": contact.is_spam,
        "accountId": _id(contact.account_id),
        "account": None
        if account is None
        else {"id": _id(account.pk), "accountName": account.account_name, "website": account.website or None},
    }


def search_ticket_json(ticket: m.Ticket) -> dict[str, Any]:
    """One item of searchTickets (Search.json searchTicketResponseFields): the ticket with its contact,
    assignee (with emailId and zuid), department, team and product embedded."""
    data = ticket_json(ticket, include={"contacts", "departments", "team", "products", "isRead"})
    assignee = agent_brief(ticket.assignee)
    if assignee is not None:
        assignee.update({"emailId": assignee["email"], "zuid": assignee["id"]})
    data["assignee"] = assignee
    data["lastThread"] = None
    return data


def _response_overdue(ticket: m.Ticket) -> bool:
    """The first response is late: it came after responseDueDate, or has not come and that time passed."""
    if ticket.response_due_date is None:
        return False
    if ticket.first_response_time is not None:
        return ticket.first_response_time > ticket.response_due_date
    return ticket.status_type != "Closed" and timezone.now() > ticket.response_due_date


def _author(thread: m.Thread) -> dict[str, Any]:
    return {
        "id": _id(thread.author_id),
        "name": thread.author_name,
        "email": thread.author_email,
        "type": thread.author_type,
        "photoURL": None,
    }


def thread_json(
    thread: m.Thread,
    *,
    full: bool = False,
    attachments: list[dict] | None = None,
    plain_text: bool = False,
    is_description: bool = False,
) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": _id(thread.pk),
        "ticketId": _id(thread.ticket_id),
        "channel": thread.channel,
        "direction": thread.direction,
        "status": thread.status,
        "summary": thread.summary,
        "fromEmailAddress": thread.from_email,
        "from": thread.from_email,
        "to": thread.to,
        "cc": thread.cc,
        "isForward": thread.is_forward,
        "visibility": thread.visibility,
        "contentType": thread.content_type,
        "hasAttach": thread.attachment_count > 0,
        "attachmentCount": str(thread.attachment_count),
        "author": _author(thread),
        "createdTime": desk_time(thread.created_time),
        # Keys Thread.json's threadKeys require that the sandbox has no data for.
        "isDescriptionThread": is_description,
        "canReply": True,
        "actions": [],
        "aspects": [],
        "keyWords": [],
        "sentiment": None,
        "respondedIn": None,
        "readReceipts": [],
        "lastRatingIconURL": None,
        "impersonatedUser": None,
        "channelRelatedInfo": None,
        "source": {"appName": None, "extId": None, "type": "SYSTEM", "permalink": None, "appPhotoURL": None},
        "responderId": _id(thread.author_id) if thread.direction == m.Thread.Direction.OUT else None,
    }
    if full:
        data.update(
            {
                "subject": thread.subject,
                "bcc": thread.bcc,
                "content": thread.content,
                "replyTo": None,
                "attachments": attachments or [],
                "isContentTruncated": False,
                "fullContentURL": None,
            }
        )
        if plain_text:
            data["plainText"] = plain_text_of(thread.content)
    return data


def comment_json(comment: m.Comment, *, attachments: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """TicketComment.json commentResponse; `attachments` are the files its attachmentIds brought."""
    first, _, last = (comment.commenter_name or "").rpartition(" ")
    return {
        "id": _id(comment.pk),
        "ticketId": _id(comment.ticket_id),
        "content": comment.content,
        "contentType": comment.content_type,
        "isPublic": comment.is_public,
        "commenterId": _id(comment.commenter_id),
        "commenter": {
            "id": _id(comment.commenter_id),
            "name": comment.commenter_name,
            "firstName": first,
            "lastName": last,
            "type": comment.commenter_type,
            "photoURL": None,
        },
        "attachments": attachments or [],
        "encodedContent": html.escape(comment.content or ""),
        "impersonatedUser": None,
        "commentedTime": desk_time(comment.created_time),
        "createdTime": desk_time(comment.created_time),
        "modifiedTime": desk_time(comment.modified_time),
    }


def attachment_json(
    attachment: m.Attachment, *, base_url: str = "", creator: m.Agent | None | bool = False
) -> dict[str, Any]:
    """TicketAttachment.json attachmentResponse; the `href` downloads the file (with the same auth).
    `creator` (an Agent, or None when unknown) adds include=creator's object."""
    href = f"{base_url}{API_PREFIX}/tickets/{attachment.ticket_id}/attachments/{attachment.pk}/content"
    data: dict[str, Any] = {
        "id": _id(attachment.pk),
        "ticketId": _id(attachment.ticket_id),
        "threadId": _id(attachment.thread_id),
        "name": attachment.name,
        "size": str(attachment.size),
        "contentType": attachment.content_type,
        "isPublic": attachment.is_public,
        "creatorId": _id(attachment.creator_id),
        "createdTime": desk_time(attachment.created_time),
        "previewurl": None,
        "href": href,
    }
    if creator is not False:
        data["creator"] = (
            None
            if not isinstance(creator, m.Agent)
            else {
                "id": _id(creator.pk),
                "firstName": creator.first_name,
                "lastName": creator.last_name,
                "email": creator.email,
                "photoURL": None,
            }
        )
    return data


def tag_json(tag: m.TicketTag, *, ticket_count: int | None = None) -> dict[str, Any]:
    """TicketTag.json tagJson; with `ticket_count`, getTicketTagJson (listTicketTags)."""
    data: dict[str, Any] = {"id": _id(tag.pk), "name": tag.name, "tagType": tag.tag_type}
    if ticket_count is not None:
        data["ticketCount"] = str(ticket_count)
    return data


def follower_json(agent: m.Agent) -> dict[str, Any]:
    """TicketFollowers.json followerDetails (the sandbox's followers follow the ticket itself)."""
    return {
        "id": _id(agent.pk),
        "firstName": agent.first_name,
        "lastName": agent.last_name,
        "email": agent.email,
        "photoURL": None,
        "following": "tickets",
    }


def mail_reply_address_json(address: m.MailReplyAddress) -> dict[str, Any]:
    """MailReplyAddress.json fromAddressDetails."""
    return {
        "id": _id(address.pk),
        "address": address.address,
        "displayName": address.display_name,
        "departmentId": _id(address.department_id),
        "serviceProviderType": address.service_provider_type,
        "isSmtpEnabled": False,
        "isDepartmentDefault": address.is_department_default,
        "isActive": address.is_active,
        "isVerified": address.is_verified,
        "createdBy": None,
        "modifiedBy": None,
        "createdTime": desk_time(address.created_time),
        "modifiedTime": desk_time(address.modified_time),
    }


def upload_json(upload: m.Upload, *, base_url: str = "") -> dict[str, Any]:
    """Upload.json uploadFileResponse (the first form: id, name, size, creatorId, createdTime, href)."""
    return {
        "id": _id(upload.pk),
        "name": upload.name,
        "size": str(upload.size),
        "creatorId": _id(upload.creator_id),
        "createdTime": desk_time(upload.created_time),
        "isPublic": False,
        "previewurl": None,
        "href": f"{base_url}{API_PREFIX}/uploads/{upload.pk}/content",
    }


def _hours(policy: m.SlaPolicy, priority: str, key: str) -> float | None:
    target = (policy.targets or {}).get(priority) or {}
    value = target.get(key)
    return None if value is None else float(value)


def _seed_target(policy: m.SlaPolicy, key: str) -> dict[str, float | None]:
    """The seed's single {businessHours, calendarHours} pair, taken from the Medium target."""
    priorities = list((policy.targets or {}).keys())
    priority = "Medium" if "Medium" in priorities else (priorities[0] if priorities else "Medium")
    hours = _hours(policy, priority, key)
    if policy.uses_business_hours:
        return {"businessHours": hours, "calendarHours": None}
    return {"businessHours": None, "calendarHours": hours}


def sla_policy_json(policy: m.SlaPolicy) -> dict[str, Any]:
    return {
        "id": _id(policy.pk),
        "name": policy.name,
        "description": policy.description,
        "departmentId": _id(policy.department_id),
        "isDefault": policy.is_default,
        "isActive": policy.is_active,
        "usesBusinessHours": policy.uses_business_hours,
        "responseTime": _seed_target(policy, "responseHours"),
        "resolutionTime": _seed_target(policy, "resolutionHours"),
        "targets": policy.targets or {},
        "createdTime": desk_time(policy.created_time),
        "modifiedTime": desk_time(policy.modified_time),
    }


def webhook_json(webhook: m.Webhook) -> dict[str, Any]:
    """The real `/webhooks` form. The secret is never echoed back (except once, on create)."""
    return {
        "id": _id(webhook.pk),
        "name": webhook.name,
        "description": webhook.description,
        "url": webhook.url,
        "subscriptions": webhook.subscriptions or {},
        "ignoreSourceId": webhook.ignore_source_id or None,
        "isEnabled": webhook.is_enabled,
        "type": "WEBHOOK",
        "createdBy": _id(webhook.created_by),
        "createdTime": desk_time(webhook.created_time),
        "modifiedTime": desk_time(webhook.modified_time),
    }


def event_json(webhook: m.Webhook) -> dict[str, Any]:
    """The seed's `/events` form."""
    event_type = webhook.event_type
    if not event_type:
        from apps.sandbox.webhooks_out import REAL_TO_SEED

        names = list((webhook.subscriptions or {}).keys())
        event_type = REAL_TO_SEED.get(names[0], names[0]) if names else ""
    return {
        "id": _id(webhook.pk),
        "url": webhook.url,
        "eventType": event_type,
        "actions": list(webhook.actions or []),
        "isActive": webhook.is_enabled,
        "createdTime": desk_time(webhook.created_time),
    }


def plain_text_of(content: str) -> str:
    """HTML reduced to its words (Desk's `include=plainText`)."""
    without_tags = re.sub(r"<(br|/p|/div)\s*/?>", "\n", content or "", flags=re.IGNORECASE)
    without_tags = re.sub(r"<[^>]+>", "", without_tags)
    return html.unescape(without_tags).strip()

"""Ticket forms, by topic like the views: ``queue`` (the filters), ``bulk``, ``saved_views``, ``detail``
(status, priority, assignment), ``conversation`` (comment, reply), ``attachments``, ``edit`` (create, edit);
``common`` holds the stale-guarded base form and Desk's field errors. Every write's input is validated
here before a Desk call is spent on it; every form inherits ``apps.core.forms.BaseForm``."""

"""Ticket pages, by topic: ``queue``, ``detail`` (the page and its field writes), ``conversation`` (reply,
comment), ``attachments``, ``bulk``, ``saved_views`` and ``edit`` (create, edit, trash); ``common`` holds
what they share. Thin: parse with a form, read through a selector, write through a service, render."""

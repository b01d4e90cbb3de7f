"""The full-text index survives the migrations: a later migration that rebuilds tickets_ticket on SQLite
(adding a column with a default does) drops its triggers, and search would quietly find nothing new."""

import pytest
from django.db import connection

pytestmark = pytest.mark.django_db


def test_the_fulltext_index_is_kept_by_the_database():
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'tickets_ticket'"
            )
            triggers = {row[0] for row in cursor.fetchall()}
            assert {
                "tickets_ticket_fts_insert",
                "tickets_ticket_fts_delete",
                "tickets_ticket_fts_update",
            } <= triggers
        else:
            cursor.execute(
                "SELECT 1 FROM information_schema.columns "
                "WHERE table_name = 'tickets_ticket' AND column_name = 'search_vector'"
            )
            assert cursor.fetchone() is not None

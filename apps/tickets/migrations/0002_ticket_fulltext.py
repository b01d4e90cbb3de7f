"""Full-text search over tickets: an FTS5 table kept by triggers on SQLite, a generated tsvector + GIN on PostgreSQL.

Both index the ticket's subject and its ``search_text`` (description, contact name and email,
conversation). ``apps.tickets.selectors.tickets_search`` queries whichever the database has.
"""

from django.db import migrations

SQLITE_FORWARD = [
    "CREATE VIRTUAL TABLE tickets_ticket_fts USING fts5("
    "subject, search_text, content='tickets_ticket', content_rowid='id', "
    "tokenize='unicode61 remove_diacritics 2')",
    "CREATE TRIGGER tickets_ticket_fts_insert AFTER INSERT ON tickets_ticket BEGIN "
    "INSERT INTO tickets_ticket_fts(rowid, subject, search_text) VALUES (new.id, new.subject, new.search_text); END",
    "CREATE TRIGGER tickets_ticket_fts_delete AFTER DELETE ON tickets_ticket BEGIN "
    "INSERT INTO tickets_ticket_fts(tickets_ticket_fts, rowid, subject, search_text) "
    "VALUES ('delete', old.id, old.subject, old.search_text); END",
    "CREATE TRIGGER tickets_ticket_fts_update AFTER UPDATE OF subject, search_text ON tickets_ticket BEGIN "
    "INSERT INTO tickets_ticket_fts(tickets_ticket_fts, rowid, subject, search_text) "
    "VALUES ('delete', old.id, old.subject, old.search_text); "
    "INSERT INTO tickets_ticket_fts(rowid, subject, search_text) VALUES (new.id, new.subject, new.search_text); END",
    "INSERT INTO tickets_ticket_fts(tickets_ticket_fts) VALUES ('rebuild')",
]
SQLITE_BACKWARD = [
    "DROP TRIGGER IF EXISTS tickets_ticket_fts_update",
    "DROP TRIGGER IF EXISTS tickets_ticket_fts_delete",
    "DROP TRIGGER IF EXISTS tickets_ticket_fts_insert",
    "DROP TABLE IF EXISTS tickets_ticket_fts",
]
# Like FTS5's unicode61 tokenizer: split on every non-word character (PostgreSQL's parser would keep
# "grace@navy.example" or "/api/upload" whole) and no stemming ('simple'), so both databases find the same.
POSTGRES_FORWARD = [
    "ALTER TABLE tickets_ticket ADD COLUMN search_vector tsvector GENERATED ALWAYS AS ("
    "setweight(to_tsvector('simple'::regconfig, "
    "regexp_replace(coalesce(subject, ''), '[^[:alnum:]_]+', ' ', 'g')), 'A') || "
    "setweight(to_tsvector('simple'::regconfig, "
    "regexp_replace(coalesce(search_text, ''), '[^[:alnum:]_]+', ' ', 'g')), 'B')) STORED",
    "CREATE INDEX tickets_ticket_search_gin ON tickets_ticket USING GIN (search_vector)",
]
POSTGRES_BACKWARD = [
    "DROP INDEX IF EXISTS tickets_ticket_search_gin",
    "ALTER TABLE tickets_ticket DROP COLUMN IF EXISTS search_vector",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for statement in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("tickets", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_FORWARD, "postgresql": POSTGRES_FORWARD}),
            _run({"sqlite": SQLITE_BACKWARD, "postgresql": POSTGRES_BACKWARD}),
        )
    ]

"""Full-text search over contacts and accounts, as over tickets (apps/tickets/migrations/0002_ticket_fulltext.py):
an FTS5 table kept by triggers on SQLite, a generated tsvector + GIN on PostgreSQL.

Contacts index their names, emails and phone numbers; accounts their name (apart: weight A on PostgreSQL, its
own FTS5 column, so a contact search can look for an account by name alone), email, phone and website.
``apps.customers.selectors.search`` queries whichever the database has.
"""

from django.db import migrations

TABLES = {
    "customers_contact": ("first_name", "last_name", "email", "secondary_email", "phone", "mobile"),
    "customers_account": ("account_name", "email", "phone", "website"),
}


def _sqlite_forward(table: str, columns: tuple[str, ...]) -> list[str]:
    fts = f"{table}_fts"
    names = ", ".join(columns)
    new = ", ".join(f"new.{c}" for c in columns)
    old = ", ".join(f"old.{c}" for c in columns)
    return [
        f"CREATE VIRTUAL TABLE {fts} USING fts5({names}, content='{table}', content_rowid='id', "
        "tokenize='unicode61 remove_diacritics 2')",
        f"CREATE TRIGGER {fts}_insert AFTER INSERT ON {table} BEGIN "
        f"INSERT INTO {fts}(rowid, {names}) VALUES (new.id, {new}); END",
        f"CREATE TRIGGER {fts}_delete AFTER DELETE ON {table} BEGIN "
        f"INSERT INTO {fts}({fts}, rowid, {names}) VALUES ('delete', old.id, {old}); END",
        f"CREATE TRIGGER {fts}_update AFTER UPDATE OF {names} ON {table} BEGIN "
        f"INSERT INTO {fts}({fts}, rowid, {names}) VALUES ('delete', old.id, {old}); "
        f"INSERT INTO {fts}(rowid, {names}) VALUES (new.id, {new}); END",
        f"INSERT INTO {fts}({fts}) VALUES ('rebuild')",
    ]


def _sqlite_backward(table: str, columns: tuple[str, ...]) -> list[str]:
    fts = f"{table}_fts"
    return [
        f"DROP TRIGGER IF EXISTS {fts}_update",
        f"DROP TRIGGER IF EXISTS {fts}_delete",
        f"DROP TRIGGER IF EXISTS {fts}_insert",
        f"DROP TABLE IF EXISTS {fts}",
    ]


def _words(columns: tuple[str, ...] | list[str]) -> str:
    # Like FTS5's unicode61 tokenizer: split on every non-word character, no stemming ('simple'). Only
    # immutable functions (a generated column needs them): || and coalesce, not concat_ws.
    text = " || ' ' || ".join(f"coalesce({column}, '')" for column in columns)
    return f"to_tsvector('simple'::regconfig, regexp_replace({text}, '[^[:alnum:]_]+', ' ', 'g'))"


def _postgres_forward(table: str, columns: tuple[str, ...]) -> list[str]:
    first, *rest = columns
    vector = f"setweight({_words([first])}, 'A') || setweight({_words(rest)}, 'B')"
    return [
        f"ALTER TABLE {table} ADD COLUMN search_vector tsvector GENERATED ALWAYS AS ({vector}) STORED",
        f"CREATE INDEX {table}_search_gin ON {table} USING GIN (search_vector)",
    ]


def _postgres_backward(table: str, columns: tuple[str, ...]) -> list[str]:
    return [f"DROP INDEX IF EXISTS {table}_search_gin", f"ALTER TABLE {table} DROP COLUMN IF EXISTS search_vector"]


STATEMENTS = {
    "sqlite": (_sqlite_forward, _sqlite_backward),
    "postgresql": (_postgres_forward, _postgres_backward),
}


def _run(direction: int):
    def run(apps, schema_editor):
        builders = STATEMENTS.get(schema_editor.connection.vendor)
        if builders is None:
            return  # any other database: the selector falls back to a substring search
        for table, columns in TABLES.items():
            for statement in builders[direction](table, columns):
                schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [("customers", "0003_unknown_create")]

    operations = [migrations.RunPython(_run(0), _run(1))]

"""PostgreSQL backend for the tests only: flushes with DELETE instead of TRUNCATE.

Transactional tests (the live-server ones) empty every table after each test. On PostgreSQL a
TRUNCATE of ~90 tables costs about 0.4 s, mostly file work; a DELETE of the few rows a test made is
far cheaper. Django's foreign keys are DEFERRABLE INITIALLY DEFERRED and the flush runs in one
transaction, so the order of the DELETEs doesn't matter. Everything else is the stock backend.
"""

from django.db.backends.postgresql import base, operations


class DatabaseOperations(operations.DatabaseOperations):
    def sql_flush(self, style, tables, *, reset_sequences=False, allow_cascade=False):
        if not tables or reset_sequences or allow_cascade:
            return super().sql_flush(
                style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade
            )
        return [
            f"{style.SQL_KEYWORD('DELETE FROM')} {style.SQL_FIELD(self.quote_name(table))};"
            for table in tables
        ]


class DatabaseWrapper(base.DatabaseWrapper):
    ops_class = DatabaseOperations

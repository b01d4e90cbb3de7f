"""Full-text search over the contact and account mirror (FTS5 on SQLite, tsvector on PostgreSQL, as the tickets'
search: migration ``customers.0004_fulltext``), one search-box term at a time.

A term matches where its words stand in that order in the record's searched columns, the last word as a
prefix: "ada@lost.ex" finds ada@lost.example, "+1-555" finds +1-555-0100, "quil" finds Quill (a word's start;
the middle of a word is not searched). Any other database searches substrings of the same columns.
"""

from __future__ import annotations

import re
from typing import Any

from django.db import connections
from django.db.models import Q
from django.db.models.expressions import RawSQL

from apps.customers.models import Account, Contact

_WORD = re.compile(r"\w+", re.UNICODE)
# What each model's index holds; the first column alone is the record's name (FTS5 column / weight A).
SEARCHED: dict[type[Any], tuple[str, ...]] = {
    Contact: ("first_name", "last_name", "email", "secondary_email", "phone", "mobile"),
    Account: ("account_name", "email", "phone", "website"),
}
# The index's ids matching one parameter (constant SQL: the search term is only ever a parameter).
FTS5_SQL = {
    Contact: "SELECT rowid FROM customers_contact_fts WHERE customers_contact_fts MATCH %s",
    Account: "SELECT rowid FROM customers_account_fts WHERE customers_account_fts MATCH %s",
}
TSVECTOR_SQL = {
    Contact: "SELECT id FROM customers_contact WHERE search_vector @@ to_tsquery('simple', %s)",
    Account: "SELECT id FROM customers_account WHERE search_vector @@ to_tsquery('simple', %s)",
}


def text_match(model: type[Contact] | type[Account], term: str, *, name_only: bool = False) -> Q:
    """The records of ``model`` one search term finds (in the name alone with ``name_only``)."""
    columns = SEARCHED[model][:1] if name_only else SEARCHED[model]
    words = _WORD.findall(term)
    if not words:
        return Q()
    vendor = connections[model.objects.db].vendor
    if vendor == "sqlite":
        # One quoted phrase (FTS5 syntax in input is inert), its last word a prefix.
        phrase = '"' + " ".join(words) + '"*'
        match = f"{columns[0]} : {phrase}" if name_only else phrase
        return Q(id__in=RawSQL(FTS5_SQL[model], (match,)))  # noqa: S611 (constant SQL, input as parameter)
    if vendor == "postgresql":
        weight = "A" if name_only else ""
        lexemes = [f"{w}:{weight}" if weight else w for w in words[:-1]] + [f"{words[-1]}:*{weight}"]
        query = " <-> ".join(lexemes)
        return Q(id__in=RawSQL(TSVECTOR_SQL[model], (query,)))  # noqa: S611 (constant SQL, input as parameter)
    found = Q()
    for column in columns:
        found |= Q(**{f"{column}__icontains": term})
    return found

"""The database's own full-text search, one backend per dialect: the only dialect-specific
part of search.

Both answer the same two questions about one searched table (a ``Searched``): which rows
match the words, and a snippet of the matching text with each match between ``MARK_START``
and ``MARK_END``.

- **PostgreSQL**: ``to_tsvector('english', …)`` of the searched columns, the expression the
  migration's GIN index is built on (so nothing needs keeping up to date), matched against
  ``websearch_to_tsquery`` of the words as typed, with ``ts_headline``.
- **SQLite**: an FTS5 table ``search_<table>`` per searched table (external content, kept up
  to date by the migration's triggers), matched against a query built here from the words,
  each quoted, so no FTS5 syntax in the words can reach the parser, with FTS5's ``snippet``.
"""

import re
from dataclasses import dataclass

from sqlalchemy import ColumnElement, func, literal, literal_column, table

# Private-use characters around each match in a snippet: nothing typed shows them, so the
# snippet is escaped whole and then they become <mark> (see services.highlighted).
MARK_START, MARK_END = "\ue000", "\ue001"
SNIPPET_WORDS = 24
_ENGLISH = literal_column("'english'::regconfig")
_TERMS = re.compile(r'(-?)"([^"]*)"?|(\S+)')


@dataclass(frozen=True)
class Searched:
    """A table whose text is searched: its model and the searched columns, in order."""

    model: type
    columns: tuple[str, ...]

    @property
    def table(self) -> str:
        return self.model.__tablename__

    def column(self, name: str):
        return getattr(self.model, name)


def backend_for(dialect: str):
    """The search backend of a database dialect's name."""
    return PostgresSearch() if dialect == "postgresql" else SqliteSearch()


def _is_word(text: str) -> bool:
    return any(character.isalnum() for character in text)


def fts5_query(words: str) -> str:
    """An FTS5 query of ``words``, read as ``websearch_to_tsquery`` reads them: quoted
    phrases, ``-`` before a term to leave it out, ``or`` between terms; every term is
    quoted, so parentheses, ``*``, ``:``, ``NEAR`` and the like are only words. Terms
    without a letter or digit are dropped. Empty if nothing is left to look for."""
    wanted, unwanted = [], []
    for negated, phrase, word in _TERMS.findall(words):
        term = phrase if phrase or not word else word
        if word.startswith("-") and len(word) > 1:
            negated, term = "-", word[1:]
        if word.lower() == "or":
            if wanted and wanted[-1] != "OR":
                wanted.append("OR")
            continue
        if not _is_word(term):
            continue
        quoted = '"' + term.replace('"', '""') + '"'
        (unwanted if negated else wanted).append(quoted)
    while wanted and wanted[-1] == "OR":
        wanted.pop()
    if not wanted:
        return ""
    return " ".join(wanted) + "".join(f" NOT {term}" for term in unwanted)


def wanted_terms(words: str) -> bool:
    """Whether ``words`` hold anything to look for: a word or phrase not left out. Only
    terms to leave out would match nearly everything on PostgreSQL and nothing on SQLite,
    so such a search finds nothing on either."""
    return bool(fts5_query(words))


class PostgresSearch:
    """Full-text search by tsvector expressions and their GIN indexes."""

    def query(self, words: str) -> ColumnElement:
        """The tsquery of ``words``, read as web search engines read them: ``"a phrase"``,
        ``-without``, ``or``; anything else is a word."""
        return func.websearch_to_tsquery(_ENGLISH, literal(words))

    def _document(self, searched: Searched) -> ColumnElement:
        text = searched.column(searched.columns[0])
        for name in searched.columns[1:]:
            text = text.op("||")(literal_column("' '")).op("||")(searched.column(name))
        return text

    def matching(self, searched: Searched, words: str) -> tuple[list, ColumnElement]:
        """(tables to join, the condition that a row matches ``words``)."""
        vector = func.to_tsvector(_ENGLISH, self._document(searched))
        return [], vector.op("@@")(self.query(words))

    def snippet(self, searched: Searched, words: str) -> tuple[list, ColumnElement, ColumnElement]:
        """(tables to join, a condition, the snippet) for the rows of a page of results."""
        options = (
            f"StartSel={MARK_START}, StopSel={MARK_END}, MaxWords={SNIPPET_WORDS}, "
            'MinWords=8, MaxFragments=2, FragmentDelimiter=" … "'
        )
        headline = func.ts_headline(
            _ENGLISH, self._document(searched), self.query(words), literal(options)
        )
        return [], literal(True), headline


class SqliteSearch:
    """Full-text search by FTS5 tables, ``search_<table>``."""

    def query(self, words: str) -> str:
        """The FTS5 query of ``words`` (see ``fts5_query``)."""
        return fts5_query(words)

    def _index(self, searched: Searched):
        return table(f"search_{searched.table}", literal_column("rowid"))

    def _joined(self, searched: Searched, words: str):
        index = self._index(searched)
        name = literal_column(index.name)
        join = (index, index.c.rowid == searched.column("id"))
        return join, name, name.op("MATCH")(literal(self.query(words)))

    def matching(self, searched: Searched, words: str) -> tuple[list, ColumnElement]:
        """(tables to join, the condition that a row matches ``words``)."""
        join, _name, condition = self._joined(searched, words)
        return [join], condition

    def snippet(self, searched: Searched, words: str) -> tuple[list, ColumnElement, ColumnElement]:
        """(tables to join, a condition, the snippet) for the rows of a page of results:
        FTS5 draws snippets only for rows its MATCH found."""
        join, name, condition = self._joined(searched, words)
        snippet = func.snippet(name, -1, MARK_START, MARK_END, "…", SNIPPET_WORDS // 2)
        return [join], condition, snippet


def not_search_schema(name: str | None, kind: str, parent_names) -> bool:
    """Alembic's ``include_name``: leave out of schema comparisons what belongs to search
    rather than to the models (the FTS5 tables and their shadow tables, the tsvector
    indexes), which the models don't declare."""
    return not (name or "").startswith(("search_", "ix_search_"))

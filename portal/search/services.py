"""Search: the projects, drafts, threads and comments a person may see whose text matches.

Two statements for any page, whatever the data: the page of matches (every searched table
at once, scoped by ``portal.access`` in SQL), then the
titles, places and snippets of just those rows. Deleted comments are never found; an edited
comment is found by its text as it is now.
"""

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime

from flask import url_for
from markupsafe import Markup, escape
from sqlalchemy import Boolean, Integer, String, cast, literal, null, select, union_all

from portal import access
from portal.errors import InvalidInput
from portal.extensions import db
from portal.models import Client, Comment, Draft, Project, Thread, User, attributed_name_of
from portal.paging import PageLinks
from portal.search.backends import MARK_END, MARK_START, Searched, backend_for, wanted_terms
from portal.urls import ThreadRef, thread_location

MAX_QUERY_LENGTH = 200
PER_PAGE = 20

SEARCHED = {
    "project": Searched(Project, ("name", "brief", "goals")),
    "draft": Searched(Draft, ("title",)),
    "thread": Searched(Thread, ("title",)),
    "comment": Searched(Comment, ("body",)),
}
KIND_LABELS = {"project": "Project", "draft": "Draft", "thread": "Thread", "comment": "Comment"}


@dataclass(frozen=True)
class Result:
    """One thing found: what it is, where it lives, and the matching text."""

    kind: str
    title: str
    snippet: Markup
    url: str
    client_name: str
    author_name: str | None
    created_at: datetime
    # A staff-only note or thread (only staff ever find one).
    staff_only: bool

    @property
    def kind_label(self) -> str:
        return KIND_LABELS[self.kind]


@dataclass(frozen=True)
class ResultPage(PageLinks):
    """One page of results; pages are counted no further than the next."""

    words: str
    results: list[Result]
    page: int
    has_next: bool
    # The pagination macro shows "of N" only when the number of pages is known.
    pages = None


def clean_words(raw: str | None) -> str:
    """What was typed, as searched: control and format characters (NUL, bidi overrides)
    turned into spaces, runs of spaces into one. Raises ``InvalidInput`` past
    ``MAX_QUERY_LENGTH`` characters."""
    raw = raw or ""
    too_long = InvalidInput(f"Search for at most {MAX_QUERY_LENGTH} characters.", field="q")
    # Refused unread past four times the limit, runs of spaces that would collapse included.
    if len(raw) > 4 * MAX_QUERY_LENGTH:
        raise too_long
    text = "".join(
        " " if unicodedata.category(character) in ("Cc", "Cf") else character for character in raw
    )
    words = re.sub(r"\s+", " ", text).strip()
    if len(words) > MAX_QUERY_LENGTH:
        raise too_long
    return words


def search(user: User, raw_words: str | None, page: int = 1) -> ResultPage:
    """Page ``page`` of what ``user`` may see matching ``raw_words``: projects, drafts and
    threads, then comments, newest first. Nothing (and no SQL) when there is no word to
    look for. Raises ``InvalidInput`` for a search too long."""
    words = clean_words(raw_words)
    if not wanted_terms(words):
        return ResultPage(words, [], 1, False)
    backend = backend_for(db.engine.dialect.name)
    found = db.session.execute(
        _ordered(user, backend, words).limit(PER_PAGE + 1).offset((page - 1) * PER_PAGE)
    ).all()
    on_page = found[:PER_PAGE]
    details = _details(backend, words, on_page)
    # In the first statement's order; a row deleted in between is left out.
    results = [details[(row.kind, row.id)] for row in on_page if (row.kind, row.id) in details]
    return ResultPage(words, results, page, len(found) > PER_PAGE)


def _scopes(user: User) -> dict:
    # The rows each kind may be found in: the access module's lists, with their rules on
    # clients and on staff-only threads and notes, and no deleted comment.
    return {
        "project": access.visible_projects(user),
        "draft": access.visible_drafts(user),
        "thread": access.visible_threads(user),
        "comment": access.visible_comments(user).where(Comment.deleted_at.is_(None)),
    }


def _ordered(user: User, backend, words: str):
    # Things named by the words first (projects, drafts, threads: few, and most often what
    # is looked for), then comments; newest first within each. A relevance score would be
    # worked out for every match before the first page: on PostgreSQL, ts_rank parses each
    # matching text again (70 ms for 2,000 matches here), where this order reads only the
    # matching rows' times.
    parts = []
    for place, (kind, scope) in enumerate(_scopes(user).items()):
        searched = SEARCHED[kind]
        joins, matches = backend.matching(searched, words)
        part = scope.with_only_columns(
            literal(place).label("place"),
            literal(kind).label("kind"),
            searched.model.id.label("id"),
            searched.model.created_at.label("created_at"),
        ).where(matches)
        for target, on in joins:
            part = part.join(target, on)
        parts.append(part)
    matched = union_all(*parts).subquery("matched")
    return select(matched.c.kind, matched.c.id).order_by(
        matched.c.place, matched.c.created_at.desc(), matched.c.id.desc()
    )


def _details(backend, words: str, on_page) -> dict:
    """(kind, id) → Result for the rows of a page, in one statement."""
    ids = {kind: [row.id for row in on_page if row.kind == kind] for kind in SEARCHED}
    no_int, no_text = cast(null(), Integer), cast(null(), String)
    author = attributed_name_of(User).label("author_name")
    shapes = {
        "project": (Project.name, no_int, no_text, no_int, no_text, literal(False)),
        "draft": (Draft.title, no_int, no_text, Draft.id, no_text, literal(False)),
        "thread": (Thread.title, Thread.id, Thread.kind, Thread.draft_id, no_text,
                   Thread.internal),
        "comment": (Thread.title, Thread.id, Thread.kind, Thread.draft_id, author,
                    Comment.internal | Thread.internal),
    }  # fmt: skip
    parts = []
    for kind, (title, thread_id, thread_kind, draft_id, author_name, staff_only) in shapes.items():
        searched = SEARCHED[kind]
        model = searched.model
        joins, condition, snippet = backend.snippet(searched, words)
        part = select(
            literal(kind).label("kind"),
            model.id.label("id"),
            title.label("title"),
            snippet.label("snippet"),
            Client.slug.label("slug"),
            Client.name.label("client_name"),
            thread_id.label("thread_id"),
            thread_kind.label("thread_kind"),
            draft_id.label("draft_id"),
            author_name.label("author_name"),
            model.created_at.label("created_at"),
            cast(staff_only, Boolean).label("staff_only"),
        ).join(Client, Client.id == model.client_id)
        if kind == "comment":
            part = part.join(Thread, Thread.id == Comment.thread_id).join(
                User, User.id == Comment.author_id
            )
        for target, on in joins:
            part = part.join(target, on)
        parts.append(part.where(model.id.in_(ids[kind]), condition))
    rows = db.session.execute(union_all(*parts)).all()
    return {(row.kind, row.id): _result(row) for row in rows}


def _result(row) -> Result:
    return Result(
        kind=row.kind,
        title=row.title,
        snippet=highlighted(row.snippet or ""),
        url=_url(row),
        client_name=row.client_name,
        author_name=row.author_name,
        created_at=row.created_at,
        staff_only=bool(row.staff_only),
    )


def _url(row) -> str:
    if row.kind == "project":
        return url_for("clients.project", slug=row.slug, project_id=row.id)
    if row.kind == "draft":
        return url_for("drafts.show", slug=row.slug, draft_id=row.id)
    thread = ThreadRef(id=row.thread_id, kind=row.thread_kind, draft_id=row.draft_id)
    if row.kind == "thread":
        endpoint, values = thread_location(thread, row.slug)
        return url_for(endpoint, **values)
    # The page of the thread that ends at the comment, scrolled to it.
    endpoint, values = thread_location(thread, row.slug, row.id)
    return url_for(endpoint, **values, comment=row.id)


_MARKS = re.compile(f"([{MARK_START}{MARK_END}])")


def highlighted(snippet: str) -> Markup:
    """``snippet`` escaped, with each match between the backends' marks in ``<mark>``: the
    marks balanced whatever the text held."""
    html, marking = [], False
    for part in _MARKS.split(snippet):
        if part in (MARK_START, MARK_END):
            if marking != (part == MARK_START):
                html.append("<mark>" if part == MARK_START else "</mark>")
                marking = not marking
        else:
            html.append(str(escape(part)))
    if marking:
        html.append("</mark>")
    return Markup("".join(html))

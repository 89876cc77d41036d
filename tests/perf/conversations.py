"""What the seeded agency's people say and decide: versions, comments with their anchors,
mentions and read marks, decisions, feedback checklists and the activity log.

Comment times spread over each thread's life, and ids are given by time afterwards, so the
app's "newer id is later" holds. The texts come from pools rendered once by the app's own
Markdown renderer (``tests.perf.content``).
"""

from bisect import bisect_right
from datetime import datetime, timedelta
from functools import cached_property
from itertools import pairwise

from portal.models import (
    Comment,
    Decision,
    Draft,
    DraftKind,
    Event,
    FeedbackItem,
    FeedbackStatus,
    FollowLevel,
    Mention,
    Subscription,
    ThreadKind,
    User,
    UserKind,
    Verdict,
    Version,
)

# Newer schemas keep each client comment's answer on the comment (portal.threads.answers).
KEEPS_ANSWERS = "answered_by_id" in Comment.__table__.c


class Conversations:
    """The half of ``tests.perf.agency.Agency`` that fills its threads."""

    def _versions(self, meta, times: list[datetime]) -> list[dict]:
        """The versions of a draft, the first when its thread starts, later ones spread over
        its comments (long threads go through more versions)."""
        rng, draft = self.rng, meta["draft"]
        opened = (
            times[0] - timedelta(hours=1)
            if times
            else self.when(self.start, self.now - timedelta(days=1))
        )
        draft["created_at"] = opened - timedelta(hours=rng.randint(1, 48))
        if not times and rng.random() < 0.1:
            return []  # still in progress
        how_many = 1 + min(7, len(times) // 150 + (rng.random() < 0.5) + (rng.random() < 0.2))
        if times:
            later = [
                times[len(times) * k // how_many] - timedelta(minutes=1) for k in range(1, how_many)
            ]
        else:
            later = [opened + (self.now - opened) * k / how_many for k in range(1, how_many)]
        moments = [opened, *later]
        versions = []
        for number, moment in enumerate(sorted(moments), start=1):
            values = {
                "body": None,
                "file_hash": None,
                "original_name": None,
                "mime_type": None,
                "size": None,
                "width": None,
                "height": None,
                "page_count": None,
                "processed_at": None,
                "thumbnail_hash": None,
            }
            if draft["kind"] == DraftKind.COPY:
                values["body"] = self.bodies[rng.randrange(len(self.bodies))]
            else:
                stored = self.files[draft["kind"]]
                values.update(
                    stored,
                    original_name=f"{draft['title']} v{number}.{stored['ext']}",
                    processed_at=moment + timedelta(minutes=1),
                )
                values.pop("ext")
            versions.append(
                self.add(
                    Version,
                    draft_id=draft["id"],
                    client_id=draft["client_id"],
                    number=number,
                    note="" if number == 1 else "Changes as discussed.",
                    processing_error=None,
                    author_id=draft["maker_id"],
                    created_at=moment,
                    **values,
                )
            )
        return versions

    def _anchor(self, kind: str, version: dict) -> dict:
        rng = self.rng
        if kind == DraftKind.COPY:
            body = version["body"]
            start = rng.randrange(0, max(1, len(body) - 80))
            end = start + rng.randint(8, 60)
            return {"type": "passage", "start": start, "end": end, "quote": body[start:end]}
        if kind == DraftKind.IMAGE:
            return {"type": "point", "x": round(rng.random(), 4), "y": round(rng.random(), 4)}
        return {"type": "page", "page": rng.randint(1, version["page_count"] or 1)}

    def _comments(self) -> None:
        """Every thread's comments in time order; ids are given globally by time afterwards."""
        rng, now = self.rng, self.now
        texts, pending = self.texts, []
        self.versions_of: dict[int, list[dict]] = {}
        handles = {u["id"]: u["email"].split("@")[0] for u in self.rows[User]}
        for meta, size in zip(self.thread_meta, self.sizes, strict=True):
            thread, draft = meta["thread"], meta["draft"]
            opened = self.when(self.start, now - timedelta(hours=6))
            span = (now - opened).total_seconds() * rng.uniform(0.3, 1.0)
            times = sorted(opened + timedelta(seconds=rng.random() * span) for _ in range(size))
            versions = self._versions(meta, times) if draft is not None else []
            if draft is not None:
                self.versions_of[draft["id"]] = versions
            version_times = [v["created_at"] for v in versions]
            thread["created_at"] = times[0] - timedelta(minutes=1) if times else opened
            thread["created_by_id"] = (
                (meta["clients"] or meta["staff"])[0]
                if thread["kind"] == ThreadKind.DIRECT
                else meta["staff"][0]
            )
            thread["last_comment_at"] = times[-1] if times else None
            staff, clients = meta["staff"], meta["clients"]
            side, last_client = (
                ("client" if clients and thread["kind"] == ThreadKind.DIRECT else "staff"),
                None,
            )
            for moment in times:
                version = versions[bisect_right(version_times, moment) - 1] if versions else None
                author = rng.choice(staff if side == "staff" or not clients else clients)
                comment = {
                    "thread": thread,
                    "client_id": thread["client_id"],
                    "author_id": author,
                    "created_at": moment,
                    "internal": thread["internal"],
                    "mentions": [],
                    "version": version,
                    "anchor": None,
                    "reply_to": None,
                    "resolved": None,
                }
                if side == "client":
                    source, html = rng.choice(texts.client)
                    if rng.random() < 0.08:
                        target = rng.choice(staff)
                        comment["mentions"].append(target)
                        source, html = texts.with_mention(source, handles[target])
                    if version is not None and rng.random() < 0.35:
                        comment["anchor"] = self._anchor(draft["kind"], version)
                        if version is not versions[-1] and rng.random() < 0.7:
                            comment["resolved"] = (
                                draft["maker_id"],
                                versions[version["number"]]["created_at"],
                            )
                    elif rng.random() < 0.04:
                        comment["resolved"] = (rng.choice(staff), moment + timedelta(hours=2))
                    last_client = comment
                else:
                    internal = thread["internal"] or rng.random() < 0.08
                    comment["internal"] = internal
                    source, html = rng.choice(texts.notes if internal else texts.staff)
                    pool = [s for s in staff if s != author] if internal else clients
                    if pool and rng.random() < 0.06:
                        target = rng.choice(pool)
                        comment["mentions"].append(target)
                        source, html = texts.with_mention(source, handles[target])
                    if last_client is not None and not internal and rng.random() < 0.2:
                        comment["reply_to"] = last_client
                comment["body"], comment["body_html"] = source, html
                pending.append(comment)
                if side == "client":
                    side = "staff" if rng.random() < 0.8 else "client"
                else:
                    side = "client" if clients and rng.random() < 0.6 else "staff"
        pending.sort(key=lambda c: c["created_at"])
        for comment_id, comment in enumerate(pending, start=1):
            comment["id"] = comment_id
        self.comments = pending
        self._comment_rows()

    def _comment_rows(self) -> None:
        rng, comments, mention_rows = self.rng, self.rows[Comment], self.rows[Mention]
        for c in self.comments:
            edited = deleted = None
            revision = 1
            roll = rng.random()
            if roll < 0.03:
                edited, revision = c["created_at"] + timedelta(minutes=5), 2
            elif roll < 0.04:
                deleted, revision = c["created_at"] + timedelta(minutes=10), 2
            resolved_by, resolved_at = c["resolved"] or (None, None)
            if resolved_at is not None and resolved_at > self.now:
                resolved_at = self.now
            comments.append(
                {
                    "id": c["id"],
                    "thread_id": c["thread"]["id"],
                    "client_id": c["client_id"],
                    "author_id": c["author_id"],
                    "body": c["body"],
                    "body_html": c["body_html"],
                    "internal": c["internal"],
                    "version_id": c["version"]["id"] if c["version"] is not None else None,
                    "anchor": c["anchor"],
                    "reply_to_id": c["reply_to"]["id"] if c["reply_to"] is not None else None,
                    "revision": revision,
                    "created_at": c["created_at"],
                    "edited_at": edited,
                    "deleted_at": deleted,
                    "resolved_at": resolved_at,
                    "resolved_by_id": resolved_by,
                    "promoted_at": None,
                }
            )
            for user_id in c["mentions"]:
                mention_rows.append(
                    {"id": len(mention_rows) + 1, "comment_id": c["id"], "user_id": user_id}
                )
        if KEEPS_ANSWERS:
            self._answers()

    def _answers(self) -> None:
        """What ``portal.threads.answers`` keeps on each comment: whether a client wrote it
        and, on a client comment, its first later client-visible, undeleted staff comment.

        The answers point forward, so they are applied after the insert (``answer_updates``):
        a foreign key checked row by row would refuse them in the insert itself.
        """
        clients, next_answer = self.client_user_ids, {}
        self.answer_updates = []
        for row in reversed(self.rows[Comment]):
            thread_id, from_client = row["thread_id"], row["author_id"] in clients
            row["from_client"], row["answered_by_id"] = from_client, None
            if from_client and thread_id in next_answer:
                self.answer_updates.append(
                    {"id": row["id"], "answered_by_id": next_answer[thread_id]}
                )
            elif not from_client and not row["internal"] and row["deleted_at"] is None:
                next_answer[thread_id] = row["id"]
        self.answer_updates.reverse()

    # ---- read marks, decisions, the log ----------------------------------------------------

    def _subscriptions(self) -> None:
        """Who follows each thread (authors, the mentioned, the addressed) and how far each
        has read: staff mostly to the end, clients of quiet accounts less so."""
        rng = self.rng
        by_thread: dict[int, list[dict]] = {}
        for c in self.comments:
            by_thread.setdefault(c["thread"]["id"], []).append(c)
        is_staff = {u["id"]: u["kind"] == UserKind.STAFF for u in self.rows[User]}
        for meta in self.thread_meta:
            thread = meta["thread"]
            comments = by_thread.get(thread["id"], [])
            followers = list(meta["participants"])
            for c in comments:
                followers.append(c["author_id"])
                followers.extend(c["mentions"])
            for user_id in dict.fromkeys(followers):
                own = [i for i, c in enumerate(comments) if c["author_id"] == user_id]
                read_all = rng.random() < (0.85 if is_staff[user_id] else 0.55)
                if not comments:
                    last_read = 0
                else:
                    position = (
                        len(comments) - 1
                        if read_all
                        else len(comments) - 1 - int(rng.expovariate(1 / 6))
                    )
                    position = max(position, own[-1] if own else -1)
                    last_read = comments[position]["id"] if position >= 0 else 0
                level = rng.choices(
                    [FollowLevel.WATCHING, FollowLevel.MENTIONS, FollowLevel.MUTED], [93, 5, 2]
                )[0]
                # Steady state: the notification sweep has e-mailed everything due so far.
                emailed = max(last_read, comments[-1]["id"]) if comments else 0
                self.add(
                    Subscription,
                    thread_id=thread["id"],
                    user_id=user_id,
                    level=str(level),
                    last_read_comment_id=last_read,
                    last_emailed_comment_id=emailed,
                )

    def _decisions_and_feedback(self) -> None:
        rng = self.rng
        anchored_by_version: dict[int, list[dict]] = {}
        for c in self.comments:
            if (
                c["anchor"] is not None
                and c["version"] is not None
                and c["author_id"] in self.client_user_ids
            ):
                anchored_by_version.setdefault(c["version"]["id"], []).append(c)
        for meta in self.thread_meta:
            draft = meta["draft"]
            if draft is None or not self.versions_of.get(draft["id"]):
                continue
            versions = self.versions_of[draft["id"]]
            reviewers = self.client_people[draft["client_id"]]
            for earlier, later in pairwise(versions):
                if rng.random() < 0.6:
                    moment = later["created_at"] - timedelta(hours=rng.randint(1, 24))
                    self._decision(
                        draft,
                        earlier,
                        rng.choice(reviewers),
                        Verdict.CHANGES_REQUESTED,
                        max(moment, earlier["created_at"]),
                    )
                for c in anchored_by_version.get(earlier["id"], []):
                    status = FeedbackStatus.ADDRESSED if c["resolved"] else FeedbackStatus.OPEN
                    self.add(
                        FeedbackItem,
                        version_id=later["id"],
                        comment_id=c["id"],
                        status=str(status),
                        reason="",
                    )
            latest, roll = versions[-1], rng.random()
            if roll < 0.6:
                verdict = Verdict.APPROVED if roll < 0.4 else Verdict.CHANGES_REQUESTED
                for reviewer in rng.sample(reviewers, min(len(reviewers), rng.randint(1, 2))):
                    moment = self.when(
                        latest["created_at"],
                        min(self.now, latest["created_at"] + timedelta(days=5)),
                    )
                    self._decision(draft, latest, reviewer, verdict, moment)

    def _decision(self, draft, version, user_id, verdict, moment) -> None:
        note = "" if verdict == Verdict.APPROVED else "Please see my comments on the passages."
        decision = self.add(
            Decision,
            version_id=version["id"],
            draft_id=draft["id"],
            user_id=user_id,
            verdict=str(verdict),
            note=note,
            created_at=moment,
            superseded_at=None,
        )
        self.decisions.append(decision)

    @cached_property
    def client_user_ids(self) -> set[int]:
        return {u["id"] for u in self.rows[User] if u["kind"] == UserKind.CLIENT}

    def _events(self) -> None:
        events = self.rows[Event]

        def log(verb, actor, subject_type, subject_id, client_id, visible, moment, **data):
            events.append(
                {
                    "actor_id": actor,
                    "verb": verb,
                    "subject_type": subject_type,
                    "subject_id": subject_id,
                    "client_id": client_id,
                    "client_visible": visible,
                    "data": data,
                    "created_at": moment,
                }
            )

        for draft in self.rows[Draft]:
            log(
                "draft_created",
                draft["maker_id"],
                "drafts",
                draft["id"],
                draft["client_id"],
                True,
                draft["created_at"],
                title=draft["title"],
            )
        for version in self.rows[Version]:
            log(
                "version_added",
                version["author_id"],
                "versions",
                version["id"],
                version["client_id"],
                True,
                version["created_at"],
                draft_id=version["draft_id"],
                number=version["number"],
            )
        numbers = {v["id"]: v["number"] for v in self.rows[Version]}
        client_of = {d["id"]: d["client_id"] for d in self.rows[Draft]}
        for d in self.decisions:
            log(
                "decision_made",
                d["user_id"],
                "decisions",
                d["id"],
                client_of[d["draft_id"]],
                True,
                d["created_at"],
                draft_id=d["draft_id"],
                version=numbers[d["version_id"]],
                verdict=d["verdict"],
            )
        for c in self.comments:
            log(
                "comment_posted",
                c["author_id"],
                "comments",
                c["id"],
                c["client_id"],
                not c["internal"],
                c["created_at"],
                thread_id=c["thread"]["id"],
            )
        events.sort(key=lambda e: e["created_at"])
        for event_id, event in enumerate(events, start=1):
            event["id"] = event_id

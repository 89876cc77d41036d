"""The seeded agency's rows, as lists of dicts per model with explicit ids: its clients,
people, account teams, projects, drafts and threads, and how long each thread is.

The skew is what a real agency has: a few busy clients and a long tail of quiet ones
(Zipf-like weights), most threads short (log-normal sizes) and a tail of very long ones.
What is said in the threads is ``tests.perf.conversations``.
"""

import math
import random
from datetime import datetime, timedelta

from portal.models import (
    Assignment,
    Client,
    ClientRole,
    Comment,
    Decision,
    Draft,
    DraftKind,
    EmailFrequency,
    EmailMessage,
    EmailStatus,
    Event,
    FeedbackItem,
    Mention,
    Project,
    Pulse,
    PulseRating,
    StaffRole,
    Subscription,
    Thread,
    ThreadKind,
    ThreadParticipant,
    User,
    UserKind,
    Version,
)
from tests.perf.content import (
    DRAFT_KINDS_OF_WORK,
    PROJECT_KINDS,
    CommentTexts,
    company_name,
    copy_body,
    person_name,
)
from tests.perf.conversations import Conversations

HISTORY_DAYS = 90
BASE_COUNTS = {
    "clients": 50,
    "users": 500,
    "projects": 250,
    "drafts": 5000,
    "comments": 200_000,
    "big_threads": 50,
    "emails": 30_000,
}
BIG_THREAD_MIN = 500
# Insert order: parents before children (SQLite enforces foreign keys here).
TABLES = (
    Client,
    User,
    Assignment,
    Project,
    Draft,
    Version,
    Thread,
    ThreadParticipant,
    Comment,
    Mention,
    Subscription,
    Decision,
    FeedbackItem,
    Event,
    Pulse,
    EmailMessage,
)
TIMEZONES = ("UTC", "Europe/London", "Europe/Berlin", "America/New_York")


def counts_for(scale: float) -> dict[str, int]:
    """How many of each thing the agency has at ``scale`` (never fewer than a usable few)."""
    minimum = {
        "clients": 3,
        "users": 30,
        "projects": 3,
        "drafts": 12,
        "comments": 600,
        "big_threads": 1,
        "emails": 50,
    }
    return {key: max(minimum[key], round(value * scale)) for key, value in BASE_COUNTS.items()}


def spread(total: int, weights: list[float], minimum: int = 0) -> list[int]:
    """``total`` split in proportion to ``weights``, each at least ``minimum`` (largest
    remainder, so the parts add up exactly)."""
    rest = total - minimum * len(weights)
    if rest < 0:
        raise ValueError("too few to give every part its minimum")
    scale = rest / sum(weights)
    shares = [w * scale for w in weights]
    parts = [math.floor(s) for s in shares]
    by_remainder = sorted(range(len(weights)), key=lambda i: shares[i] - parts[i], reverse=True)
    for i in by_remainder[: rest - sum(parts)]:
        parts[i] += 1
    return [minimum + p for p in parts]


class Agency(Conversations):
    """The rows of the seeded agency, as lists of dicts per model, with explicit ids."""

    def __init__(self, scale: float, seed: int, now: datetime, password_hash: str, files: dict):
        self.rng = random.Random(seed)
        self.now = now
        self.start = now - timedelta(days=HISTORY_DAYS)
        self.counts = counts_for(scale)
        self.password_hash = password_hash
        self.files = files
        self.rows: dict[type, list[dict]] = {model: [] for model in TABLES}
        self.texts = CommentTexts(self.rng)
        self.bodies = [copy_body(self.rng, self.rng.randint(3, 6)) for _ in range(200)]
        self.decisions: list[dict] = []
        # Comments' answers to set after the insert (see Conversations._answers).
        self.answer_updates: list[dict] = []

    def add(self, model, **values) -> dict:
        rows = self.rows[model]
        values["id"] = len(rows) + 1
        rows.append(values)
        return values

    def when(self, low: datetime, high: datetime) -> datetime:
        """A moment between ``low`` and ``high``, to the second."""
        seconds = max(0, int((high - low).total_seconds()))
        return low + timedelta(seconds=self.rng.randint(0, seconds))

    # ---- people and accounts -------------------------------------------------------------

    def build(self) -> None:
        self._clients()
        self._staff()
        self._client_users()
        self._teams()
        self._projects()
        self._drafts_and_threads()
        self._comment_sizes()
        self._comments()
        self._subscriptions()
        self._decisions_and_feedback()
        self._events()
        self._pulses()
        self._outbox()

    def _clients(self) -> None:
        n = self.counts["clients"]
        # Zipf-like: client 0 is the busiest, the tail is quiet.
        self.client_weights = [1 / (i + 1) ** 0.9 for i in range(n)]
        for i in range(n):
            name = company_name(self.rng, i)
            self.add(
                Client,
                name=f"{name} {i + 1}",
                slug=f"client-{i + 1}",
                created_at=self.start - timedelta(days=self.rng.randint(30, 400)),
                archived_at=None,
            )

    def _user(self, *, kind, role, client_id, handle) -> dict:
        rng = self.rng
        frequency = rng.choices(
            [
                EmailFrequency.DAILY,
                EmailFrequency.WEEKLY,
                EmailFrequency.IMMEDIATE,
                EmailFrequency.OFF,
            ],
            weights=[60, 15, 15, 10],
        )[0]
        domain = "agency.example" if kind == UserKind.STAFF else f"client-{client_id}.example"
        return self.add(
            User,
            email=f"{handle}@{domain}",
            handle=handle,
            name=person_name(rng),
            password_hash=self.password_hash,
            kind=kind,
            role=role,
            client_id=client_id,
            timezone=rng.choice(TIMEZONES),
            active=True,
            session_version=1,
            created_at=self.start - timedelta(days=rng.randint(1, 300)),
            last_seen_at=self.when(self.now - timedelta(days=7), self.now),
            email_frequency=str(frequency),
            digest_hour=8,
            digest_weekday=rng.randint(0, 4),
            quiet_from=None,
            quiet_until=None,
        )

    def _staff(self) -> None:
        n_clients = self.counts["clients"]
        staff = max(8, round(self.counts["users"] * 0.16))
        roles = [StaffRole.ADMIN] * max(1, round(staff * 0.03))
        roles += [StaffRole.ACCOUNT_MANAGER] * max(1, math.ceil(n_clients / 4))
        roles += [StaffRole.CLIENT_SERVICES] * max(1, round(staff * 0.08))
        makers = staff - len(roles)
        roles += [StaffRole.COPYWRITER] * math.ceil(makers * 0.4)
        roles += [StaffRole.CREATIVE] * math.ceil(makers * 0.4)
        roles += [StaffRole.STRATEGIST] * max(0, staff - len(roles))
        self.staff_by_role: dict[str, list[int]] = {}
        for n, role in enumerate(roles, start=1):
            user = self._user(
                kind=UserKind.STAFF,
                role=str(role),
                client_id=None,
                handle=f"{role.replace('_', '-')}-{n}",
            )
            self.staff_by_role.setdefault(str(role), []).append(user["id"])

    def _client_users(self) -> None:
        staff = len(self.rows[User])
        clients = self.rows[Client]
        per_client = spread(self.counts["users"] - staff, [w**0.5 for w in self.client_weights], 2)
        self.client_people: dict[int, list[int]] = {}
        for client, how_many in zip(clients, per_client, strict=True):
            people = []
            for n in range(how_many):
                role = ClientRole.ADMIN if n == 0 else ClientRole.MEMBER
                user = self._user(
                    kind=UserKind.CLIENT,
                    role=str(role),
                    client_id=client["id"],
                    handle=f"reviewer-{client['id']}-{n + 1}",
                )
                people.append(user["id"])
            self.client_people[client["id"]] = people

    def _teams(self) -> None:
        rng, roles = self.rng, self.staff_by_role
        self.team: dict[int, dict[str, list[int]]] = {}
        for i, client in enumerate(self.rows[Client]):
            busy = self.client_weights[i] / self.client_weights[0]
            team = {
                str(StaffRole.ACCOUNT_MANAGER): [
                    roles["account_manager"][i % len(roles["account_manager"])]
                ]
            }
            team[str(StaffRole.CLIENT_SERVICES)] = rng.sample(roles["client_services"], 1)
            for role in (StaffRole.COPYWRITER, StaffRole.CREATIVE):
                pool = roles[str(role)]
                team[str(role)] = rng.sample(
                    pool, min(len(pool), 1 + round(2 * busy) + rng.randint(0, 1))
                )
            if roles.get("strategist") and rng.random() < 0.5:
                team[str(StaffRole.STRATEGIST)] = rng.sample(roles["strategist"], 1)
            self.team[client["id"]] = team
            for role, members in team.items():
                for user_id in members:
                    self.add(
                        Assignment,
                        client_id=client["id"],
                        user_id=user_id,
                        responsibility=role.replace("_", " ").capitalize(),
                        is_account_manager=role == StaffRole.ACCOUNT_MANAGER,
                        created_at=client["created_at"],
                    )

    def _projects(self) -> None:
        rng = self.rng
        clients = self.rows[Client]
        per_client = spread(self.counts["projects"], self.client_weights, 1)
        self.project_weights = []
        for client, how_many in zip(clients, per_client, strict=True):
            for n in range(how_many):
                am = self.team[client["id"]]["account_manager"][0]
                self.add(
                    Project,
                    client_id=client["id"],
                    name=f"{rng.choice(PROJECT_KINDS)} {2025 + n % 2}",
                    brief="The brief: who it's for, what it must say, and by when.",
                    goals="Launch on time; a clear call to action.",
                    due_date=(self.now + timedelta(days=rng.randint(-30, 90))).date(),
                    created_by_id=am,
                    created_at=self.when(
                        self.start - timedelta(days=30), self.now - timedelta(days=20)
                    ),
                    archived_at=None,
                )
                # Busy clients have more projects, not bigger ones.
                self.project_weights.append(rng.lognormvariate(0, 0.6))

    # ---- drafts, threads and their sizes ---------------------------------------------------

    def _drafts_and_threads(self) -> None:
        rng = self.rng
        projects = self.rows[Project]
        per_project = spread(self.counts["drafts"], self.project_weights, 1)
        self.thread_meta: list[dict] = []  # per thread: cast and draft, by thread index
        for project, how_many in zip(projects, per_project, strict=True):
            client_id = project["client_id"]
            team = self.team[client_id]
            for n in range(how_many):
                kind = rng.choices([DraftKind.COPY, DraftKind.IMAGE, DraftKind.PDF], [70, 20, 10])[
                    0
                ]
                makers = team["copywriter"] if kind == DraftKind.COPY else team["creative"]
                draft = self.add(
                    Draft,
                    client_id=client_id,
                    project_id=project["id"],
                    title=f"{rng.choice(DRAFT_KINDS_OF_WORK)} {n + 1}",
                    kind=str(kind),
                    maker_id=rng.choice(makers),
                    due_date=(self.now + timedelta(days=rng.randint(-20, 40))).date(),
                    created_at=None,
                )
                staff = [draft["maker_id"], team["account_manager"][0]]
                if rng.random() < 0.3:
                    staff.append(rng.choice(team["client_services"] + team["creative"]))
                self._thread(ThreadKind.DRAFT, project, draft, draft["title"], staff)
            self._thread(
                ThreadKind.PROJECT,
                project,
                None,
                f"About {project['name']}",
                [team["account_manager"][0], *rng.sample(team["copywriter"], 1)],
            )
            if rng.random() < 0.4:
                self._thread(
                    ThreadKind.INTERNAL,
                    project,
                    None,
                    "Team notes",
                    [team["account_manager"][0], *team["copywriter"][:2]],
                    internal=True,
                )
        for client in self.rows[Client]:
            team = self.team[client["id"]]
            members = team["copywriter"] + team["creative"] + team["client_services"]
            for starter in self.client_people[client["id"]]:
                if rng.random() < 0.7:
                    addressed = rng.sample(members, min(len(members), rng.randint(1, 2)))
                    self._thread(
                        ThreadKind.DIRECT,
                        None,
                        None,
                        "A quick question",
                        addressed + team["account_manager"],
                        client=client,
                        starter=starter,
                        participants=addressed,
                    )

    def _thread(
        self,
        kind,
        project,
        draft,
        title,
        staff,
        *,
        internal=False,
        client=None,
        starter=None,
        participants=(),
    ) -> None:
        client_id = project["client_id"] if project else client["id"]
        people = self.client_people[client_id]
        cast = (
            [starter]
            if starter
            else self.rng.sample(people, min(len(people), self.rng.randint(1, 3)))
        )
        thread = self.add(
            Thread,
            client_id=client_id,
            project_id=project["id"] if project else None,
            draft_id=draft["id"] if draft else None,
            kind=str(kind),
            title=title,
            internal=internal,
            created_by_id=None,
            created_at=None,
            last_comment_at=None,
        )
        for user_id in participants:
            self.add(ThreadParticipant, thread_id=thread["id"], user_id=user_id)
        self.thread_meta.append(
            {
                "thread": thread,
                "draft": draft,
                "staff": list(dict.fromkeys(staff)),
                "clients": [] if internal else cast,
                "participants": list(participants),
            }
        )

    def _comment_sizes(self) -> None:
        """How many comments each thread gets: a tail of 500+ on the busy clients' drafts,
        the rest log-normal (most threads short), busier clients' threads longer."""
        rng, metas = self.rng, self.thread_meta
        weight_of = {
            c["id"]: w for c, w in zip(self.rows[Client], self.client_weights, strict=True)
        }
        big_sizes = sorted(
            (
                BIG_THREAD_MIN + min(2500, int(rng.expovariate(1 / 300)))
                for _ in range(self.counts["big_threads"])
            ),
            reverse=True,
        )
        big_sizes = [min(s, self.counts["comments"] // (2 * len(big_sizes))) for s in big_sizes]
        drafts = [i for i, m in enumerate(metas) if m["draft"] is not None]
        # The biggest goes to the busiest client's drafts; the rest by client weight.
        busiest = [i for i in drafts if metas[i]["thread"]["client_id"] == 1]
        chosen = [rng.choice(busiest)]
        candidates = [i for i in drafts if i != chosen[0]]
        weights = [weight_of[metas[i]["thread"]["client_id"]] for i in candidates]
        big_sizes = big_sizes[: len(drafts)]
        for _ in range(100 * len(big_sizes)):
            if len(chosen) == len(big_sizes):
                break
            pick = rng.choices(candidates, weights)[0]
            if pick not in chosen:
                chosen.append(pick)
        big_sizes = big_sizes[: len(chosen)]
        sizes = [0] * len(metas)
        for i, size in zip(chosen, big_sizes, strict=True):
            sizes[i] = size
        taken = set(chosen)
        rest = [i for i in range(len(metas)) if i not in taken]
        rest_weights = [
            0.0
            if metas[i]["draft"] is not None and rng.random() < 0.08
            else weight_of[metas[i]["thread"]["client_id"]] ** 0.2 * rng.lognormvariate(0, 1.2)
            for i in rest
        ]
        for i, size in zip(
            rest, spread(self.counts["comments"] - sum(big_sizes), rest_weights), strict=True
        ):
            sizes[i] = size
        self.sizes = sizes

    # ---- comments ---------------------------------------------------------------------------

    def _pulses(self) -> None:
        rng = self.rng
        for client in self.rows[Client]:
            am = self.team[client["id"]]["account_manager"][0]
            for _ in range(rng.randint(1, 4)):
                rating = rng.choices(
                    [PulseRating.HEALTHY, PulseRating.CONCERNING, PulseRating.POOR], [70, 22, 8]
                )[0]
                self.add(
                    Pulse,
                    client_id=client["id"],
                    author_id=am,
                    rating=str(rating),
                    comment="Checked in on the weekly call.",
                    created_at=self.when(self.start, self.now - timedelta(hours=1)),
                )

    def _outbox(self) -> None:
        """Ninety days of notification and digest e-mail: nearly all sent, a few failed."""
        rng, users = self.rng, self.rows[User]
        for n in range(self.counts["emails"]):
            user = rng.choice(users)
            created = self.when(self.start, self.now - timedelta(minutes=5))
            status = rng.choices(
                [EmailStatus.SENT, EmailStatus.FAILED, EmailStatus.PENDING], [97, 2, 1]
            )[0]
            digest = rng.random() < 0.4
            self.add(
                EmailMessage,
                dedupe_key=f"seed-{n + 1}",
                to_address=user["email"],
                to_user_id=user["id"],
                subject="Your daily Portal digest" if digest else "New in “A quick question”",
                text_body="What happened while you were away.\n",
                html_body="<p>What happened.</p>",
                status=str(status),
                attempts=1 if status != EmailStatus.FAILED else 6,
                last_error="SMTPServerDisconnected: gone" if status == EmailStatus.FAILED else None,
                next_attempt_at=created + timedelta(minutes=2)
                if status == EmailStatus.PENDING
                else None,
                unsubscribe_url=None,
                created_at=created,
                sent_at=created + timedelta(seconds=5) if status == EmailStatus.SENT else None,
            )

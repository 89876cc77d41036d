"""A believable demo agency: staff of every role, three clients, their teams and projects,
and the work in flight: drafts with several versions, comments, questions and decisions,
after months of earlier work and 90 days of health history (:mod:`portal.demo.health`).

``flask portal load-demo`` calls :func:`load_demo_data` inside an app context and a request
context, and commits. Every demo account signs in with :data:`DEMO_PASSWORD`.
"""

from datetime import datetime
from typing import NamedTuple

from sqlalchemy import or_, select

from portal.auth.passwords import hash_password
from portal.clients.services import assign_staff, create_client, save_project, update_assignment
from portal.demo.activity import due_in, seed_client_activity
from portal.demo.clock import DemoClock
from portal.demo.health import seed_client_history, seed_pulses, write_health_history
from portal.extensions import db
from portal.models import (
    ClientRole,
    StaffRole,
    User,
    UserKind,
)

DEMO_PASSWORD = "portal-demo-2026"
AGENCY_DOMAIN = "agency.example"
# On the demo clock (working days ago): when the staff joined, when today's projects began.
STAFF_SINCE = "480d 09:00"
PROJECTS_SINCE = "20d 09:30"

# (login, name, role, time zone); each signs in as login@agency.example.
STAFF = (
    ("ada", "Ada Okonkwo", StaffRole.ADMIN, "Europe/London"),
    ("priya", "Priya Raman", StaffRole.ACCOUNT_MANAGER, "Europe/London"),
    ("tom", "Tom Whitcombe", StaffRole.ACCOUNT_MANAGER, "America/New_York"),
    ("nia", "Nia Evans", StaffRole.CLIENT_SERVICES, "Europe/London"),
    ("dana", "Dana Kowalski", StaffRole.COPYWRITER, "Europe/London"),
    ("felix", "Felix Achterberg", StaffRole.COPYWRITER, "Europe/Amsterdam"),
    ("mateo", "Mateo Ruiz", StaffRole.CREATIVE, "Europe/London"),
    # On no account team, so the admin pages have an unassigned creative to place.
    ("sunniva", "Sunniva Lund", StaffRole.CREATIVE, "Europe/Oslo"),
    ("grace", "Grace Adeyemi", StaffRole.STRATEGIST, "America/New_York"),
)


class DemoProject(NamedTuple):
    name: str
    due_in_days: int | None
    brief: str
    goals: tuple[str, ...]


class DemoClient(NamedTuple):
    name: str
    short: str
    domain: str
    timezone: str
    # (login, name, role); the first admin and the first reviewer are printed as logins.
    people: tuple[tuple[str, str, ClientRole], ...]
    # (staff login, what they do for this client); the first is the account manager.
    team: tuple[tuple[str, str], ...]
    projects: tuple[DemoProject, ...]
    since: str = "120d 09:30"  # when the agency took the client on (on the demo clock)


CLIENTS = (
    DemoClient(
        name="Northwind Coffee Roasters",
        short="Northwind",
        domain="northwind.example",
        since="300d 09:30",
        timezone="Europe/London",
        people=(
            ("hannah", "Hannah Pryce", ClientRole.ADMIN),
            ("owen", "Owen Mitchell", ClientRole.MEMBER),
            ("leila", "Leila Haddad", ClientRole.MEMBER),
        ),
        team=(
            ("priya", "Runs the account day to day and owns the retainer budget"),
            ("nia", "Keeps the timeline, the weekly status call and the print schedule"),
            ("dana", "Writes the packaging copy and the launch e-mails"),
            ("mateo", "Art-directs the single-origin packaging and the subscription visuals"),
        ),
        projects=(
            DemoProject(
                "Single-origin range packaging",
                21,
                "Northwind is moving its four single-origin coffees out of plain kraft bags and "
                "into a range that earns its place on a Waitrose shelf. Each bag needs a front "
                "that names the farm and the tasting notes at a glance, and a back panel that "
                "tells the grower's story in under eighty words. Recyclable foil only; the "
                "printer needs artwork three weeks before the roast date.",
                (
                    "Stand out on shelf without shouting",
                    "Name every grower and co-operative on pack",
                    "Artwork signed off in time for the next print run",
                ),
            ),
            DemoProject(
                "Subscription relaunch",
                45,
                "A relaunch of the home subscription with a cheaper fortnightly tier. We need a "
                "three-part welcome e-mail sequence, a landing page and social cut-downs that "
                "explain the new tier plainly and make pausing a subscription feel easy rather "
                "than hidden.",
                (
                    "1,500 new subscribers in the first six weeks",
                    "Cut first-month cancellations below 8%",
                    "One clear message: fresh coffee, on your schedule",
                ),
            ),
            DemoProject(
                "Brand voice guidelines",
                None,
                "A living document for Northwind's own team and freelancers: how the brand "
                "sounds on pack, in e-mail and behind the café counter, with do and don't "
                "examples drawn from real copy. No fixed deadline; it grows as the other "
                "projects settle the tone.",
                (
                    "Warm, knowledgeable, never snobbish about coffee",
                    "Usable by a new barista in ten minutes",
                ),
            ),
        ),
    ),
    DemoClient(
        name="Helios Renewable Energy",
        short="Helios",
        domain="helios.example",
        since="180d 09:30",
        timezone="America/New_York",
        people=(
            ("marcus", "Marcus Bell", ClientRole.ADMIN),
            ("sofia", "Sofia Lindqvist", ClientRole.MEMBER),
        ),
        team=(
            ("tom", "Leads the account and the quarterly planning with the comms team"),
            ("grace", "Leads the audience research and the messaging framework"),
            ("felix", "Writes the community-solar explainers and the impact report narrative"),
            ("mateo", "Designs the impact report and its data charts"),
        ),
        projects=(
            DemoProject(
                "Community solar explainer campaign",
                30,
                "Helios is opening three community-solar schemes in upstate New York and most "
                "eligible households have never heard of the idea. The campaign explains, in "
                "plain words and without jargon, how a renter can subscribe to a local solar "
                "farm and see the saving on their bill. Direct mail, a short explainer video "
                "script and a set of paid social ads.",
                (
                    "Reach 40,000 eligible households in the first wave",
                    "2,000 sign-ups before the schemes go live",
                    "Every claim checked by Helios legal before it ships",
                ),
            ),
            DemoProject(
                "Annual impact report",
                60,
                "The annual impact report for investors, partners and local councils: forty "
                "pages covering generation, emissions avoided, community benefit funds and the "
                "year's setbacks, told honestly. Grace's framework sets the storyline; Felix "
                "writes; Mateo designs the charts so the numbers read without a legend.",
                (
                    "Published before the investor day",
                    "Lead with outcomes for communities, not megawatts",
                    "Accessible PDF and a web summary",
                ),
            ),
        ),
    ),
    DemoClient(
        name="Bramble & Oak Furniture",
        short="Bramble & Oak",
        domain="brambleoak.example",
        since="110d 09:30",
        timezone="Europe/London",
        people=(
            ("imogen", "Imogen Ashdown", ClientRole.ADMIN),
            ("callum", "Callum Reid", ClientRole.MEMBER),
            ("ruth", "Ruth Abara", ClientRole.MEMBER),
        ),
        team=(
            ("priya", "Owns the relationship and signs off every estimate"),
            ("nia", "Books the showroom photography and keeps the catalogue schedule"),
            ("felix", "Writes the catalogue and the product page copy"),
            ("mateo", "Art-directs the catalogue shoot and lays out the spreads"),
        ),
        projects=(
            DemoProject(
                "New collection catalogue",
                14,
                "Sixty-four pages for the new collection, shot in the Cotswolds workshop. "
                "Every piece gets a short story about the timber and the maker who finished "
                "it, alongside dimensions and finishes. The catalogue doubles as the mailer to "
                "past customers, so the first spread has to sell the collection on its own.",
                (
                    "Final files at the printer two weeks before the mailing",
                    "Name the joiner behind every piece",
                    "Lift catalogue-led orders by 15% on the last edition",
                ),
            ),
            DemoProject(
                "Bath showroom opening",
                35,
                "Bramble & Oak opens its second showroom on Milsom Street in Bath. We are "
                "producing the opening invitation, window vinyls, a local press release and an "
                "evening event run-sheet, all in the catalogue's look so the two launch "
                "together.",
                (
                    "200 guests at the opening evening",
                    "Coverage in the Bath Chronicle and one national interiors title",
                ),
            ),
        ),
    ),
)

DEMO_DOMAINS = (AGENCY_DOMAIN, *(client.domain for client in CLIENTS))


def demo_data_present() -> bool:
    """Whether any user on one of the demo domains exists, i.e. the demo is already loaded."""
    on_demo_domain = or_(*(User.email.endswith(f"@{domain}") for domain in DEMO_DOMAINS))
    return db.session.scalar(select(User.id).where(on_demo_domain).limit(1)) is not None


def _user(
    login: str,
    domain: str,
    name: str,
    role: str,
    timezone: str,
    password_hash: str,
    client_id: int | None = None,
) -> User:
    user = User(
        email=f"{login}@{domain}",
        name=name,
        password_hash=password_hash,
        kind=UserKind.STAFF if client_id is None else UserKind.CLIENT,
        role=role,
        client_id=client_id,
        timezone=timezone,
    )
    db.session.add(user)
    return user


def demo_logins() -> list[tuple[str, str]]:
    """(description, e-mail) of the demo accounts worth trying, one of each kind of person."""
    logins = [
        ("Agency admin", f"ada@{AGENCY_DOMAIN}"),
        ("Account manager", f"priya@{AGENCY_DOMAIN}"),
        ("Copywriter", f"dana@{AGENCY_DOMAIN}"),
    ]
    for demo in CLIENTS:
        for description, role in (
            ("client admin", ClientRole.ADMIN),
            ("reviewer", ClientRole.MEMBER),
        ):
            login = next(login for login, _name, person_role in demo.people if person_role == role)
            logins.append((f"{demo.short} {description}", f"{login}@{demo.domain}"))
    return logins


def load_demo_data(now: datetime | None = None) -> None:
    """Seed the demo agency, its clients, teams and projects, each client's earlier work and
    its drafts, comments, decisions and a conversation in flight (with real image and PDF
    files stored), the account managers' pulses, and 90 days of health snapshots.

    Every step is played at its own moment of the past on the demo clock, counted back from
    ``now`` (the real time unless given, to try the stories on another day). Runs in the
    caller's transaction: the caller commits.
    """
    clock = DemoClock(now)
    password_hash = hash_password(DEMO_PASSWORD)  # argon2 is slow: one hash for everyone
    with clock.played_at(STAFF_SINCE):
        staff = {
            login: _user(login, AGENCY_DOMAIN, name, role, tz, password_hash)
            for login, name, role, tz in STAFF
        }
    admin = staff["ada"]

    for demo in CLIENTS:
        people = dict(staff)
        with clock.played_at(demo.since):
            client = create_client(admin, demo.name)
            for login, name, role in demo.people:
                people[login] = _user(
                    login, demo.domain, name, role, demo.timezone, password_hash, client.id
                )
            for index, (login, responsibility) in enumerate(demo.team):
                assignment = assign_staff(admin, client, staff[login], responsibility)
                if index == 0:
                    update_assignment(admin, assignment, responsibility, account_manager=True)
        seed_client_history(demo.short, client, people, clock)
        with clock.played_at(PROJECTS_SINCE):
            projects = [
                save_project(
                    admin,
                    client,
                    name=project.name,
                    brief=project.brief,
                    goals="\n".join(project.goals),
                    due_date=due_in(clock.today, project.due_in_days),
                )
                for project in demo.projects
            ]
        seed_client_activity(demo.short, client, projects, people, clock)
        seed_pulses(demo.short, client, people, clock)

    write_health_history(clock)

"""The demo's health stories: the months of work before today's drafts, the account
managers' pulses, and 90 days of health snapshots written from them.

Three clients, three stories, each told by what people did rather than by set numbers:

- **Northwind** is healthy: Dana and Mateo answer within an hour or two, Hannah decides the
  same day, the pulse has been Healthy all along.
- **Helios** is slipping: answers took two or three business hours in spring and now take
  two days, Marcus has asked for changes twice, and Tom's latest pulse is Concerning.
- **Bramble & Oak** is at risk: answers slowed while the team was stretched across two
  launches, Ruth's and Callum's comments have waited a week, the catalogue's opening spread
  is past its due date waiting for a decision, and Priya's latest pulse is Poor.

The snapshots are computed by the real job, one agency day at a time, oldest first, so the
trends and the alerts form as they would have.
"""

from datetime import UTC, datetime, time, timedelta
from itertools import pairwise
from typing import NamedTuple

from portal.clients.services import save_project
from portal.demo.activity import (
    ADDRESSED,
    APPROVED,
    Decide,
    DemoConversation,
    DemoDraft,
    DemoVersion,
    Reply,
    Say,
    seed_conversation,
    seed_draft,
)
from portal.demo.clock import DemoClock
from portal.events import record_event
from portal.extensions import db
from portal.health.snapshots import take_snapshots
from portal.models import DraftKind, Pulse, PulseRating, StaffRole, User

HISTORY_DAYS = 90
# Past days are snapshotted in the agency's evening, after the day's work; today at the
# real time.
DAY_END = time(19)

HEALTHY, CONCERNING, POOR = PulseRating.HEALTHY, PulseRating.CONCERNING, PulseRating.POOR


class PastPiece(NamedTuple):
    """A finished piece of retainer work: the first draft, a client's comment on a passage
    and the answer, the change it led to, and the approval."""

    started: int  # working days ago the first draft went up
    title: str
    copy: str
    ask: tuple[str, str]  # (client login, comment)
    answer: tuple[str, str]  # (staff login, reply)
    change: tuple[str, str] | None  # (passage of the copy, what it became); None: as written
    approval: tuple[str, str]  # (client login, note)


class Story(NamedTuple):
    """One client's months before today's drafts, and how fast its people moved."""

    retainer: tuple[str, str]  # the project the past pieces belong to: (name, brief)
    maker: str
    pieces: tuple[PastPiece, ...]
    conversations: tuple[tuple[int, DemoConversation], ...]  # (working days ago, conversation)
    # (working days ago, business hours): how long answers took, and decisions, over time.
    reply_hours: tuple[tuple[int, float], ...]
    decision_hours: tuple[tuple[int, float], ...]
    pulses: tuple[tuple[str, str, PulseRating, str], ...]  # (when, author, rating, why)


# fmt: off
STORIES = {
    "Northwind": Story(
        ("Subscriber newsletters", "The fortnightly newsletter to subscribers and the café "
         "menu boards: one story from the roastery each issue, written in Northwind's voice."),
        "dana",
        (
            PastPiece(86, "Newsletter: the Colombian harvest",
                      "This month's coffee comes from the Huila highlands, where the Rojas "
                      "family pick every cherry by hand. Expect red apple and brown sugar.",
                      ("leila", "Could we say it's their third year with us? People love that."),
                      ("dana", "Lovely detail. Added."),
                      ("the Rojas family", "the Rojas family, now in their third year with us,"),
                      ("hannah", "Perfect, send it Thursday.")),
            PastPiece(77, "Newsletter: brewing at home in winter",
                      "Cold mornings call for a French press. Four minutes, a coarse grind, "
                      "and warm the pot first.",
                      ("owen", "Four minutes is long for our dark roasts. Three and a half?"),
                      ("dana", "Agreed: I'll give a time for each roast."),
                      ("Four minutes", "Three and a half minutes for dark roasts, four for light"),
                      ("hannah", "Great, approved.")),
            PastPiece(68, "Newsletter: meet the roaster",
                      "Sam has roasted at Northwind since the very first bag. Ask him about "
                      "the 2019 power cut.",
                      ("hannah", "Sam would rather we left the power cut out. His favourite "
                                 "coffee instead?"),
                      ("dana", "Of course. I asked him: it's the Yirgacheffe, as a pour-over."),
                      ("Ask him about the 2019 power cut.", "His favourite is still the "
                       "Yirgacheffe, brewed as a pour-over before anyone else is in."),
                      ("hannah", "Sam loves it. Approved.")),
            PastPiece(59, "Social posts: National Coffee Day",
                      "Free refills in every café on Saturday. Bring your own cup and take "
                      "20p off.",
                      ("owen", "The reusable-cup discount went up to 25p in March."),
                      ("dana", "Thanks Owen, updated."),
                      ("20p", "25p"),
                      ("hannah", "Lovely, approved.")),
            PastPiece(50, "Newsletter: the decaf question",
                      "Our Swiss Water decaf keeps everything but the caffeine. No solvents, "
                      "just water, time and patience.",
                      ("leila", "Really nice. Can we link to how the Swiss Water process works?"),
                      ("dana", "Yes, the link is in."),
                      ("time and patience.", "time and patience (here's how it works)."),
                      ("hannah", "Nice one, approved.")),
            PastPiece(41, "Café menu boards: spring drinks",
                      "Honey oat flat white. Cardamom cold brew. Our Yirgacheffe as a "
                      "pour-over, all spring long.",
                      ("owen", "Love these! Could the cold brew say it's made with oat milk?"),
                      ("dana", "Good call, added."),
                      ("Cardamom cold brew.", "Cardamom cold brew with oat milk."),
                      ("hannah", "Great, these go up on Monday.")),
            PastPiece(32, "Newsletter: the spring range",
                      "Three new coffees arrive in April: a washed Kenyan, a honey-processed "
                      "Costa Rican and our first Rwandan.",
                      ("hannah", "The Rwandan has slipped to May. Could we say 'this spring'?"),
                      ("dana", "Will do, changed."),
                      ("arrive in April", "arrive this spring"),
                      ("hannah", "Thanks, approved.")),
            PastPiece(17, "Newsletter: pausing made easy",
                      "Going away? Pause your subscription in two taps and we'll pick up "
                      "where you left off.",
                      ("leila", "So much clearer than the old wording. Thank you!"),
                      ("dana", "Glad it reads well!"),
                      None,
                      ("hannah", "Exactly what we wanted. Approved.")),
        ),
        (
            (81, DemoConversation("leila", StaffRole.COPYWRITER, "Chalkboard tasting notes",
                                  "Could we have three tasting notes for each single origin, "
                                  "for the café chalkboards?",
                                  (Reply("dana", "Here you go: jasmine, bergamot, honey for "
                                                 "the Yirgacheffe; red apple, brown sugar, "
                                                 "cocoa for the Huila."),))),
            (55, DemoConversation("hannah", StaffRole.ACCOUNT_MANAGER, "Retainer hours",
                                  "Can we move ten of this month's hours to the packaging "
                                  "project?",
                                  (Reply("priya", "Yes, done: the packaging budget has "
                                                  "them from today."),))),
            (37, DemoConversation("owen", StaffRole.CREATIVE, "Roastery photos",
                                  "Do you have the roastery photos from the autumn shoot "
                                  "in a square crop?",
                                  (Reply("mateo", "All twelve, cropped square, are in the "
                                                  "shared folder."),))),
            (21, DemoConversation("hannah", StaffRole.COPYWRITER, "Copy for the bag backs",
                                  "Will the grower stories fit under eighty words each?",
                                  (Reply("dana", "They will: the first one is up for you "
                                                 "this week."),))),
        ),
        ((90, 1.5), (40, 1.0), (0, 1.5)),
        ((90, 4), (0, 4)),
        (
            ("62d 16:30", "priya", HEALTHY, "Hannah's team signed off the spring newsletters "
             "first time, and they want us on the café menu boards too."),
            ("16d 17:00", "priya", HEALTHY, "Packaging is on track for the print slot, and "
             "Hannah calls the new range the best-looking thing on their shelf."),
        ),
    ),
    "Helios": Story(
        ("Community updates", "The monthly update to community-solar subscribers and the "
         "quarterly note to investors: plain numbers, checked by Helios legal."),
        "felix",
        (
            PastPiece(85, "Community update: Greene County breaks ground",
                      "Work began this week on the Greene County solar farm. When it is "
                      "finished it will power around 2,400 homes.",
                      ("sofia", "Our permit says 2,200 homes; let's use that."),
                      ("felix", "Thanks Sofia, changed."),
                      ("around 2,400 homes", "around 2,200 homes"),
                      ("marcus", "Approved, thanks.")),
            PastPiece(76, "Investor note: first-quarter generation",
                      "Our sites generated 41 GWh in the first quarter, 6% ahead of plan "
                      "despite a snowy February.",
                      ("marcus", "Can we add the capacity factor? Investors always ask."),
                      ("felix", "Yes, Grace has the figure. Added."),
                      ("6% ahead of plan", "6% ahead of plan at a 19% capacity factor"),
                      ("marcus", "Good, approved.")),
            PastPiece(67, "Community update: the benefit fund",
                      "This year's community benefit fund gives $120,000 to local projects, "
                      "from school gardens to a new roof for the Catskill library.",
                      ("sofia", "Is the library happy to be named?"),
                      ("felix", "They are: the director confirmed on Friday."),
                      None,
                      ("marcus", "Great, approved.")),
            PastPiece(58, "Social posts: Earth Day",
                      "Earth Day is every day at our farms: 3,100 acres of pollinator "
                      "habitat under the panels.",
                      ("marcus", "3,100 acres is the total for all sites. Say 'across our "
                                 "sites'."),
                      ("felix", "Good point, done."),
                      ("at our farms", "across our sites"),
                      ("marcus", "Approved.")),
            PastPiece(49, "Investor note: the Ulster permit",
                      "We expect the Ulster County permit in June, which keeps the second "
                      "scheme on track for next spring.",
                      ("marcus", "Legal won't let us name a month. Just 'this summer'."),
                      ("felix", "Understood, changed."),
                      ("in June", "this summer"),
                      ("marcus", "Fine.")),
            PastPiece(40, "Community update: your credit on the bill",
                      "Your solar credit shows on your utility bill as a line called "
                      "Community Solar, usually from your second bill onwards.",
                      ("sofia", "Is it the second bill or the third? Customers are confused "
                                "and keep calling us about this."),
                      ("felix", "The second for most utilities; I've added the NYSEG "
                                "exception."),
                      ("usually from your second bill onwards", "from your second bill "
                       "onwards (your third with NYSEG)"),
                      ("marcus", "OK. That one took a while.")),
            PastPiece(31, "Investor note: second-quarter outlook",
                      "Second-quarter generation is tracking 3% below plan after a cloudy "
                      "May; we expect to recover it by September.",
                      ("marcus", "We gave the board this figure last week. It's disappointing "
                                 "that the note only reaches us now."),
                      ("felix", "Sorry Marcus, that's on me: I was on the impact report. "
                                "It now has the board figure."),
                      ("3% below plan", "2.8% below plan"),
                      ("marcus", "Approved, but we need these sooner.")),
            PastPiece(22, "Community update: meet the Catskill farm",
                      "Catskill's 14,000 panels went live in May. Subscribers there saved "
                      "$31 on average in their first month.",
                      ("sofia", "The saving is an estimate; legal needs 'about'. We raised "
                                "this last time too, which is frustrating."),
                      ("tom", "Sorry for the slow reply: Felix is on the impact report. "
                              "I've added 'about'."),
                      ("saved $31", "saved about $31"),
                      ("marcus", "Approved. Still slow, though.")),
        ),
        (
            (80, DemoConversation("sofia", StaffRole.STRATEGIST, "Renter survey",
                                  "Could you look over our renter survey before it goes "
                                  "out on Monday?",
                                  (Reply("grace", "Gladly. Two questions lead the answer; "
                                                  "I've suggested neutral wording."),))),
            (62, DemoConversation("marcus", StaffRole.ACCOUNT_MANAGER, "Planning call",
                                  "Can we move the planning call to Wednesday? The board "
                                  "meets on Thursday.",
                                  (Reply("tom", "Wednesday works; I've moved the "
                                                "invitation."),))),
            (44, DemoConversation("sofia", StaffRole.COPYWRITER, "A glossary for legal",
                                  "Do we have definitions of net metering and community "
                                  "solar that legal has cleared?",
                                  (Reply("felix", "Not yet. I'll draft them with Grace "
                                                  "this week."),))),
            (26, DemoConversation("marcus", StaffRole.ACCOUNT_MANAGER, "Impact report dates",
                                  "When do we see the first layout? Investor day is now "
                                  "fixed.",
                                  (Reply("tom", "The week after next: Mateo is on the "
                                                "charts now."),))),
        ),
        ((90, 2.0), (45, 3.0), (30, 12.0), (15, 20.0), (0, 24.0)),
        ((90, 6), (40, 10), (0, 24)),
        (
            ("70d 17:00", "tom", HEALTHY, "Good quarterly planning with Marcus and Sofia; "
             "they like having Grace's research before every brief."),
            ("5d 17:30", "tom", CONCERNING, "Marcus is losing patience: legal has sent the "
             "letter back twice and our replies have slowed. Call booked for Thursday. Felix "
             "moved onto the impact report and questions wait for him; on the call we'll reset "
             "the timeline and agree who answers what."),
        ),
    ),
    "Bramble & Oak": Story(
        ("Website product pages", "A page for every piece in the range: the timber, the "
         "joiner who finished it, the dimensions and the finishes."),
        "felix",
        (
            PastPiece(87, "Product page: the Coln dining chair",
                      "Steam-bent ash, a woven seagrass seat, and a back that follows the "
                      "curve of your shoulders.",
                      ("ruth", "The seat is rush, not seagrass."),
                      ("felix", "Thanks Ruth, corrected."),
                      ("woven seagrass seat", "woven rush seat"),
                      ("imogen", "Lovely, approved.")),
            PastPiece(78, "Product page: the Windrush table",
                      "Solid oak, oiled by hand, seats eight and extends to ten for "
                      "Christmas.",
                      ("callum", "Can we give the length both ways?"),
                      ("felix", "Yes, both are in."),
                      ("for Christmas.", "for Christmas: 180 cm, or 230 cm extended."),
                      ("imogen", "Perfect.")),
            PastPiece(69, "Product page: the Evenlode dresser",
                      "Built in three parts, so it climbs the narrowest cottage staircase.",
                      ("imogen", "Love this line. It's exactly how our customers talk."),
                      ("felix", "Thank you! It came straight from the workshop."),
                      None,
                      ("imogen", "Approved with pleasure.")),
            PastPiece(60, "Spring sale e-mail",
                      "Twenty per cent off every chair until Sunday, with free delivery "
                      "within fifty miles of our Cirencester workshop.",
                      ("callum", "Free delivery is within thirty miles now."),
                      ("felix", "Updated."),
                      ("fifty miles", "thirty miles"),
                      ("imogen", "Approved.")),
            PastPiece(51, "Product page: the Churn bench",
                      "Elm from a single tree felled at Barnsley Park, waxed so it darkens "
                      "as it ages.",
                      ("ruth", "Is the Barnsley Park estate happy to be named?"),
                      ("felix", "They are: I have their yes in writing."),
                      None,
                      ("imogen", "Good, approved.")),
            PastPiece(42, "Product page: the Leach armchair",
                      "Deep-buttoned wool over a beech frame, made for an evening with a "
                      "book.",
                      ("callum", "Could we mention the three wools it comes in?"),
                      ("felix", "Yes, sorry for the wait: added."),
                      ("Deep-buttoned wool", "Deep-buttoned wool, in oat, moss or slate,"),
                      ("imogen", "Thanks. We needed this last week.")),
            PastPiece(33, "Product page: the Coln stool",
                      "The Coln chair's little sister, at counter height, in ash or oak.",
                      ("ruth", "It's bar height, not counter height. Any news on this one?"),
                      ("felix", "Sorry Ruth, we've been buried in the catalogue. Changed."),
                      ("counter height", "bar height"),
                      ("imogen", "Approved. Replies are getting slow.")),
            PastPiece(24, "Product page: the Windrush bench",
                      "The Windrush table's companion, in the same oak, seating three.",
                      ("callum", "Still waiting on the photos for this page; is it on hold?"),
                      ("felix", "Not on hold: Mateo has the photos with the catalogue ones."),
                      None,
                      ("imogen", "Fine, approved.")),
        ),
        (
            (82, DemoConversation("imogen", StaffRole.ACCOUNT_MANAGER, "The Bath showroom",
                                  "We've got the Milsom Street lease! Could you quote for "
                                  "the opening invitation and the window vinyls?",
                                  (Reply("priya", "Congratulations! The quote is in your "
                                                  "inbox; we can start on Monday."),))),
            (64, DemoConversation("ruth", StaffRole.COPYWRITER, "Air-dried or seasoned?",
                                  "Should we say air-dried or seasoned? The workshop uses "
                                  "both.",
                                  (Reply("felix", "Air-dried is clearer for customers; "
                                                  "I'll use it everywhere."),))),
            (46, DemoConversation("callum", StaffRole.CREATIVE, "Catalogue photos online",
                                  "Can we use the catalogue photos on the website before the "
                                  "catalogue is out?",
                                  (Reply("mateo", "From the day it mails, yes; until then "
                                                  "the cut-outs only."),))),
            (29, DemoConversation("imogen", StaffRole.ACCOUNT_MANAGER, "Catalogue schedule",
                                  "Are we still on track for the printer? The team is "
                                  "nervous about the date.",
                                  (Reply("priya", "We are, just: Nia is sending the full "
                                                  "schedule tomorrow."),))),
        ),
        ((90, 2.5), (55, 4.0), (35, 14.0), (0, 20.0)),
        ((90, 6), (45, 8), (25, 24)),
        (
            ("55d 16:00", "priya", HEALTHY, "Imogen is delighted with the product pages and "
             "has asked us to do the Bath opening too."),
            ("12d 17:00", "priya", CONCERNING, "Felix and Mateo are stretched across the "
             "catalogue and the Bath opening; answers to Imogen's team are slowing. Nia is "
             "taking over the proof schedule."),
            ("2d 16:45", "priya", POOR, "Imogen called, unhappy: her team's questions have "
             "waited a week and the printer slot is at risk. I'm taking over. Ruth's question "
             "about the invitation is unanswered, so is Callum's about the showroom shoot, and "
             "the opening spread is past its date. I'm running Monday's catalogue call myself."),
        ),
    ),
}
# fmt: on


def seed_client_history(short: str, client, people: dict[str, User], clock: DemoClock) -> None:
    """Play the months of work before today's drafts for the client called ``short``: the
    retainer's finished pieces and the conversations between them."""
    story = STORIES[short]
    first = max(piece.started for piece in story.pieces)
    name, brief = story.retainer
    with clock.played_at(f"{first + 5}d 09:30"):
        retainer = save_project(
            people["ada"], client, name=name, brief=brief, goals="", due_date=None
        )
    for piece in story.pieces:
        seed_draft(_past_draft(piece, story, clock), retainer, people, clock)
    for started, conversation in story.conversations:
        opened = clock.at(f"{started}d 11:00")
        answered = clock.after(opened, _at(story.reply_hours, started))
        seed_conversation(conversation._replace(times=(opened, answered)), client, people, clock)


def _past_draft(piece: PastPiece, story: Story, clock: DemoClock) -> DemoDraft:
    """A past piece as a demo draft: its script, and when each step happened on the
    client's tempo at the time."""
    shown = clock.at(f"{piece.started}d 10:00")
    asked = clock.after(shown, 4)
    answered = clock.after(asked, _at(story.reply_hours, piece.started))
    (asker, ask), (answerer, answer), (approver, note) = piece.ask, piece.answer, piece.approval
    script = [
        DemoVersion("First draft.", copy=piece.copy),
        Say(asker, ask, on=piece.change[0] if piece.change else None,
            then=ADDRESSED if piece.change else None),
        Reply(answerer, answer),
    ]  # fmt: skip
    times = [shown, asked, answered]
    if piece.change:
        passage, changed = piece.change
        script.append(DemoVersion("Changed as discussed.", edits={passage: changed}))
        times.append(clock.after(answered, 1.5))
    script.append(Decide(approver, APPROVED, note))
    times.append(clock.after(times[-1], _at(story.decision_hours, piece.started)))
    due = clock.working_day(max(piece.started - 3, 0))
    return DemoDraft(
        0, piece.title, DraftKind.COPY, story.maker, (due - clock.today).days,
        tuple(script), tuple(times),
    )  # fmt: skip


def seed_pulses(short: str, client, people: dict[str, User], clock: DemoClock) -> None:
    """The account manager's pulses on the client called ``short``, oldest first."""
    for when, author, rating, comment in STORIES[short].pulses:
        with clock.played_at(when):
            pulse = Pulse(
                client_id=client.id, author_id=people[author].id, rating=rating, comment=comment
            )
            db.session.add(pulse)
            db.session.flush()
            record_event("pulse_recorded", actor=people[author], subject=pulse,
                         client_id=client.id, client_visible=False, rating=rating)  # fmt: skip


def write_health_history(clock: DemoClock, days: int = HISTORY_DAYS) -> None:
    """Snapshot every client for each of the last ``days`` agency days, oldest first: past
    days in the agency's evening, today at the clock's now. Alerts are raised as they would
    have been on the day (and e-mailed through the outbox)."""
    zone = clock.calendar.zone
    for days_ago in range(days - 1, 0, -1):
        evening = datetime.combine(clock.today - timedelta(days=days_ago), DAY_END, tzinfo=zone)
        take_snapshots(now=evening.astimezone(UTC))
    take_snapshots(now=clock.now)


def _at(points: tuple[tuple[int, float], ...], days_ago: int) -> float:
    """The value of a (working days ago, value) curve at ``days_ago``, linear between points."""
    for (x0, y0), (x1, y1) in pairwise(points):
        if x1 <= days_ago <= x0:
            return y0 + (y1 - y0) * (x0 - days_ago) / (x0 - x1)
    return points[0][1] if days_ago > points[0][0] else points[-1][1]

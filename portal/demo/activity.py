"""The demo clients' work in motion: drafts with versions and files, comments, decisions.

Each draft is a short script (new version, comment, reply, decision) played through the
real services, so the demo shows exactly what people would have made by hand. Each step
happens at its own moment of the last few weeks (``times``, on the demo clock of
:mod:`portal.demo.clock`), so waits, reply times and the health history are real.
"""

import io
from collections.abc import Callable
from datetime import date, datetime, timedelta
from functools import partial
from typing import NamedTuple

from portal.demo import files as demo_files
from portal.demo.clock import DemoClock
from portal.drafts.services import add_version, create_draft, draft_thread, record_decision
from portal.drafts.storage import store_upload
from portal.models import (
    ApprovalRule,
    DraftKind,
    FeedbackStatus,
    StaffRole,
    ThreadKind,
    User,
    Verdict,
)
from portal.threads.services import conversation_participants, post_comment, start_thread


class DemoVersion(NamedTuple):
    """The maker adds the next version: the whole copy, words changed in it, or a file."""

    note: str
    copy: str | None = None
    edits: dict[str, str] | None = None  # {old phrase: new phrase} in the previous copy
    file: tuple[str, Callable[[], bytes]] | None = None  # (file name, what makes its bytes)


class Say(NamedTuple):
    """A comment on the current version, pointing at a quoted passage of the copy (str), a
    pin on the image ((x, y) as fractions) or a PDF page (int). ``then`` is what the next
    version did with it, with a ``reason`` when declined; a staff ``note`` is staff-only."""

    author: str
    body: str
    on: str | tuple[float, float] | int | None = None
    then: FeedbackStatus | None = None
    reason: str = ""
    note: bool = False


class Reply(NamedTuple):
    """A reply to the latest ``Say``."""

    author: str
    body: str


class Decide(NamedTuple):
    """A client reviewer's verdict on the current version."""

    author: str
    verdict: Verdict
    note: str = ""


class DemoDraft(NamedTuple):
    project: int  # index into the client's projects
    title: str
    kind: DraftKind
    maker: str  # a staff login on the client's team
    due_in_days: int | None
    script: tuple[DemoVersion | Say | Reply | Decide, ...]  # what happened, in order
    # When each step happened: "12d 10:30" is 12 working days ago at 10:30 agency time.
    times: tuple[str | datetime, ...]
    rule: ApprovalRule = ApprovalRule.ANY  # whose approvals approve it (reviewers: everyone)


class DemoConversation(NamedTuple):
    author: str  # a client login
    role: StaffRole  # whom on the account team it asks
    title: str
    body: str
    replies: tuple[Reply, ...] = ()
    times: tuple[str | datetime, ...] = ()  # when it was opened, then each reply


ADDRESSED, DECLINED = FeedbackStatus.ADDRESSED, FeedbackStatus.DECLINED
APPROVED, CHANGES = Verdict.APPROVED, Verdict.CHANGES_REQUESTED

YIRGACHEFFE_STORY = """\
Ethiopia Yirgacheffe, from the Konga co-operative

High in the hills of Gedeo, 1,900 metres above the sea, the 3,000 farmers of the Konga \
co-operative grow their coffee in the shade of false banana trees. Every cherry is picked by \
hand at its ripest and washed in the spring water that runs through the village.

We roast it lightly to keep what makes it special: jasmine on the nose, bergamot in the cup \
and a clean, honeyed finish.

Brew it as a pour-over and drink it black. You'll taste the hillside."""

SOLAR_LETTER = """\
Dear neighbour,

You don't need a roof to go solar. Helios is building a community solar farm in Greene \
County, and households across the county can subscribe to a share of it today.

Here's how it works: the farm feeds clean power into the grid, and your utility credits your \
share straight onto your bill. Most subscribers save up to 15% on their electricity costs \
every year, with no panels to install and nothing to pay upfront.

Renting? Perfect. Your subscription moves with you anywhere in the county, and you can leave \
with 90 days' notice.

Sign up at helios.example/community before 31 May and we'll add a $50 credit to your first \
bill."""

COTSWOLD_SPREAD = """\
The Cotswold Collection

Every piece in this collection began as a tree we could name. The oak came down in a storm \
on the Bathurst estate in 2019 and has been air-drying in our Cirencester yard ever since.

Our six joiners cut, shaped and finished each table, chair and dresser by hand, and each of \
them signs the pieces they finish. Turn a chair over and you'll find Ellie, Sam or Joe \
underneath.

Built to be lived with, mended and passed on."""

# fmt: off
# Each client's drafts (by DemoClient.short) and, step by step, what happened to them.
DRAFTS = {
    "Northwind": (
        DemoDraft(0, "Yirgacheffe back-of-bag story", DraftKind.COPY, "dana", 10, (
            DemoVersion("First pass at the grower story, under eighty words.",
                        copy=YIRGACHEFFE_STORY),
            Say("hannah", "Can we check the altitude? Konga's own sheet says 1,950 to 2,100 m.",
                on="1,900 metres above the sea", then=ADDRESSED),
            Reply("dana", "Good catch. I'll take the figure from their export sheet."),
            Say("owen", "Will shoppers know what a false banana tree is? Maybe say enset?",
                on="false banana trees", then=DECLINED,
                reason="'Enset' is even less familiar, and 'false banana' is what Konga say "
                       "in English. It makes people curious."),
            Say("owen", "Half our customers take milk; let's not tell them off.",
                on="drink it black", then=ADDRESSED),
            DemoVersion("Altitude from the co-op's export sheet; the brewing line tells "
                        "nobody off.", edits={"1,900 metres above the sea": "nearly 2,000 "
                        "metres up", "drink it black": "drink it however you like it"}),
            Say("hannah", "@dana could we say a *long*, honeyed finish? That's what the "
                "cupping notes say.", on="clean, honeyed finish", then=ADDRESSED),
            Say("priya", "Hannah's sign-off is the last gate before print. @nia can you hold "
                "Thursday's printer slot?", note=True),
            DemoVersion("Finish now matches the cupping notes.",
                        edits={"clean, honeyed finish": "long, honeyed finish"}),
            Decide("hannah", APPROVED, "Lovely. Approved for print."),
        ), ("12d 10:00", "12d 11:30", "12d 12:15", "12d 14:00", "12d 14:10", "11d 10:30",
            "11d 15:00", "11d 15:20", "10d 09:45", "10d 11:00")),
        DemoDraft(0, "Yirgacheffe bag front", DraftKind.IMAGE, "mateo", 12, (
            DemoVersion("Terracotta label from the range palette.",
                        file=("yirgacheffe-front-v1.png", demo_files.coffee_label)),
            Say("leila", "The co-operative's name is hard to read at this size. Bigger?",
                on=(0.5, 0.57), then=ADDRESSED),
            Reply("mateo", "Agreed. I'll set it larger, on the range's deep green for contrast."),
            DemoVersion("Deep green label, a larger co-op name, tasting notes from the copy.",
                        file=("yirgacheffe-front-v2.png",
                              partial(demo_files.coffee_label, revised=True))),
            # Nobody has answered this yet: the staff inbox shows Northwind waiting.
            Say("owen", "Does the green still stand apart from the Colombia bag on the shelf? "
                "@creative", on=(0.5, 0.45)),
        ), ("4d 10:00", "4d 13:40", "4d 14:30", "2d 11:00", "1d 16:40"), ApprovalRule.ALL),
        DemoDraft(2, "Brand voice guidelines: first chapters", DraftKind.PDF, "dana", None, (
            DemoVersion("The principles and the on-pack chapter; the café chapter follows.",
                        file=("northwind-voice-guide.pdf", demo_files.voice_guide_pdf)),
            Say("hannah", "This page reads well. Could it get a café-counter example too? "
                "That's where new baristas will use it.", on=3),
            Reply("dana", "Yes: I'll sit in on a Saturday shift at the café and write from it."),
            Decide("hannah", CHANGES, "Add the café examples before we share it with baristas."),
        ), ("15d 10:00", "15d 16:00", "14d 09:30", "14d 10:00")),
    ),
    "Helios": (
        # Two rounds of legal changes and now past its due date: the slipping story.
        DemoDraft(0, "Direct mail letter: welcome to community solar", DraftKind.COPY,
                  "felix", -5, (
            DemoVersion("First draft of the letter for the Greene County mailing.",
                        copy=SOLAR_LETTER),
            Say("sofia", "Legal will ask where 15% comes from. Our filing guarantees 10%; can "
                "we use that?", on="save up to 15%", then=ADDRESSED),
            Say("marcus", "This feels a little flippant for older households. @grace, does "
                "the research back leading with renters?", on="Renting? Perfect.",
                then=DECLINED, reason="Renters are the largest eligible group and this line "
                                      "tested best with them; the next sentence reassures."),
            Reply("grace", "It does: 61% of eligible households rent, and the focus groups "
                  "repeated this line back to us."),
            Decide("marcus", CHANGES, "Use the guaranteed 10%; legal won't clear 'up to 15%'."),
            DemoVersion("The guaranteed 10% throughout; the notice period spelled out.", edits={
                "save up to 15% on their electricity costs": "save a guaranteed 10% on their "
                "electricity", "you can leave with": "you can leave at any time with"}),
            Say("tom", "Legal usually takes a week. @felix let's get the licence line in "
                "before Friday.", note=True),
            Decide("marcus", CHANGES, "Nearly there: legal needs the scheme's licence number "
                   "under the sign-up line."),
            Say("marcus", "We've now missed the mailing house's slot, which is frustrating. "
                "When will the licence line be in?"),
            Reply("tom", "Sorry Marcus. Legal have sent the number; Felix will have the next "
                  "version with you on Thursday."),
        ), ("16d 10:00", "15d 15:00", "15d 16:00", "13d 11:00", "12d 16:30", "9d 11:00",
            "9d 11:30", "7d 15:00", "4d 16:00", "2d 15:00")),
        DemoDraft(0, "Paid social: No roof needed", DraftKind.IMAGE, "mateo", 9, (
            DemoVersion("First cut for the launch flight.",
                        file=("helios-no-roof-v1.jpg", demo_files.solar_ad)),
            Say("marcus", "This orange sun reads like a warning sign; softer? And the offer "
                "has to say 10%.", on=(0.82, 0.17), then=ADDRESSED),
            Reply("mateo", "Will do: a pale sun, a lighter sky, and the headline from Felix's "
                  "letter so the two match."),
            DemoVersion("Softer sun, the guaranteed 10%, the letter's headline.",
                        file=("helios-no-roof-v2.jpg", partial(demo_files.solar_ad, revised=True))),
            Decide("marcus", APPROVED, "Approved for the first flight."),
        ), ("14d 10:00", "14d 15:30", "12d 15:00", "10d 14:00", "7d 16:45")),
        DemoDraft(1, "Impact report: layout proof", DraftKind.PDF, "mateo", 40, (
            DemoVersion("First layout with Felix's opening chapters.",
                        file=("helios-impact-report-v1.pdf", demo_files.impact_report_pdf)),
            Say("sofia", "The chart needs its unit, tonnes of CO2e, or investors will ask.",
                on=2, then=ADDRESSED),
            DemoVersion("Chart unit added.", file=("helios-impact-report-v2.pdf",
                        partial(demo_files.impact_report_pdf, revised=True))),
            Say("marcus", "Will the council figures on this page be final by investor day? "
                "@tom", on=4),
        ), ("11d 10:00", "10d 14:00", "8d 14:00", "2d 14:00"), ApprovalRule.ALL),
    ),
    "Bramble & Oak": (
        # Due three days ago and still waiting on Imogen: part of the at-risk story.
        DemoDraft(0, "Catalogue opening spread", DraftKind.COPY, "felix", -3, (
            DemoVersion("The story opposite the workshop photograph.", copy=COTSWOLD_SPREAD),
            Say("imogen", "We have six joiners; naming three feels unfair to the others.",
                on="Ellie, Sam or Joe", then=ADDRESSED),
            Say("ruth", "Wasn't it the February storms of 2020?", on="in 2019", then=ADDRESSED),
            Say("callum", "Love this. Could it be the cover line too? @copywriter",
                on="Built to be lived with, mended and passed on.", then=DECLINED,
                reason="The brand rules keep the cover to the collection name, so this line "
                       "signs off the back cover instead."),
            Reply("felix", "Glad it landed! I'll check the cover rules and come back to you."),
            DemoVersion("All six joiners honoured; the storm's date checked with the workshop.",
                        edits={"Ellie, Sam or Joe": "one of their names",
                               "in a storm on the Bathurst estate in 2019":
                                   "in the February storms of 2020 on the Bathurst estate"}),
        ), ("13d 10:00", "12d 10:30", "12d 11:00", "12d 14:00", "10d 16:00", "8d 15:00")),
        DemoDraft(0, "Catalogue cover", DraftKind.IMAGE, "mateo", 5, (
            DemoVersion("The Coln chair on sage.",
                        file=("cotswold-cover-v1.png", demo_files.catalogue_cover)),
            Say("imogen", "The chair looks a little lost off to the side. Bigger and centred, "
                "on a warmer ground?", on=(0.68, 0.52), then=ADDRESSED),
            Reply("mateo", "Yes: centred, larger, on the showroom's oat."),
            DemoVersion("Chair centred and larger, on the oat ground.", file=(
                "cotswold-cover-v2.png", partial(demo_files.catalogue_cover, revised=True))),
            Decide("imogen", APPROVED, "That's the one. Approved."),
        ), ("18d 10:00", "17d 11:00", "16d 10:00", "15d 15:00", "14d 10:00")),
        DemoDraft(0, "Catalogue first proof", DraftKind.PDF, "mateo", 10, (
            DemoVersion("First proof of the opening product pages.",
                        file=("cotswold-proof-1.pdf", demo_files.catalogue_proof_pdf)),
            Say("callum", "Could the dimensions be in inches too? Much of the mailing list is "
                "in the US.", on=2),
            Reply("felix", "We can. I'll add inches throughout."),
            Say("nia", "Printer needs final files by the 14th and inches reflow pages 2 and 3: "
                "@mateo please allow a day. @felix", note=True),
            Decide("imogen", CHANGES, "Add inches beside centimetres, then send a new proof."),
        ), ("11d 10:00", "10d 15:00", "9d 16:00", "9d 16:30", "9d 16:50")),
        DemoDraft(1, "Opening evening invitation: print artwork", DraftKind.FILE, "mateo", 20, (
            DemoVersion("Print artwork for the invitation, A6 landscape.",
                        file=("bath-invitation.jpg", demo_files.showroom_invitation)),
            Say("ruth", "Is the 7pm start confirmed? If so, could the date and time be larger?",
                on=(0.5, 0.72)),
        ), ("8d 11:00", "7d 10:00")),
    ),
}

# A direct conversation each client opened with a role on their account team.
CONVERSATIONS = {
    "Northwind": DemoConversation(
        "owen", StaffRole.COPYWRITER, "Subject lines for the subscription e-mails",
        "How long can the welcome e-mail subject lines be before phones cut them off?",
        (Reply("dana", "About 40 characters show on most phones. I'm keeping ours under 35, "
                       "with the important word first."),), ("5d 11:00", "5d 11:50")),
    "Helios": DemoConversation(
        "sofia", StaffRole.STRATEGIST, "Second-wave audiences",
        "Before we plan the second wave: which towns answered the first mailing best?",
        # Relayed by Tom rather than answered by Grace: the directness the portal is for.
        (Reply("tom", "Grace says Catskill and Hudson, by a distance. She'll bring the "
                      "breakdown to Thursday's planning call."),), ("4d 10:00", "2d 12:00")),
    "Bramble & Oak": DemoConversation(
        "callum", StaffRole.CREATIVE, "Photography for the Bath showroom",
        "Could the showroom be shot at dusk with the window lights on? That's how people will "
        "see it from Milsom Street.",
        (Reply("callum", "Any news on this? We'd like to brief the showroom team on Friday."),),
        ("5d 14:00", "2d 10:15")),
}
# fmt: on


def due_in(today: date, days: int | None) -> date | None:
    """The date ``days`` after ``today``, or None for no due date."""
    return None if days is None else today + timedelta(days)


def seed_draft(spec: DemoDraft, project, people: dict[str, User], clock: DemoClock) -> None:
    """Create one draft and play its script (versions, comments, follow-through, decisions),
    each step at its moment in ``spec.times``."""
    maker = people[spec.maker]
    with clock.played_at(spec.times[0]):
        draft = create_draft(
            maker,
            project,
            title=spec.title,
            kind=spec.kind,
            maker=maker,
            due_date=due_in(clock.today, spec.due_in_days),
            approval_rule=spec.rule,
        )
        thread = draft_thread(draft)
    body = version = comment = None
    followed_up: dict[int, tuple[str, str]] = {}  # what the next version says it did
    for step, when in zip(spec.script, spec.times, strict=True):
        with clock.played_at(when):
            match step:
                case DemoVersion():
                    body = step.copy or _edited(body, step.edits)
                    stored = None
                    if step.file:
                        name, make = step.file
                        stored = store_upload(io.BytesIO(make()), name, spec.kind)
                    version = add_version(
                        maker, draft, note=step.note, body=body, stored=stored, feedback=followed_up
                    )
                    followed_up = {}
                case Say():
                    comment = post_comment(
                        people[step.author],
                        thread,
                        step.body,
                        internal=step.note,
                        anchor=_anchor(step.on, body),
                    )
                    if step.then:
                        followed_up[comment.id] = (step.then, step.reason)
                case Reply():
                    post_comment(people[step.author], thread, step.body, reply_to_id=comment.id)
                case Decide():
                    record_decision(people[step.author], version, step.verdict, step.note)


def _edited(body: str | None, edits: dict[str, str] | None) -> str | None:
    """``body`` with each quoted phrase replaced; a phrase missing from it is a demo bug."""
    for old, new in (edits or {}).items():
        if old not in body:
            raise ValueError(f"demo copy edit {old!r} isn't in the previous version")
        body = body.replace(old, new)
    return body


def _anchor(on, body: str | None) -> dict | None:
    """The anchor of a demo comment: a quoted passage of ``body``, a pin or a PDF page."""
    if isinstance(on, str):
        start = body.index(on)
        return {"type": "passage", "start": start, "end": start + len(on)}
    if isinstance(on, tuple):
        return {"type": "point", "x": on[0], "y": on[1]}
    if isinstance(on, int):
        return {"type": "page", "page": on}
    return None


def seed_conversation(
    spec: DemoConversation, client, people: dict[str, User], clock: DemoClock
) -> None:
    """A direct conversation a client user opened with a role on the account, and its
    replies, each at its moment in ``spec.times``."""
    participants = conversation_participants(client, [], spec.role)
    opened, *replied = spec.times
    with clock.played_at(opened):
        thread = start_thread(
            people[spec.author],
            client,
            title=spec.title,
            body=spec.body,
            kind=ThreadKind.DIRECT,
            participant_ids=participants,
        )
    for reply, when in zip(spec.replies, replied, strict=True):
        with clock.played_at(when):
            post_comment(people[reply.author], thread, reply.body)


def seed_client_activity(
    short: str, client, projects: list, people: dict[str, User], clock: DemoClock
) -> None:
    """Play the demo drafts and the conversation of the client called ``short``."""
    for spec in DRAFTS[short]:
        seed_draft(spec, projects[spec.project], people, clock)
    seed_conversation(CONVERSATIONS[short], client, people, clock)

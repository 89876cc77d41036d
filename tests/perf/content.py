"""Words for the seeded agency: names, titles, copy and comment texts, all drawn from one RNG.

The texts are pools made once per build; rows pick from them, so 200,000 comments cost
200,000 picks, not 200,000 Markdown renders. Every comment's HTML comes from the app's own
renderer (``portal.threads.markdown``), once per pool entry or per mention.
"""

import random

from portal.threads.markdown import render_markdown

FIRST_NAMES = (
    "Ada", "Ben", "Cleo", "Dev", "Elin", "Farah", "Gus", "Hana", "Ivo", "Jude", "Kira", "Leon",
    "Mina", "Nico", "Omar", "Pia", "Quinn", "Rosa", "Sami", "Tess", "Uma", "Vik", "Wren", "Xena",
    "Yusuf", "Zoe", "Alba", "Bo", "Cal", "Dara", "Emil", "Fern", "Gio", "Hugo", "Iris", "Jon",
)  # fmt: skip
LAST_NAMES = (
    "Abbott", "Baker", "Castro", "Dahl", "Evans", "Fischer", "Garcia", "Hughes", "Ito", "Jensen",
    "Khan", "Lund", "Moreau", "Nakamura", "Okafor", "Patel", "Quint", "Rossi", "Silva", "Tanaka",
    "Ueda", "Varga", "Weber", "Xu", "Yilmaz", "Zimmer",
)  # fmt: skip
COMPANY_WORDS = (
    "Northwind", "Helios", "Bramble", "Oak", "Cobalt", "Juniper", "Lumen", "Meridian", "Nimbus",
    "Orchard", "Pioneer", "Quarry", "Riverstone", "Saffron", "Tidal", "Umber", "Vesper",
    "Willow", "Yarrow", "Zephyr", "Atlas", "Beacon", "Cedar", "Delta", "Ember", "Falcon",
)  # fmt: skip
COMPANY_KINDS = ("Coffee", "Bank", "Outdoor", "Health", "Foods", "Energy", "Travel", "Books")
PROJECT_KINDS = (
    "Spring campaign", "Website refresh", "Annual report", "Product launch", "Newsletter",
    "Rebrand", "Trade show", "Social always-on", "Catalogue", "Recruitment drive",
)  # fmt: skip
DRAFT_KINDS_OF_WORK = (
    "Homepage hero", "Launch e-mail", "Press release", "Landing page", "Brochure spread",
    "Social post", "Banner set", "Case study", "Product page", "Blog article", "Poster",
    "Radio script", "FAQ page", "Onboarding e-mail", "Billboard",
)  # fmt: skip
COPY_SENTENCES = (
    "Good coffee starts long before the cup.",
    "We travel to the farms we buy from, every season, and pay above the market price.",
    "Our roasters taste every batch before it leaves the building.",
    "Switch in minutes: there is nothing to install and nothing to sign.",
    "Customers told us what slowed them down, so we took it out.",
    "Every account comes with a real person to call, in your time zone.",
    "The new range is lighter, stronger and made from recycled fibre.",
    "Book before the end of the month and the first delivery is on us.",
    "Thousands of teams already plan their week with it.",
    "It works offline, and it syncs the moment you are back.",
    "We plant a tree for every order, and we show you where it grows.",
    "Join us at the stand for a tasting and a chat with the makers.",
)
CLIENT_REMARKS = (
    "Could we make this shorter? It reads a little long on mobile.",
    "I love the opening line, but the second paragraph loses me.",
    "Legal will want the price claim checked before this goes out.",
    "Can we use *our* product names here rather than the generic ones?",
    "This is close. One more pass on the call to action, please.",
    "The tone feels too formal for our audience.",
    "Please swap the photo credit to the new agency line.",
    "Is the date right? I thought the launch moved to the **14th**.",
    "We need the Spanish version too; can you plan for it?",
    "Approved from my side, waiting on the regional team.",
    "Who signed off the colours on this one?",
    "Could you send the source file once it's final?",
)
STAFF_REMARKS = (
    "Good point, I'll tighten it in the next version.",
    "Done: the call to action now comes first.",
    "We checked the claim with your team last week; it's in the brief.",
    "I've kept the product names and moved the generic terms to the footnote.",
    "Thanks! New version coming this afternoon.",
    "Happy to do the Spanish version; I'll add it to the plan.",
    "The colours follow the brand book, page 12.",
    "Sure, the source file is attached to version 3.",
    "Agreed. Here is the shorter option:\n\n- one line\n- one link",
    "I've asked the studio to re-export at the right size.",
)
STAFF_NOTES = (
    "Internal: the client asked for this twice already, let's prioritise.",
    "Heads up, budget on this project is nearly used up.",
    "Can someone check the licence on this image before we send it?",
    "They'll push back on the price line; have an alternative ready.",
)
FILLER = (
    "Also, thanks for turning this round so quickly.",
    "See the [brand guide](https://example.com/brand) for the details.",
    "Let's discuss on Thursday's call if that's easier.",
    "",
    "",
    "",
)


def person_name(rng: random.Random) -> str:
    return f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"


def company_name(rng: random.Random, index: int) -> str:
    return f"{COMPANY_WORDS[index % len(COMPANY_WORDS)]} {rng.choice(COMPANY_KINDS)}"


def copy_body(rng: random.Random, paragraphs: int) -> str:
    """Copy of a few paragraphs, as a maker would write it in the portal."""
    return "\n\n".join(
        " ".join(rng.choice(COPY_SENTENCES) for _ in range(rng.randint(2, 5)))
        for _ in range(paragraphs)
    )


class CommentTexts:
    """Pools of comment sources with their HTML, rendered once by the app's renderer."""

    def __init__(self, rng: random.Random, size: int = 300):
        self.client = self._pool(rng, CLIENT_REMARKS, size)
        self.staff = self._pool(rng, STAFF_REMARKS, size)
        self.notes = self._pool(rng, STAFF_NOTES, size // 3)

    @staticmethod
    def _pool(rng, remarks, size) -> list[tuple[str, str]]:
        pool = []
        for _ in range(size):
            source = f"{rng.choice(remarks)} {rng.choice(FILLER)}".strip()
            pool.append((source, render_markdown(source)))
        return pool

    @staticmethod
    def with_mention(source: str, handle: str) -> tuple[str, str]:
        """``source`` addressed to ``@handle``, rendered with the mention highlighted."""
        text = f"@{handle} {source}"
        return text, render_markdown(text, {handle})

"""Every key page on a phone (375 px wide), as the people who use it see it: nothing scrolls
sideways, nothing sticks out past the screen, and axe finds no serious or critical
accessibility violation."""

import pytest

from portal.drafts.services import draft_thread
from portal.health.snapshots import take_snapshots
from portal.models import DraftKind, EmailMessage, StaffRole
from portal.threads.services import set_resolved
from tests.drafts.helpers import pdf_bytes
from tests.e2e.axe import serious_violations
from tests.factories import make_comment, make_staff, make_thread, make_version, persist, png_bytes
from tests.review import make_draft_in_review

PHONE = {"width": 375, "height": 800}
COMPARE = "/compare?from=1&to=2"
LONG_WORD = "Supercalifragilisticexpialidocious-" * 3

# Elements past the screen's edges, but not those inside a box that scrolls or clips them (an
# absolutely positioned one only by its containing block or the boxes around that).
OVERFLOW = """() => {
    const width = document.documentElement.clientWidth;
    const clipped = (element) => {
        const position = getComputedStyle(element).position;
        let box = position === 'absolute' ? element.offsetParent : element.parentElement;
        for (; box && box !== document.body; box = box.parentElement) {
            if (getComputedStyle(box).overflowX !== 'visible') return true;
        }
        return position === 'fixed';
    };
    const name = (element) => element.tagName.toLowerCase()
        + (element.id ? '#' + element.id : '')
        + (element.classList.length ? '.' + [...element.classList].join('.') : '');
    const wide = [...document.body.querySelectorAll('*')].filter((element) => {
        const box = element.getBoundingClientRect();
        return box.width > 0 && (box.right > width + 0.5 || box.left < -0.5) && !clipped(element);
    });
    return {
        scrollWidth: document.documentElement.scrollWidth,
        wide: wide.slice(0, 8).map((element) => {
            const box = element.getBoundingClientRect();
            return `${name(element)} ${Math.round(box.left)}..${Math.round(box.right)}`;
        }),
    };
}"""


@pytest.fixture
def pages(app, account):
    """The paths to walk, by who walks them. Around them: a copy draft in its second version with
    feedback on both (a passage, long unbroken words), an image draft with a resolved pin and a
    staff-only note, a PDF, a project thread with a reply, health snapshots and an e-mail in
    the outbox."""
    with app.app_context():
        admin = make_staff(StaffRole.ADMIN, name="Agency Admin", email="admin@agency.test")
        copy = make_draft_in_review(account, title="Homepage intro", body="Small batches. " * 40)
        make_comment(draft_thread(copy), account.reviewer, "How small?")
        new_copy = f"Twelve kilo batches. {LONG_WORD} " * 20
        make_version(copy, account.writer, body=new_copy, note="Sized it.")
        make_comment(
            draft_thread(copy),
            account.reviewer,
            f"Can we say {LONG_WORD}?",
            anchor={"type": "passage", "start": 0, "end": 19},
        )
        image = make_draft_in_review(
            account, DraftKind.IMAGE, title="Bag label", image=png_bytes(900, 600)
        )
        pinned = make_comment(
            draft_thread(image),
            account.reviewer,
            "Bigger logo here.",
            anchor={"type": "point", "x": 0.9, "y": 0.5},
        )
        set_resolved(account.designer, pinned, True)
        make_comment(draft_thread(image), account.designer, "Logo file?", internal=True)
        pdf = make_draft_in_review(account, DraftKind.PDF, title="Price list", image=pdf_bytes(2))
        thread = make_thread(
            account.client,
            account.reviewer,
            project=account.project,
            title="Launch date",
            body="When do we launch?",
        )
        answer = make_comment(thread, account.writer, "On the 4th. " + LONG_WORD)
        make_comment(thread, account.reviewer, "Thanks!", reply_to_id=answer.id)
        persist(
            EmailMessage(
                dedupe_key="walk",
                to_address=account.reviewer.email,
                subject="A message with a rather long subject line for a phone",
                text_body="Hello.",
            )
        )
        take_snapshots()
        base = account.base
        project = f"{base}/projects/{account.project.id}"
        return {
            None: ["/login"],
            account.reviewer: [
                base, project, account.draft_url(copy), account.draft_url(copy, COMPARE),
                account.draft_url(copy, "?v=1"), account.draft_url(image),
                account.thread_url(thread), f"{project}/threads/new", f"{base}/invitations",
                "/inbox", "/account/notifications", "/search?q=launch",
            ],
            account.writer: [account.draft_url(copy, "/versions/new")],
            account.designer: [
                "/", account.draft_url(image), account.draft_url(pdf), f"{project}/drafts/new",
                "/inbox",
            ],
            account.manager: ["/health", f"{base}/health"],
            admin: [
                "/admin/people", "/admin/clients", f"/admin/clients/{account.client.slug}/team",
                "/admin/outbox", "/admin/jobs", "/admin/health/weights",
            ],
        }  # fmt: skip


def phone_problems(page, path: str) -> list[str]:
    """What is wrong with ``path`` on a phone: axe's serious violations and sideways overflow."""
    response = page.goto(path)
    assert response.ok, f"{path}: {response.status}"
    found = serious_violations(page)
    overflow = page.evaluate(OVERFLOW)
    if overflow["scrollWidth"] > PHONE["width"] or overflow["wide"]:
        found.append(f"{overflow['scrollWidth']} px wide: {', '.join(overflow['wide'])}")
    return found


def test_every_key_page_fits_a_phone_and_passes_axe(browser, live_server, open_browser, pages):
    problems = {}
    with browser.new_context(base_url=live_server, viewport=PHONE) as anonymous:
        for person, paths in pages.items():
            page = open_browser(person) if person else anonymous.new_page()
            page.set_viewport_size(PHONE)
            for path in paths:
                if found := phone_problems(page, path):
                    problems[f"{person.email if person else 'anonymous'} {path}"] = found
    assert not problems, "\n".join(
        f"{where}:\n  " + "\n  ".join(found) for where, found in problems.items()
    )

"""axe-core (bundled with axe-playwright-python, so nothing is downloaded) run on a page."""

from axe_playwright_python.sync_playwright import Axe

BLOCKING = ("serious", "critical")

_axe = Axe()


def serious_violations(page) -> list[str]:
    """The serious and critical WCAG violations axe finds on ``page``, one line per rule, each
    naming the elements at fault."""
    violations = _axe.run(page).response["violations"]
    return [
        f"{violation['id']} ({violation['impact']}): {violation['help']}: "
        + ", ".join(" ".join(node["target"]) for node in violation["nodes"])
        for violation in violations
        if violation["impact"] in BLOCKING
    ]

"""A score history drawn on the server as a small SVG: no script, no inline style."""

from datetime import date

from markupsafe import Markup

WIDTH, HEIGHT, PAD = 120, 28, 2


def sparkline(history: list[tuple[date, int]], days: int = 90) -> Markup:
    """An SVG line of ``history`` ((day, score 0-100), oldest first) over the last ``days``,
    labelled for screen readers; empty when there is nothing to draw."""
    if not history:
        return Markup("")
    last_day = history[-1][0]
    span = max(days - 1, 1)

    def x(day: date) -> float:
        return PAD + (WIDTH - 2 * PAD) * (1 - min((last_day - day).days, span) / span)

    def y(score: int) -> float:
        return PAD + (HEIGHT - 2 * PAD) * (1 - score / 100)

    points = " ".join(f"{x(day):.1f},{y(score):.1f}" for day, score in history)
    first, last = history[0][1], history[-1][1]
    label = f"Score over the last {days} days, from {first} to {last}"
    return Markup(
        '<svg class="sparkline" viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img" '
        'aria-label="{label}"><line class="sparkline-floor" x1="0" x2="{w}" y1="{y40:.1f}" '
        'y2="{y40:.1f}"/><polyline fill="none" stroke="currentColor" stroke-width="1.5" '
        'points="{points}"/><circle r="2" cx="{cx:.1f}" cy="{cy:.1f}" fill="currentColor"/></svg>'
    ).format(
        w=WIDTH, h=HEIGHT, label=label, y40=y(40), points=points,
        cx=x(history[-1][0]), cy=y(last),
    )  # fmt: skip

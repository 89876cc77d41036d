"""Small, real files for the demo drafts: campaign images and multi-page PDFs, drawn with Pillow.

Every public function returns the bytes of one file, built in memory. ``revised=True`` draws the
second version, visibly different from the first, the way a designer would answer feedback.
"""

import io
from collections.abc import Sequence

from PIL import Image, ImageDraw, ImageFont

WHITE = "#ffffff"
INK = "#22201c"
PAGE = (1240, 1754)  # A4 at 150 dpi
# The solar ad's sky, (top, horizon) RGB, in v1 and in v2's paler version.
SKIES = {False: ((58, 123, 213), (168, 216, 240)), True: ((96, 160, 220), (236, 244, 250))}
MARGIN = 120


def _font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.load_default(size=size)


def _encode(image: Image.Image, fmt: str, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def _wrap(draw: ImageDraw.ImageDraw, text: str, font, width: int) -> list[str]:
    """``text`` broken into lines no wider than ``width`` pixels."""
    lines, line = [], ""
    for word in text.split():
        candidate = f"{line} {word}".strip()
        if line and draw.textlength(candidate, font=font) > width:
            lines.append(line)
            line = word
        else:
            line = candidate
    return [*lines, line] if line else lines


def _paragraph(draw, xy, text: str, size: int, fill: str, width: int, spacing=1.45) -> int:
    """Draw wrapped ``text`` from ``xy``; returns the y just below it."""
    font, (x, y) = _font(size), xy
    for line in _wrap(draw, text, font, width):
        draw.text((x, y), line, font=font, fill=fill)
        y += int(size * spacing)
    return y


def _centred(draw, y: int, text: str, size: int, fill: str, centre_x: int) -> None:
    draw.text((centre_x, y), text, font=_font(size), fill=fill, anchor="mt")


def coffee_label(revised: bool = False) -> bytes:
    """A PNG mock-up of the Yirgacheffe bag front; v2 moves to green with a bigger co-op name."""
    image = Image.new("RGB", (800, 600), "#efe6d8")
    draw = ImageDraw.Draw(image)
    for i in range(9):  # a scatter of beans behind the bag
        x, y = 60 + (i % 3) * 55, 380 + (i // 3) * 60
        draw.ellipse((x, y, x + 38, y + 26), fill="#5b3a24")
        draw.line((x + 6, y + 13, x + 32, y + 13), fill="#3a2416", width=3)
    draw.rounded_rectangle((250, 50, 550, 560), radius=24, fill="#b8895a")
    draw.rectangle((250, 50, 550, 95), fill="#9c7045")
    for x in range(262, 545, 18):  # the crimped seal
        draw.line((x, 55, x, 90), fill="#876039", width=4)
    label = "#2f5d50" if revised else "#c4623a"
    draw.rounded_rectangle((280, 170, 520, 500), radius=14, fill=label)
    _centred(draw, 190, "NORTHWIND", 30, "#f6efe3", 400)
    draw.line((330, 232, 470, 232), fill="#f6efe3", width=2)
    _centred(draw, 250, "ETHIOPIA", 20, "#f6efe3", 400)
    _centred(draw, 280, "Yirgacheffe", 40, WHITE, 400)
    _centred(draw, 336, "Konga Co-operative", 24 if revised else 15, "#f6efe3", 400)
    notes = "Jasmine · Bergamot · Honeyed finish" if revised else "Jasmine · Bergamot · Honey"
    _centred(draw, 392, notes, 15, "#f6efe3", 400)
    _centred(draw, 455, "250 g  ·  Whole bean  ·  Light roast", 14, "#f6efe3", 400)
    draw.text((590, 520), f"Front panel · v{2 if revised else 1}", font=_font(16), fill="#7a6a55")
    return _encode(image, "PNG", optimize=True)


def solar_ad(revised: bool = False) -> bytes:
    """A JPEG paid-social ad for community solar; v2 has a softer sun and a new headline."""
    image = Image.new("RGB", (800, 600))
    draw = ImageDraw.Draw(image)
    top, bottom = SKIES[revised]
    for y in range(420):  # the sky, fading from the top to the horizon
        colour = tuple(int(a + (b - a) * y / 420) for a, b in zip(top, bottom, strict=True))
        draw.line((0, y, 800, y), fill=colour)
    sun = "#ffd66b" if revised else "#f28c28"
    draw.ellipse((600, 40, 720, 160), fill=sun)
    draw.rectangle((0, 420, 800, 600), fill="#6aa84f")
    for row, y in enumerate((440, 500)):
        for x in range(40 + row * 30, 780, 120):
            draw.polygon(((x, y + 40), (x + 90, y + 40), (x + 110, y), (x + 20, y)), fill="#1f3a5f")
            draw.line((x + 55, y + 40, x + 65, y), fill="#9fb7d6", width=2)
    for x in (470, 560):  # two houses on the ridge, neither with panels
        draw.rectangle((x, 370, x + 70, 420), fill="#f4efe6")
        draw.polygon(((x - 8, 372), (x + 35, 335), (x + 78, 372)), fill="#8a4b38")
    draw.text((40, 36), "HELIOS", font=_font(30), fill=WHITE)
    headline = "You don't need a roof to go solar." if revised else "No roof? No problem."
    _paragraph(draw, (40, 110), headline, 46, WHITE, 520, spacing=1.15)
    offer = "Save a guaranteed 10% on your bill" if revised else "Save up to 15% on your bill"
    draw.text((40, 250), offer, font=_font(26), fill="#0e2a47")
    draw.rounded_rectangle((40, 300, 420, 352), radius=26, fill="#0e2a47")
    draw.text(
        (230, 326), "Join at helios.example/community", font=_font(20), fill=WHITE, anchor="mm"
    )
    return _encode(image, "JPEG", quality=85)


def catalogue_cover(revised: bool = False) -> bytes:
    """A PNG catalogue cover with an oak chair; v2 has a warmer ground and the chair centred."""
    image = Image.new("RGB", (600, 800), "#efe7da" if revised else "#dfe3d6")
    draw = ImageDraw.Draw(image)
    # The chair stands on the floor at ``floor``; its seat is 160 * ``scale`` wide.
    scale, left, floor = (1.2, 204, 660) if revised else (1.0, 330, 600)
    draw.rectangle((0, floor - 40, 600, 800), fill="#cdbfa8" if revised else "#b9c0ad")

    def s(length: float) -> int:
        return int(length * scale)

    seat_y = floor - s(150)
    oak, dark = "#a0703f", "#7a5230"
    draw.rectangle((left, seat_y - s(190), left + s(22), seat_y), fill=oak)  # back legs
    draw.rectangle((left + s(138), seat_y - s(190), left + s(160), seat_y), fill=oak)
    for i in range(4):
        y = seat_y - s(170) + i * s(40)
        draw.rectangle((left, y, left + s(160), y + s(14)), fill=dark)  # back rails
    draw.rectangle((left - s(10), seat_y, left + s(170), seat_y + s(22)), fill=oak)
    for x in (left - s(4), left + s(146)):
        draw.rectangle((x, seat_y + s(22), x + s(18), floor), fill=dark)
    shadow = "#a89a84" if revised else "#9ea692"
    draw.ellipse((left - s(30), floor - 8, left + s(200), floor + 12), fill=shadow)
    _centred(draw, 60, "BRAMBLE & OAK", 26, INK, 300)
    _centred(draw, 110, "The Cotswold", 58, INK, 300)
    _centred(draw, 178, "Collection", 58, INK, 300)
    _centred(draw, 730, "Autumn / Winter 2026", 22, INK, 300)
    return _encode(image, "PNG", optimize=True)


def showroom_invitation() -> bytes:
    """A JPEG invitation to the Bath showroom's opening evening."""
    image = Image.new("RGB", (800, 600), "#24352b")
    draw = ImageDraw.Draw(image)
    draw.rectangle((24, 24, 776, 576), outline="#c8a96a", width=4)
    draw.rectangle((40, 40, 760, 560), outline="#c8a96a", width=1)
    _centred(draw, 90, "BRAMBLE & OAK", 28, "#c8a96a", 400)
    _centred(draw, 170, "You're invited", 64, "#f3ede2", 400)
    _centred(draw, 270, "to the opening of our new showroom", 26, "#f3ede2", 400)
    _centred(draw, 330, "14 Milsom Street, Bath", 30, "#f3ede2", 400)
    _centred(draw, 420, "Thursday 9 October  ·  7pm", 24, "#c8a96a", 400)
    _centred(draw, 490, "RSVP to hello@brambleoak.example", 18, "#cfc7b8", 400)
    return _encode(image, "JPEG", quality=88)


# A PDF page: (heading, paragraphs, optional bar chart as (caption, ((label, value), ...))).
PdfPage = tuple[str, Sequence[str], tuple[str, Sequence[tuple[str, float]]] | None]


def _cover(title: str, subtitle: str, accent: str) -> Image.Image:
    page = Image.new("RGB", PAGE, WHITE)
    draw = ImageDraw.Draw(page)
    draw.rectangle((0, 0, PAGE[0], 700), fill=accent)
    y = _paragraph(draw, (MARGIN, 330), title, 96, WHITE, PAGE[0] - 2 * MARGIN, spacing=1.15)
    draw.text((MARGIN, y + 30), subtitle, font=_font(40), fill=WHITE)
    return page


def _page(number: int, spec: PdfPage, accent: str, footer: str) -> Image.Image:
    heading, paragraphs, chart = spec
    page = Image.new("RGB", PAGE, WHITE)
    draw = ImageDraw.Draw(page)
    width = PAGE[0] - 2 * MARGIN
    draw.rectangle((MARGIN, 120, MARGIN + 80, 132), fill=accent)
    y = _paragraph(draw, (MARGIN, 170), heading, 60, INK, width, spacing=1.2) + 40
    for text in paragraphs:
        y = _paragraph(draw, (MARGIN, y), text, 32, "#3b3833", width) + 30
    if chart:
        caption, bars = chart
        draw.text((MARGIN, y + 20), caption, font=_font(30), fill=INK)
        top, longest = y + 90, max(value for _label, value in bars)
        for i, (label, value) in enumerate(bars):
            bar_y = top + i * 90
            draw.text((MARGIN, bar_y + 14), label, font=_font(28), fill="#3b3833")
            end = MARGIN + 260 + int((width - 420) * value / longest)
            draw.rectangle((MARGIN + 260, bar_y, end, bar_y + 60), fill=accent)
            draw.text((end + 16, bar_y + 14), f"{value:,.0f}", font=_font(28), fill=INK)
    draw.text((MARGIN, PAGE[1] - 100), footer, font=_font(24), fill="#8a857c")
    draw.text((PAGE[0] - MARGIN, PAGE[1] - 100), str(number), font=_font(24), fill="#8a857c",
              anchor="ra")  # fmt: skip
    return page


def _pdf(title: str, subtitle: str, accent: str, pages: Sequence[PdfPage]) -> bytes:
    cover = _cover(title, subtitle, accent)
    rest = [_page(n, spec, accent, title) for n, spec in enumerate(pages, start=2)]
    return _encode(cover, "PDF", save_all=True, append_images=rest, resolution=150)


def impact_report_pdf(revised: bool = False) -> bytes:
    """Four pages of Helios's impact report; v2 spells out the chart's unit."""
    unit = "Emissions avoided (tonnes of CO2e)" if revised else "Emissions avoided"
    bars = (("2023", 18_400), ("2024", 26_900), ("2025", 41_200))
    return _pdf("Impact Report 2025", "Helios Renewable Energy", "#e07a1f", (
        ("Generation and emissions avoided",
         ("Our eleven solar farms generated 96 GWh this year, enough for 13,000 homes.",
          "Three new community schemes in Greene County came online in the autumn."),
         (unit, bars)),
        ("Community benefit funds",
         ("Every Helios farm pays into a fund its neighbours run. This year the funds "
          "granted $412,000 to 38 local projects, from a school greenhouse to a bus "
          "shelter with a solar roof.",
          "Forty per cent of grants went to groups that had never applied for one before."),
         None),
        ("What didn't go to plan",
         ("The Catskill scheme opened seven months late after a grid connection delay. We "
          "have changed how we survey sites so it does not happen again.",
          "Council partnerships: four councils now co-fund schemes; their figures are "
          "provisional until their budgets are approved."),
         None),
    ))  # fmt: skip


def catalogue_proof_pdf() -> bytes:
    """Three proof pages of Bramble & Oak's new collection catalogue."""
    return _pdf("The Cotswold Collection", "Bramble & Oak · first proof", "#5c6b4e", (
        ("The Windrush dining table",
         ("Storm-felled English oak, air-dried for four years and finished with hard wax oil.",
          "Made by Ellie Marsh in our Cirencester workshop.",
          "Length 220 cm · Width 95 cm · Height 76 cm · Seats eight"),
         None),
        ("The Coln chair",
         ("A steam-bent back and a seat shaped by hand, so it is as comfortable at the "
          "end of a long supper as at the start.",
          "Seat height 46 cm · Width 48 cm · Depth 52 cm"),
         None),
    ))  # fmt: skip


def voice_guide_pdf() -> bytes:
    """Three pages of Northwind's brand voice guidelines."""
    return _pdf("How Northwind sounds", "Brand voice guidelines · draft", "#2f5d50", (
        ("Warm, knowledgeable, never snobbish",
         ("We know a great deal about coffee and we never make anyone feel small for "
          "knowing less.",
          "Do: \"This one tastes of blackcurrant and dark chocolate.\"",
          "Don't: \"Notes of cassis over a cacao-forward body.\""),
         None),
        ("On pack and in e-mail",
         ("Name the farm first, then the taste, then how to brew it.",
          "Write subject lines the way you would say them across the counter: short, "
          "specific, and never in capitals."),
         None),
    ))  # fmt: skip

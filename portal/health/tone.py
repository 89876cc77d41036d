"""The tone of a client's comments: VADER's compound score, kept on each comment once read.

Scoring is the slowest part of a health run (about 80 µs a comment), and a comment's tone
changes only when its body does, so the health job scores each comment the first time it
reads it and stores the score (``Comment.tone``); an edit clears it.
"""

from sqlalchemy import bindparam, update
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from portal.extensions import write_while_reading
from portal.models import Comment

_analyzer = SentimentIntensityAnalyzer()
SCORED_LENGTH = 2000  # the opening of a long comment sets its tone well enough


def tone_of(body: str) -> float:
    """``body``'s tone, from -1 (hostile) to 1 (delighted)."""
    return _analyzer.polarity_scores(body[:SCORED_LENGTH])["compound"]


def keep_tones(tones: dict[int, float]) -> None:
    """Store the tones just scored, by comment id, in one statement (committed at once where
    the health job reads without SQLite's write lock: see ``write_while_reading``)."""
    if not tones:
        return
    comments = Comment.__table__  # a plain UPDATE, on a session or a connection alike
    statement = (
        update(comments)
        .where(comments.c.id == bindparam("comment_id"))
        .values(tone=bindparam("new_tone"))
    )
    rows = [{"comment_id": comment_id, "new_tone": tone} for comment_id, tone in tones.items()]
    with write_while_reading() as writer:
        writer.execute(statement, rows)

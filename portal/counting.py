"""Counts for badges and tabs that stop just past a thousand: "1,000+" costs what a thousand
rows do, however long the list behind it has grown."""

from sqlalchemy import Select, func, select

COUNT_CAP = 1000


def capped_count(query: Select) -> Select:
    """A select of how many rows ``query`` has, counted no further than ``COUNT_CAP + 1``."""
    return select(func.count()).select_from(query.order_by(None).limit(COUNT_CAP + 1).subquery())


def count_label(count: int) -> str:
    """``count`` as people read it: "1,000+" past the cap."""
    return f"{COUNT_CAP:,}+" if count > COUNT_CAP else f"{count:,}"

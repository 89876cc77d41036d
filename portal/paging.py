"""Pages counted by hand, read by the pagination macro as it reads Flask-SQLAlchemy's."""


class PageLinks:
    """The previous and next pages of an object whose ``page`` is the page shown and
    ``has_next`` says whether another follows."""

    page: int

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def prev_num(self) -> int:
        return self.page - 1

    @property
    def next_num(self) -> int:
        return self.page + 1

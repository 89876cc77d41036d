"""Due dates of reviews, and the reminders of them (``due``, ``services``, ``views``).

A draft's current version is up for review until ``draft.review_due_at``. Its reviewers who
have not decided (by the draft's rule, ``portal.drafts.status.awaits_decision_of``) are
reminded the day before, on the day, and on each of the two days after (as Filestage does:
its reminders stop two days past the due date), each on their own clock, at their digest
hour and outside their quiet hours, one e-mail a day for everything due. Staff on the
account may nudge a reviewer once a day. Every reminder sent is a ``ReviewReminder`` row.
"""

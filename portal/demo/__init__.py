"""The demo agency and its 90 days of activity: not product code, only what ``load-demo`` seeds.

:mod:`portal.demo.agency` holds the people, clients and projects; :mod:`portal.demo.activity`
plays their drafts and conversations through the real services; :mod:`portal.demo.files` draws
the images and PDFs those drafts carry; :mod:`portal.demo.health` adds the months before and
writes the health history; :mod:`portal.demo.clock` plays each step at its moment in the past.
"""

from portal.demo.agency import DEMO_PASSWORD, demo_data_present, demo_logins, load_demo_data

__all__ = ["DEMO_PASSWORD", "demo_data_present", "demo_logins", "load_demo_data"]

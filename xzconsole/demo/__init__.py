"""The demo database: a believable Xuzhou enterprise service center, 18 months deep.

``build_demo(path, tickets, now, progress)`` creates a fresh database with the
reference data of ``data/``, one staff account per role (fixed logins, see
``DEMO_STAFF``), enterprises with valid 统一社会信用代码 across Xuzhou's
districts, and ``tickets`` appeals spread over the 18 months before ``now``
whose histories follow the center's rules: due dates from the store's
calendar, signatures, returns, extensions, supervisions, replies, call-backs,
reopens and merged duplicates.  At ``now`` every status and every warning
level is present, with the notices of the warning panel (due today, not yet
dispatched, not yet signed, supporting parts past their deadline) and pending
extension and late-return requests.

Around the tickets, what the center's other work leaves behind: tickets taken
in at the city center and at four county centers; an enterprise directory
whose well-known enterprises have long histories, further contacts, edits and
two duplicate records merged; trade associations with members of their
industry; policies pushed to associations and enterprises, and feedback;
joint cases (会商会办) with supporting departments' parts and consultation
minutes; and a year of outreach (十百千万) with appeals taken on visits.
Each is written as the store's own methods would have left it.

The package follows the store's areas, one planner per module, each given
the shared :class:`~xzconsole.demo.context.Context` (seeded random source,
``now``, the calendar as a day table) explicitly:

- ``places``, ``topics``, ``staff``: the demo city, what appeals say, the people;
- ``directory``: enterprise records, their histories and merges;
- ``outreach``, ``associations``, ``policies``: the work around the tickets;
- ``scenarios``, ``tickets``, ``joint``, ``intake``: the prescribed tickets,
  one ticket's story, joint handling, and the days' arrivals in batches;
- ``build``: the planners in their fixed order and the batches handed to
  ``store.loader``.

Speed matters (1,000,000 tickets in about a minute), so rows are generated as
plain tuples from precomputed pools — the calendar as lists indexed by day,
timestamps as string look-ups, appeal texts as pools built once — and handed
to the store's bulk loader a batch at a time, one transaction per batch.  The
result is deterministic for a given ``tickets`` and ``now`` (fixed random
seed).
"""

from __future__ import annotations

from .build import RANDOM_ORDER_INDEXES, build_demo
from .directory import MARKUP_ENTERPRISE
from .staff import DEMO_STAFF

__all__ = ["DEMO_STAFF", "MARKUP_ENTERPRISE", "RANDOM_ORDER_INDEXES", "build_demo"]

"""The day's trend of the red level: tickets newly red and red ones cleared, per hour.

The store keeps no "turned red at" time — a ticket turns red by the calendar
at the start of a working day, or at once when a commit makes it so (a late
import, a dispatch entered after the fact) — so the wall derives the trend
from what it sees: each snapshot carries the set of red ticket ids, and the
difference with the previous set is what happened since (new red: ids that
entered; cleared: ids that left — replied, closed, returned or given more days).

A server that starts in the middle of the day cannot know the commits before
it started; it does know which tickets the calendar made red at midnight (red
as of today but not as of yesterday, asked of the store), so those are
counted in the 0 o'clock bucket and :attr:`RedTrend.since` says from when the
rest was watched.  Memory is two sets of ids and 48 numbers.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

HOURS = 24
NEW_RED_HIGHLIGHT_SECONDS = 120.0  # as long as the terminal panel marks a newly red ticket


class RedTrend:
    """New red / cleared per hour of the current local day, from successive red sets."""

    def __init__(self, highlight_seconds: float = NEW_RED_HIGHLIGHT_SECONDS) -> None:
        self.highlight_seconds = highlight_seconds
        self.day: dt.date | None = None
        self.since: dt.datetime | None = None  # when watching began on ``day``
        self.new_red = [0] * HOURS
        self.cleared = [0] * HOURS
        self._red: set[int] | None = None
        self._fresh: dict[int, float] = {}  # newly red id → monotonic time it was seen

    @property
    def started(self) -> bool:
        """Whether a first red set has been seen (until then ``observe`` needs ``yesterday``)."""
        return self._red is not None

    def observe(self, now: dt.datetime, red: set[int], mono: float,
                yesterday: set[int] | None = None) -> set[int]:
        """Take the red set as of ``now``; returns the ids newly red since the last call.

        ``yesterday`` (the red set as of the day before, evaluated on today's
        data) is used only on the first call: what it lacks turned red at
        midnight.  The first call returns nothing — what was already red when
        the wall started is not news.
        """
        today = now.date()
        if self._red is None:
            self._start_day(today, now)
            if yesterday is not None:
                self.new_red[0] += len(red - yesterday)
            self._red = set(red)
            return set()
        if today != self.day:
            gap = (today - self.day).days if self.day is not None else 0
            # watched without a break across midnight: the new day is complete from 00:00
            start = dt.datetime.combine(today, dt.time(0), now.tzinfo) if gap == 1 else now
            self._start_day(today, start)
        newly = red - self._red
        gone = self._red - red
        self.new_red[now.hour] += len(newly)
        self.cleared[now.hour] += len(gone)
        for tid in newly:
            self._fresh[tid] = mono
        for tid in gone:
            self._fresh.pop(tid, None)
        self._red = set(red)
        self._expire(mono)
        return newly

    def _start_day(self, today: dt.date, since: dt.datetime) -> None:
        self.day, self.since = today, since
        self.new_red = [0] * HOURS
        self.cleared = [0] * HOURS

    def _expire(self, mono: float) -> None:
        cut = mono - self.highlight_seconds
        for tid in [t for t, seen in self._fresh.items() if seen <= cut]:
            del self._fresh[tid]

    def fresh_age(self, ticket_id: int, mono: float) -> float | None:
        """Seconds since ``ticket_id`` turned red, while it is still highlighted; else None."""
        seen = self._fresh.get(ticket_id)
        if seen is None or mono - seen >= self.highlight_seconds:
            return None
        return mono - seen

    def to_json(self, now: dt.datetime) -> dict[str, Any]:
        """The trend as the page draws it: 24 hourly pairs and the day's totals."""
        since = self.since
        whole_day = since is None or (since.hour == 0 and since.minute == 0)
        return {
            "hours": [[n, c] for n, c in zip(self.new_red, self.cleared)],
            "hour_now": now.hour,
            "new_red": sum(self.new_red),
            "cleared": sum(self.cleared),
            "since": None if whole_day or since is None else f"{since:%H:%M}",
        }

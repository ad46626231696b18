"""Substring search over the trigram FTS5 indexes (policies, knowledge, enterprises).

``policies_fts``, ``knowledge_fts`` and ``enterprises_fts`` are FTS5 indexes
with the ``trigram`` tokenizer over their tables (external content), kept in
sync by triggers (see :mod:`xzconsole.areas.schema`) — so rows inserted by the
reference data, an import, an editor or anything else are indexed the same
way.  Every indexed column gets two :data:`xzconsole.policies.PAD_CHAR`
characters appended, which makes every one- and two-character substring of the
text the start of at least one indexed trigram.  A term of three characters or
more is an FTS5 phrase (a substring match); a shorter term becomes the OR of the
indexed trigrams that start with it, read from the term dictionary
(``fts5vocab``, a range scan).  So every query is answered from the index and
ranked by bm25; only a very common one-character term (more than
:data:`SHORT_TERM_CAP` trigrams) falls back to ``instr()`` over the rows.
The term dictionary also gives each term's document count: when a query may
match more than :data:`RANK_LIMIT` rows (or rows × trigram phrases exceed
:data:`RANK_COST`), ranking them all by bm25 would cost
tens of milliseconds to order rows nobody reads past the first screen, so
such a query lists title hits first, then the rest, each most recently added
first — the order FTS5 hands rowids out in, so ``LIMIT`` stops early.
``benchmarks/bench_search.py`` measures all this against a plain scan.
"""

from __future__ import annotations

import sqlite3
from typing import Any, Sequence


POLICY_FTS_COLUMNS = ("title", "doc_number", "issuer", "summary")


KNOWLEDGE_FTS_COLUMNS = ("question", "answer")


#: bm25 column weights: a hit in the title counts most, then the document number, issuer, summary
POLICY_WEIGHTS = "10.0, 6.0, 3.0, 1.0"


KNOWLEDGE_WEIGHTS = "6.0, 1.0"


#: A one- or two-character term is expanded into at most this many trigrams;
#: a term with more (a very common single character) is matched with instr().
SHORT_TERM_CAP = 400


#: Above this many (estimated) matching rows a search is not ranked by bm25
#: (it would rank them all to show twenty): title hits first, newest added first.
RANK_LIMIT = 3000


#: ... and above this many (rows × trigram phrases): a two-character word is the
#: OR of a few hundred trigrams, and bm25 visits every one of them for every row.
RANK_COST = 150_000


class Plan:
    """A search's terms as FTS5 query parts (ANDed), terms left to ``instr()``,
    an estimate of the matching rows, and whether nothing can match."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.scan: list[str] = []
        self.estimate = 0
        self.phrases = 0  # trigram phrases in the query: bm25 costs about this much per matching row
        self.impossible = False

    @property
    def ranked(self) -> bool:
        """Whether ranking every match by bm25 is cheap enough (see RANK_LIMIT, RANK_COST)."""
        return self.estimate <= RANK_LIMIT and self.estimate * max(1, self.phrases) <= RANK_COST



# -- search ------------------------------------------------------------------------
def plan_search(conn: sqlite3.Connection, fts: str, terms: Sequence[str]) -> Plan:
    """How to answer these terms from the index (see :class:`Plan`).

    A term of three characters or more is one FTS5 phrase; its estimated
    number of matching rows is the smallest document count among its
    trigrams.  A shorter term is the OR of the indexed trigrams that start
    with it (a range scan of the term dictionary), estimated by the sum of
    their document counts; when it starts no trigram at all it occurs
    nowhere, and when it starts more than :data:`SHORT_TERM_CAP` it is
    left to ``instr()``.
    """
    from .. import policies as pol  # the folding rules: a search's, not every store opening's (the schema reads this module)

    plan = Plan()
    estimates: list[int] = []
    for term in terms:
        low = pol.fold(term)
        if len(term) >= pol.TRIGRAM:
            plan.parts.append(pol.fts_phrase(term))
            plan.phrases += 1
            grams = [low[i:i + pol.TRIGRAM] for i in range(len(low) - pol.TRIGRAM + 1)][:6]
            docs = [conn.execute(f"SELECT doc FROM {fts}_terms WHERE term = ?", (g,)).fetchone() for g in grams]
            estimates.append(min((d[0] if d else 0) for d in docs))
            continue
        rows = conn.execute(f"SELECT term, doc FROM {fts}_terms WHERE term >= ? AND term < ? LIMIT ?",
                                 (low, low + "\U0010ffff", SHORT_TERM_CAP + 1)).fetchall()
        if not rows:
            plan.impossible = True
            return plan
        if len(rows) > SHORT_TERM_CAP:
            plan.scan.append(low)
            continue
        plan.parts.append("(" + " OR ".join(pol.fts_phrase(r[0]) for r in rows) + ")")
        plan.phrases += len(rows)
        estimates.append(sum(r[1] for r in rows))
    plan.estimate = min(estimates) if estimates else 0
    return plan


def library_query(conn: sqlite3.Connection, table: str, alias: str, weights: str, columns: Sequence[str], terms: Sequence[str],
                   where: list[str], params: list[Any], order: str, order_params: list[Any], relevance: bool,
                   limit: int, offset: int) -> list[sqlite3.Row]:
    """Rows of ``table`` (as ``alias``) holding every term and passing
    ``where``, in ``order`` (which may use ``score``); shared by the
    policy and knowledge searches."""
    a = alias
    fts = f"{table}_fts"
    plan = plan_search(conn, fts, terms) if terms else Plan()
    if plan.impossible:
        return []
    where, params = list(where), list(params)

    def contains(column: str, low: str) -> str:
        # lower() only matters for ASCII letters; without them instr() reads the column as it is
        return f"instr(lower({a}.{column}), ?)" if any(ch.isascii() and ch.isalpha() for ch in low) else f"instr({a}.{column}, ?)"

    for low in plan.scan:
        where.append("(" + " OR ".join(contains(c, low) for c in columns) + ")")
        params.extend([low] * len(columns))
    first = columns[0]
    if relevance and ((plan.parts and not plan.ranked) or (plan.scan and not plan.parts)):
        # a very common word: title hits first, then the rest, each newest
        # added first — the order rowids come out of FTS5 (or the table),
        # so LIMIT stops early instead of ranking every match
        def run(title_only: bool, n: int) -> list[sqlite3.Row]:
            w, ps = list(where), list(params)
            if plan.parts:
                source, order_by = f"{fts} JOIN {table} {a} ON {a}.id = {fts}.rowid", f"{fts}.rowid DESC"
                w.insert(0, f"{fts} MATCH ?")
                ps.insert(0, " AND ".join(f"{{{first}}} : {p}" if title_only else p for p in plan.parts))
            else:
                source, order_by = f"{table} {a}", f"{a}.id DESC"
            if title_only:
                for low in plan.scan:
                    w.append(contains(first, low))
                    ps.append(low)
            sql = f"SELECT {a}.*, NULL AS score FROM {source} WHERE {' AND '.join(w)} ORDER BY {order_by} LIMIT ?"
            return conn.execute(sql, [*ps, n]).fetchall()

        want = int(offset) + int(limit)
        titled = run(True, want)
        seen = {r["id"] for r in titled}
        rest = [r for r in run(False, want + len(titled)) if r["id"] not in seen]
        return (titled + rest)[int(offset):want]
    head: list[Any] = []
    if plan.parts:
        source = f"{fts} JOIN {table} {a} ON {a}.id = {fts}.rowid"
        # ranking a huge match set by bm25 costs more than it tells: skip it there
        score = f"bm25({fts}, {weights})" if plan.ranked else "NULL"
        where.insert(0, f"{fts} MATCH ?")
        params.insert(0, " AND ".join(plan.parts))
    elif plan.scan:
        source, score = f"{table} {a}", f"({contains(first, plan.scan[0])} = 0)"
        head.append(plan.scan[0])
    else:
        source, score = f"{table} {a}", "NULL"
    sql = (f"SELECT {a}.*, {score} AS score FROM {source} {'WHERE ' + ' AND '.join(where) if where else ''} "
           f"ORDER BY {order} LIMIT ? OFFSET ?")
    return conn.execute(sql, [*head, *params, *order_params, int(limit), int(offset)]).fetchall()

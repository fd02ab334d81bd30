"""One dedupe run over the warehouse: link, apply the stewards' decisions, cluster,
assign stable golden IDs, and record the evidence and history.

The CLI (``orderhub dedupe run``) and the Airflow dedupe task both call
:func:`run_dedupe`, so they cannot differ. The run is one transaction: a failure leaves
the golden IDs, pairs and history of the previous run untouched.

At a million customers nothing here is per-customer Python objects where arrays serve:
customers are read as one list per field (rows in natural-key order, so a row number
orders as its key), linked on columns, clustered with scipy's connected components, and
only the pairs the linker proposed become rows to store.
"""

from __future__ import annotations

import math
import time
import uuid
from bisect import bisect_left
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime

import numpy as np
from sqlalchemy import Connection, Engine, func, select
from sqlalchemy.exc import OperationalError

from orderhub.warehouse.schema import dedupe_runs
from quality.dedupe import golden, pairs, store
from quality.dedupe.columns import IntArray, columns_of
from quality.dedupe.customer_table import CustomerTable, read_customer_table
from quality.dedupe.golden import EventKind
from quality.dedupe.pairs import Band, CustomerRecord, NaturalKey, ScoredPair, cluster
from quality.dedupe.review import DedupeError

Linker = Callable[[Sequence[CustomerRecord]], list[ScoredPair]]
Progress = Callable[[str], None]
ACCEPTED_EVIDENCE = {"steward": "accepted"}
# Any PostgreSQL advisory lock number unique to dedupe: two runs at once would each
# assign from what the other is about to change.
_PG_LOCK = 0x0D0D_6011


@dataclass(frozen=True)
class RunSummary:
    """What a run found and changed (also the dedupe_runs row and the task's XCom)."""

    run_id: str
    customers: int
    deleted: int
    golden_ids: int
    match_pairs: int
    review_pairs: int
    pending_review: int
    created: int
    merges: int
    splits: int
    retired: int
    changed: int
    seconds: float
    #: Steward accepts a steward's reject kept apart (accept A-B, accept B-C, reject
    #: A-C): decisions that contradict each other cannot all win.
    overruled_accepts: int = 0

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


@dataclass(frozen=True)
class _Proposed:
    """The linker's pairs as rows of the customer table (``left < right``), in the
    linker's order; evidence is made per pair only when asked for."""

    left: IntArray
    right: IntArray
    score: list[float]
    match: np.ndarray
    evidence: Callable[[int], Mapping[str, str | float]]


def run_dedupe(
    engine: Engine, *, linker: Linker | None = None, progress: Progress | None = None
) -> RunSummary:
    """Link every active customer (with ``linker``, default the columnar linker of
    :mod:`quality.dedupe.linker`), cluster them and write their golden IDs."""
    say = progress or (lambda _: None)
    started = datetime.now(UTC)
    clock = time.perf_counter()
    run_id = str(uuid.uuid4())
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_PG_LOCK})")
        runs_before = _runs_so_far(connection)
        say("reading customers")
        table = read_customer_table(connection)
        decisions = store.read_decisions(connection)
        history = store.read_history(connection)
        say(f"linking {len(table):,} customers")
        proposed = _link(table, linker)
        say(f"clustering {len(table):,} customers")
        rows = _RowIndex(table)
        accepted, rejected = _decided(decisions, rows)
        labels = _clusters(table, proposed, accepted, rejected)
        say("assigning golden IDs")
        retired = history.retired
        assignment = golden.assign(
            dict(enumerate(labels.tolist())),
            # A retired ID stays retired: a customer that still carries one (deleted
            # when its ID was merged away, and back since) is treated as new.
            {i: None if g in retired else g for i, g in enumerate(table.previous)}
            if retired
            else dict(enumerate(table.previous)),
            live_before=history.live,
            age=history.age,
            taken=history.used | table.carried,
            natural_key=table.key,
        )
        _lock_for_writing(connection, runs_before)
        say(f"writing {len(assignment.changed):,} changed golden IDs")
        store.write_golden_ids(
            connection,
            [(table.systems[i], table.ids[i], gid) for i, gid in assignment.changed.items()],
        )
        decided = {rows.code(pair): decision for pair, decision in decisions.items()}
        say(f"storing {len(proposed.score):,} pairs and their evidence")
        pair_rows = _pair_rows(table, proposed, accepted, decided, labels, assignment.ids)
        store.replace_pairs(connection, run_id, pair_rows)
        say(f"recording {len(assignment.events):,} golden ID events")
        store.add_events(connection, run_id, assignment.events, datetime.now(UTC))
        review = ~proposed.match
        codes = proposed.left * max(len(table), 1) + proposed.right
        summary = RunSummary(
            run_id=run_id,
            customers=len(table),
            deleted=table.deleted,
            golden_ids=len(set(assignment.ids.values())),
            match_pairs=int(proposed.match.sum()),
            review_pairs=int(review.sum()),
            pending_review=int(
                (review & ~np.isin(codes, np.array([c for c in decided if c >= 0]))).sum()
            ),
            created=assignment.count(EventKind.CREATED),
            merges=assignment.count(EventKind.MERGED),
            splits=assignment.count(EventKind.SPLIT),
            retired=assignment.count(EventKind.RETIRED),
            changed=len(assignment.changed),
            seconds=round(time.perf_counter() - clock, 3),
            overruled_accepts=sum(1 for pair in accepted if not _same(labels, rows.pair(pair))),
        )
        _record_run(connection, summary, started)
    return summary


def _runs_so_far(connection: Connection) -> int:
    return int(connection.execute(select(func.count()).select_from(dedupe_runs)).scalar() or 0)


def _lock_for_writing(connection: Connection, runs_before: int) -> None:
    """On SQLite, take the write lock and make sure no other run finished meanwhile.

    SQLite has no advisory lock and pysqlite reads outside a transaction: two runs at
    once would each assign IDs from the same old state and both write (every new ID
    "created" twice). The reads are left unlocked so a long run does not hold off
    syncs; the check here turns the loser into a clear error and a rollback.
    (PostgreSQL runs are serialised whole by the advisory lock.)
    """
    if connection.dialect.name != "sqlite":
        return
    try:
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    except OperationalError:
        raise DedupeError(
            "the warehouse stayed locked by another writer (a sync or another dedupe run): "
            "nothing was changed; rerun `orderhub dedupe run` when it has finished"
        ) from None
    if _runs_so_far(connection) != runs_before:
        raise DedupeError(
            "another `orderhub dedupe run` finished while this one ran: this one changed "
            "nothing and the other's golden IDs stand; rerun `orderhub dedupe run` to include "
            "any change since"
        )


class _RowIndex:
    """Natural key → row number by binary search (rows are in key order): decisions
    name a handful of pairs; a dict of a million keys would cost more than they do."""

    def __init__(self, table: CustomerTable) -> None:
        self.table = table

    def row(self, key: NaturalKey) -> int | None:
        table = self.table
        at = bisect_left(range(len(table)), key, key=table.key)
        return at if at < len(table) and table.key(at) == key else None

    def pair(self, pair: store.PairKey) -> tuple[int, int]:
        """The rows of a pair of active customers."""
        left, right = self.row(pair[0]), self.row(pair[1])
        if left is None or right is None:
            raise ValueError(f"{pair} names a customer that is not active")
        return left, right

    def code(self, pair: store.PairKey) -> int:
        """The pair as ``left * n + right`` (-1 if a customer is not active)."""
        left, right = self.row(pair[0]), self.row(pair[1])
        if left is None or right is None:
            return -1
        return left * max(len(self.table), 1) + right


def _link(table: CustomerTable, linker: Linker | None) -> _Proposed:
    from quality.dedupe.linker import link as record_linker

    chosen = linker or pairs.link  # looked up now: a test may swap the default
    if chosen is pairs.SHIPPED_LINK or chosen is record_linker:
        # The built-in linker, on columns: the same pairs without a record per customer.
        from quality.dedupe.linker import Evidence, link_columns

        columns = columns_of(
            names=table.names,
            phones=table.phones,
            emails=table.emails,
            cities=table.cities,
            addresses=table.addresses,
        )
        result = link_columns(columns)
        why = Evidence(result.scored)
        return _Proposed(result.left, result.right, why.probability, result.is_match, why.of)
    # Another linker (tests, experiments) speaks records and ScoredPairs.
    found = chosen(table.records())
    rows = _RowIndex(table)

    def row(key: NaturalKey) -> int:
        at = rows.row(key)
        if at is None:
            raise ValueError(f"the linker paired {key}, which is not an active customer")
        return at

    return _Proposed(
        np.array([row(p.left) for p in found], dtype=np.int64),
        np.array([row(p.right) for p in found], dtype=np.int64),
        [p.score for p in found],
        np.array([p.band is Band.MATCH for p in found], dtype=bool),
        lambda k: found[k].evidence,
    )


def _decided(
    decisions: dict[store.PairKey, str], rows: _RowIndex
) -> tuple[list[store.PairKey], list[store.PairKey]]:
    """Accepted and rejected pairs whose two customers are both still active."""
    accepted: list[store.PairKey] = []
    rejected: list[store.PairKey] = []
    for pair, decision in sorted(decisions.items()):
        if rows.code(pair) >= 0:
            (accepted if decision == "accept" else rejected).append(pair)
    return accepted, rejected


def _clusters(
    table: CustomerTable,
    proposed: _Proposed,
    accepted: Sequence[store.PairKey],
    rejected: Sequence[store.PairKey],
) -> IntArray:
    """Each row's cluster number: MATCH pairs and accepted pairs joined transitively,
    never joining the two customers of a rejected pair.

    Connected components answer for every component no rejection splits; only the
    components holding both customers of a rejected pair go through ``pairs.cluster``'s
    constrained union-find (strongest pair first), which gives the same clusters.
    """
    from quality.dedupe.linker import match_clusters

    rows = _RowIndex(table)
    accepted_rows = [rows.pair(pair) for pair in accepted]
    match = np.flatnonzero(proposed.match)
    left = np.concatenate([proposed.left[match], [a for a, _ in accepted_rows]]).astype(np.int64)
    right = np.concatenate([proposed.right[match], [b for _, b in accepted_rows]]).astype(np.int64)
    labels = match_clusters(len(table), left, right)
    torn_pairs = [pair for pair in rejected if _same(labels, rows.pair(pair))]
    if not torn_pairs:
        return labels
    torn = sorted({int(labels[rows.pair(pair)[0]]) for pair in torn_pairs})
    scores = [proposed.score[k] for k in match.tolist()] + [math.inf] * len(accepted_rows)
    inside = np.isin(labels[left], torn).tolist()
    merges = [
        ScoredPair(table.key(a), table.key(b), scores[k], Band.MATCH)
        for k, (a, b) in enumerate(zip(left.tolist(), right.tolist(), strict=True))
        if inside[k]
    ]
    members = np.flatnonzero(np.isin(labels, torn))
    apart = cluster([table.key(i) for i in members.tolist()], merges, cannot_link=torn_pairs)
    first = int(labels.max()) + 1
    for i in members.tolist():
        labels[i] = first + apart[table.key(i)]
    return labels


def _same(labels: IntArray, rows: tuple[int, int]) -> bool:
    return bool(labels[rows[0]] == labels[rows[1]])


def _pair_rows(
    table: CustomerTable,
    proposed: _Proposed,
    accepted: Sequence[store.PairKey],
    decided: Mapping[int, str],
    labels: IntArray,
    ids: Mapping[int, uuid.UUID],
) -> list[store.PairRow]:
    n = max(len(table), 1)
    left, right = proposed.left.tolist(), proposed.right.tolist()
    together = (labels[proposed.left] == labels[proposed.right]).tolist()
    match = proposed.match.tolist()
    rows: dict[store.PairKey, store.PairRow] = {}
    for k, (a, b) in enumerate(zip(left, right, strict=True)):
        decision = decided.get(a * n + b)
        joins = decision == "accept" or (match[k] and decision != "reject")
        key = (table.key(a), table.key(b))
        rows[key] = store.PairRow(
            pair=key,
            score=proposed.score[k],
            band=str(Band.MATCH if match[k] else Band.REVIEW),
            evidence=dict(proposed.evidence(k)),
            merged=joins and together[k],
            golden_id=ids.get(a),
        )
    rows_of = _RowIndex(table)
    for key in accepted:
        if key not in rows:  # held together by the steward alone
            a, b = rows_of.pair(key)
            rows[key] = store.PairRow(
                key, None, None, ACCEPTED_EVIDENCE, bool(labels[a] == labels[b]), ids[a]
            )
    return list(rows.values())


def _record_run(connection: Connection, summary: RunSummary, started: datetime) -> None:
    values = summary.as_dict()
    for name in ("deleted", "seconds", "overruled_accepts"):
        values.pop(name)
    store.add_run(connection, {**values, "started_at": started, "finished_at": datetime.now(UTC)})

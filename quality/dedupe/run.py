"""One dedupe run over the warehouse: link, apply the stewards' decisions, cluster,
assign stable golden IDs, and record the evidence and history.

The CLI (``orderhub dedupe run``) and the Airflow dedupe task both call
:func:`run_dedupe`, so they cannot differ. The run is one transaction: a failure leaves
the golden IDs, pairs and history of the previous run untouched.
"""

from __future__ import annotations

import math
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime

from sqlalchemy import Connection, Engine, func, select
from sqlalchemy.exc import OperationalError

from orderhub.warehouse.schema import dedupe_runs
from quality.dedupe import golden, pairs, store
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


def run_dedupe(
    engine: Engine, *, linker: Linker | None = None, progress: Progress | None = None
) -> RunSummary:
    """Link every active customer (with ``linker``, default :func:`pairs.link`), cluster
    them and write their golden IDs."""
    say = progress or (lambda _: None)
    started = datetime.now(UTC)
    clock = time.perf_counter()
    run_id = str(uuid.uuid4())
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_PG_LOCK})")
        runs_before = _runs_so_far(connection)
        say("reading customers")
        found = store.read_customers(connection)
        decisions = store.read_decisions(connection)
        history = store.read_history(connection)
        say(f"linking {len(found.records):,} customers")
        proposed = (linker or pairs.link)(found.records)
        say(f"clustering {len(found.records):,} customers")
        active = set(found.previous)
        accepted, rejected = _decided(decisions, active)
        merges = [p for p in proposed if p.band is Band.MATCH]
        merges += [ScoredPair(a, b, math.inf, Band.MATCH, ACCEPTED_EVIDENCE) for a, b in accepted]
        clusters = cluster(active, merges, cannot_link=rejected)
        say("assigning golden IDs")
        assignment = golden.assign(
            clusters,
            # A retired ID stays retired: a customer that still carries one (deleted
            # when its ID was merged away, and back since) is treated as new.
            {k: None if g in history.retired else g for k, g in found.previous.items()}
            if history.retired
            else found.previous,
            live_before=history.live,
            age=history.age,
            taken=history.used | found.carried,
        )
        _lock_for_writing(connection, runs_before)
        say(f"writing {len(assignment.changed):,} changed golden IDs")
        store.write_golden_ids(
            connection, [(found.row_keys[k], gid) for k, gid in assignment.changed.items()]
        )
        rows = _pair_rows(proposed, accepted, decisions, clusters, assignment.ids)
        store.replace_pairs(connection, run_id, rows)
        store.add_events(connection, run_id, assignment.events, datetime.now(UTC))
        summary = RunSummary(
            run_id=run_id,
            customers=len(found.records),
            deleted=found.deleted,
            golden_ids=len(set(assignment.ids.values())),
            match_pairs=sum(1 for p in proposed if p.band is Band.MATCH),
            review_pairs=sum(1 for p in proposed if p.band is Band.REVIEW),
            pending_review=sum(
                1 for p in proposed if p.band is Band.REVIEW and (p.left, p.right) not in decisions
            ),
            created=assignment.count(EventKind.CREATED),
            merges=assignment.count(EventKind.MERGED),
            splits=assignment.count(EventKind.SPLIT),
            retired=assignment.count(EventKind.RETIRED),
            changed=len(assignment.changed),
            seconds=round(time.perf_counter() - clock, 3),
            overruled_accepts=sum(1 for a, b in accepted if clusters[a] != clusters[b]),
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


def _decided(
    decisions: dict[store.PairKey, str], active: set[NaturalKey]
) -> tuple[list[store.PairKey], list[store.PairKey]]:
    """Accepted and rejected pairs whose two customers are both still active."""
    accepted: list[store.PairKey] = []
    rejected: list[store.PairKey] = []
    for pair, decision in sorted(decisions.items()):
        if pair[0] in active and pair[1] in active:
            (accepted if decision == "accept" else rejected).append(pair)
    return accepted, rejected


def _pair_rows(
    proposed: Sequence[ScoredPair],
    accepted: Sequence[store.PairKey],
    decisions: dict[store.PairKey, str],
    clusters: dict[NaturalKey, int],
    ids: dict[NaturalKey, uuid.UUID],
) -> list[store.PairRow]:
    rows: dict[store.PairKey, store.PairRow] = {}
    for p in proposed:
        key = (p.left, p.right)
        decision = decisions.get(key)
        joins = decision == "accept" or (p.band is Band.MATCH and decision != "reject")
        rows[key] = store.PairRow(
            pair=key,
            score=p.score,
            band=str(p.band),
            evidence=dict(p.evidence),
            merged=joins and clusters[p.left] == clusters[p.right],
            golden_id=ids.get(p.left),
        )
    for key in accepted:
        if key not in rows:  # held together by the steward alone
            rows[key] = store.PairRow(
                key,
                None,
                None,
                ACCEPTED_EVIDENCE,
                clusters[key[0]] == clusters[key[1]],
                ids[key[0]],
            )
    return list(rows.values())


def _record_run(connection: Connection, summary: RunSummary, started: datetime) -> None:
    values = summary.as_dict()
    for name in ("deleted", "seconds", "overruled_accepts"):
        values.pop(name)
    store.add_run(connection, {**values, "started_at": started, "finished_at": datetime.now(UTC)})

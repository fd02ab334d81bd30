"""Dedupe accuracy and speed on the labelled generator, beside the exact-key baseline.

    .venv/bin/python benchmarks/dedupe.py [--sizes 10000,100000,1000000] [--json]

For each size (customer records, approximately: the generator makes ~2.07 records per
person), the records are generated once, pickled, and each linker runs in its own child
process so neither shares the other's (or another size's) peak memory. Timed: normalise +
block + score + cluster (generation and loading are not). Accuracy is pairwise, after
clustering the MATCH pairs transitively: every within-cluster pair against
``true_pairs``. The baseline is the exact-key linker: same unmasked E.164 phone or same
email, clustered transitively. Nothing is asserted; the machine is shared, so timings
are noisy: report what was measured.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import pickle
import resource
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from quality.dedupe.generator import generate

RECORDS_PER_PERSON = 2.07


def _pairs(labels: np.ndarray) -> int:
    _, counts = np.unique(labels, return_counts=True)
    return int((counts * (counts - 1) // 2).sum())


def _accuracy(labels: np.ndarray, person: np.ndarray) -> dict[str, float]:
    predicted, true = _pairs(labels), _pairs(person)
    hits = _pairs(labels.astype(np.int64) * (int(person.max()) + 1) + person)
    precision = hits / predicted if predicted else 1.0
    recall = hits / true if true else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1, "false_pairs": predicted - hits}


def _run(kind: str, path: str, queue: Any) -> None:
    """In a child process: load the records, link them, report accuracy, time, memory."""
    import scipy.sparse.csgraph  # noqa: F401 (imported before the clock: seconds cold)

    from quality.dedupe.columns import to_columns
    from quality.dedupe.linker import link_columns, match_clusters

    with open(path, "rb") as handle:
        records = pickle.load(handle)
    person = np.array([r.person for r in records], dtype=np.int64)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    phases: dict[str, float] = {}
    start = time.perf_counter()
    columns = to_columns(records)
    phases["normalise"] = time.perf_counter() - start
    if kind == "linker":
        mark = time.perf_counter()
        result = link_columns(columns)
        phases["block+score"] = time.perf_counter() - mark
        mark = time.perf_counter()
        labels = match_clusters(
            columns.size, result.left[result.is_match], result.right[result.is_match]
        )
        phases["cluster"] = time.perf_counter() - mark
        extra = {
            "candidates": result.blocking.candidates,
            "match_pairs": int(result.is_match.sum()),
            "review_pairs": int((~result.is_match).sum()),
            "oversized_blocks": sum(result.blocking.oversized_blocks.values()),
        }
    elif kind == "identifier-oracle":
        mark = time.perf_counter()
        labels = _exact_key_clusters(columns, person)
        phases["cluster"] = time.perf_counter() - mark
        extra = {}
    else:
        mark = time.perf_counter()
        labels = _exact_key_clusters(columns)
        phases["cluster"] = time.perf_counter() - mark
        extra = {}
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    queue.put(
        {
            "kind": kind,
            "records": len(records),
            "seconds": seconds,
            "phases": phases,
            "peak_rss_mb": peak / 1024,
            "peak_rss_over_loaded_mb": (peak - before) / 1024,
            **_accuracy(labels, person),
            **extra,
        }
    )


def _exact_key_clusters(columns: Any, person: np.ndarray | None = None) -> np.ndarray:
    """The baseline: records sharing an unmasked phone or an email are one customer.

    With ``person`` (the labels), the identifier oracle instead: records of the same
    person sharing an unmasked phone, an email or a full address, and nothing else. Its
    recall is what linking on shared identifiers alone can ever find; the rest of the true
    pairs rest on names, places and masked digits only.
    """
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    n = columns.size
    rows, cols = [], []
    offset = n
    keys = (columns.phone_code, columns.email_code)
    if person is not None:
        keys += (columns.address_code,)
    for codes in keys:
        if person is not None:  # one key per (identifier, person): no false joins
            codes = np.where(codes >= 0, codes * (int(person.max()) + 1) + person, -1)
            codes = np.unique(codes, return_inverse=True)[1] - int((codes < 0).any())
        known = np.flatnonzero(codes >= 0)
        rows.append(known)
        cols.append(codes[known] + offset)
        offset += int(codes.max(initial=-1)) + 1
    row, col = np.concatenate(rows), np.concatenate(cols)
    graph = coo_matrix((np.ones(len(row), dtype=np.int8), (row, col)), shape=(offset, offset))
    _, labels = connected_components(graph, directed=False)
    return labels[:n].astype(np.int64)


def _measure(kind: str, path: str) -> dict[str, Any]:
    context = mp.get_context("spawn")
    queue = context.Queue()
    child = context.Process(target=_run, args=(kind, path, queue))
    child.start()
    result: dict[str, Any] = queue.get()
    child.join()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--json", action="store_true", help="print JSON, not a table")
    args = parser.parse_args()
    rows = []
    for size in (int(s) for s in args.sizes.split(",")):
        records = generate(max(1, round(size / RECORDS_PER_PERSON)), args.seed)
        with tempfile.NamedTemporaryFile(suffix=".pickle", delete=False) as handle:
            pickle.dump(records, handle, protocol=pickle.HIGHEST_PROTOCOL)
        del records
        try:
            linker = _measure("linker", handle.name)
            baseline = _measure("baseline", handle.name)
            oracle = _measure("identifier-oracle", handle.name)
        finally:
            Path(handle.name).unlink()
        linker["time_vs_baseline"] = linker["seconds"] / baseline["seconds"]
        linker["f1_vs_baseline"] = linker["f1"] / baseline["f1"] if baseline["f1"] else None
        rows.append(
            {"size": size, "linker": linker, "baseline": baseline, "identifier-oracle": oracle}
        )
        if not args.json:
            print(f"measured {linker['records']:,} records", file=sys.stderr)
    if args.json:
        print(json.dumps(rows, indent=2))
    else:
        _table(rows)


def _table(rows: list[dict[str, Any]]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title="Customer dedupe on the labelled generator (pairwise, after clustering)")
    for column in (
        "records",
        "method",
        "P",
        "R",
        "F1",
        "time s",
        "peak RSS MB",
        "time vs baseline",
        "F1 vs baseline",
    ):
        table.add_column(column, justify="right")
    for row in rows:
        for kind in ("linker", "baseline", "identifier-oracle"):
            r = row[kind]
            table.add_row(
                f"{r['records']:,}",
                kind,
                f"{r['precision']:.4f}",
                f"{r['recall']:.4f}",
                f"{r['f1']:.4f}",
                f"{r['seconds']:.1f}",
                f"{r['peak_rss_mb']:.0f}",
                f"{r['time_vs_baseline']:.1f}x" if kind == "linker" else "",
                f"{r['f1_vs_baseline']:.2f}x" if kind == "linker" else "",
            )
    Console(width=max(Console().width, 120)).print(table)
    for row in rows:
        phases = ", ".join(f"{k} {v:.1f}s" for k, v in row["linker"]["phases"].items())
        print(f"{row['linker']['records']:,} records, linker phases: {phases}")
    print(
        "identifier-oracle: the true pairs joined by a shared unmasked phone, email or full "
        "address (labels used): what identifiers alone can find"
    )


if __name__ == "__main__":
    main()

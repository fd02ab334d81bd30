"""`orderhub dedupe run|review|export|show`: golden customer IDs and the steward's queue.

The warehouse comes from orderhub.yml (``--config``) or ``--warehouse`` as for every
command. Decisions recorded with `review accept|reject` take effect on the next run.
"""

from __future__ import annotations

import csv
import sys
import uuid
from collections.abc import Iterable
from dataclasses import asdict
from enum import StrEnum
from pathlib import Path
from typing import Annotated, TextIO

import typer
from rich.markup import escape
from rich.table import Table

from orderhub.cli.console import (
    ConfigOption,
    JsonOption,
    WarehouseOption,
    console,
    errors,
    guarded,
    print_json,
    warehouse_engine,
)
from orderhub.exceptions import ConfigurationError
from quality.dedupe.review import Customer, GoldenStory, ReviewPair

dedupe_app = typer.Typer(
    help="Golden customer IDs across sources: run dedupe, review pairs, export IDs.",
    no_args_is_help=True,
)
review_app = typer.Typer(
    help="List pairs waiting for a steward, or accept/reject one (effective next run)."
)
dedupe_app.add_typer(review_app, name="review")

# Pair ids are 64-bit: a larger number is no pair, and the database would refuse it
# with an error that blames the warehouse.
PairArgument = Annotated[
    int, typer.Argument(min=1, max=2**63 - 1, help="Pair id from `orderhub dedupe review`")
]
ByOption = Annotated[str | None, typer.Option("--by", help="Who decides (default: the login name)")]
NoteOption = Annotated[str | None, typer.Option("--note", help="Why, for the next steward")]


class ExportFormat(StrEnum):
    """What `dedupe export` writes (typer rejects anything else, listing these)."""

    CSV = "csv"


@dedupe_app.command("run")
@guarded
def run(
    config: ConfigOption = None, warehouse: WarehouseOption = None, as_json: JsonOption = False
) -> None:
    """Link every customer, cluster, and write stable golden IDs back to the customers table.

    Customers keep the golden ID most of their cluster already had; merges and splits are
    recorded (see `orderhub dedupe show`). Pairs in the uncertain band wait in
    `orderhub dedupe review`.
    """
    from quality.dedupe.review import overruled_accepts
    from quality.dedupe.run import run_dedupe

    # Not write=True: dedupe links what syncs loaded, so a warehouse that does not exist
    # is a mistyped path, not one to create empty and report "0 customers" from.
    engine = warehouse_engine(config, warehouse)
    try:
        if as_json:
            summary = run_dedupe(engine)
        else:
            with console.status("dedupe") as status:
                summary = run_dedupe(engine, progress=lambda step: status.update(f"dedupe: {step}"))
        overruled = overruled_accepts(engine) if summary.overruled_accepts else []
    except KeyboardInterrupt:
        # The run is one transaction: an interrupted one leaves the previous run's state.
        errors.print(
            "[bold yellow]interrupted:[/] nothing was changed (golden IDs, pairs and history "
            "are the previous run's); rerun `orderhub dedupe run`",
            highlight=False,
        )
        raise typer.Exit(130) from None
    finally:
        engine.dispose()
    if as_json:
        print_json({**summary.as_dict(), "overruled_accept_pair_ids": overruled})
        return
    table = Table(title=f"dedupe run {summary.run_id}", title_justify="left", show_header=False)
    table.add_column("what")
    table.add_column("count", justify="right")
    for label, value in (
        ("customers", summary.customers),
        ("deleted (not linked, keep their ID)", summary.deleted),
        ("golden IDs", summary.golden_ids),
        ("matched pairs", summary.match_pairs),
        ("pairs in the review band", summary.review_pairs),
        ("new golden IDs", summary.created),
        ("merges", summary.merges),
        ("splits", summary.splits),
        ("retired golden IDs", summary.retired),
        ("customers whose ID changed", summary.changed),
    ):
        table.add_row(label, f"{value:,}")
    console.print(table)
    console.print(f"took {summary.seconds:.1f}s", highlight=False)
    if not summary.customers and not summary.deleted:
        console.print(
            "[yellow]the customers table is empty:[/] load customers with `orderhub sync "
            "PIPELINE` (or check the warehouse URL), then rerun `orderhub dedupe run`"
        )
    if summary.pending_review:
        console.print(
            f"[yellow]{summary.pending_review:,} pair(s) wait for review:[/] "
            "see `orderhub dedupe review`"
        )
    if overruled:
        console.print(
            f"[yellow]{len(overruled):,} accepted pair(s) kept apart by a steward's reject "
            f"(pair {', '.join(map(str, overruled))}):[/] the decisions contradict each other; "
            "see `orderhub dedupe show GOLDEN_ID` and change one with "
            "`orderhub dedupe review accept|reject PAIR_ID`",
            highlight=False,
        )


@review_app.callback(invoke_without_command=True)
@guarded
def review(
    ctx: typer.Context,
    config: ConfigOption = None,
    warehouse: WarehouseOption = None,
    limit: Annotated[
        int, typer.Option("--limit", min=1, max=2**63 - 1, help="Show at most this many")
    ] = 20,
    as_json: JsonOption = False,
) -> None:
    """Pairs of the latest run waiting for a steward, highest score first (PII masked)."""
    if ctx.invoked_subcommand is not None:
        return
    from quality.dedupe.review import pending

    engine = warehouse_engine(config, warehouse)
    try:
        pairs, total = pending(engine, limit)
    finally:
        engine.dispose()
    if as_json:
        print_json(
            {
                "total": total,
                "pairs": [
                    {
                        "pair_id": p.pair_id,
                        "score": p.score,
                        "evidence": dict(p.evidence),
                        "left": _customer_json(p.left),
                        "right": _customer_json(p.right),
                    }
                    for p in pairs
                ],
            }
        )
        return
    if not pairs:
        console.print("no pairs wait for review")
        return
    for pair in pairs:
        console.print(_pair_table(pair))
    shown = f"{len(pairs)} of {total}" if total > len(pairs) else f"{total}"
    console.print(
        f"{shown} pair(s) wait for review. Decide with `orderhub dedupe review accept PAIR_ID` "
        "or `... reject PAIR_ID`; decisions take effect on the next `orderhub dedupe run`.",
        highlight=False,
    )


def _customer_json(customer: Customer) -> dict[str, object]:
    values = asdict(customer)
    values["golden_id"] = str(customer.golden_id) if customer.golden_id else None
    return values


def _pair_table(pair: ReviewPair) -> Table:
    """One pair as a three-column table: readable on a narrow terminal, as cells fold."""
    score = "-" if pair.score is None else f"{pair.score:.3f}"
    evidence = ", ".join(f"{k}: {v}" for k, v in pair.evidence.items()) or "-"
    decided = f" · {pair.decision}ed by a steward" if pair.decision else ""
    if pair.decision == "accept" and not pair.merged:
        decided += ", but kept apart by a steward's reject of another pair"
    table = Table(
        title=f"pair {pair.pair_id} · score {score} · {pair.band or 'steward'}{decided}",
        title_justify="left",
        caption=f"evidence: {escape(evidence)}",
        caption_justify="left",
    )
    table.add_column("", no_wrap=True, style="dim")
    table.add_column(escape(pair.left.label), overflow="fold")
    table.add_column(escape(pair.right.label), overflow="fold")
    for field in ("name", "phone", "email", "city"):
        table.add_row(field, escape(getattr(pair.left, field)), escape(getattr(pair.right, field)))
    return table


def _decide(
    decision: str,
    pair_id: int,
    by: str | None,
    note: str | None,
    config: Path | None,
    warehouse: str | None,
) -> None:
    import getpass

    from quality.dedupe.review import decide

    engine = warehouse_engine(config, warehouse)
    try:
        done = decide(engine, pair_id, decision, by=by or getpass.getuser(), note=note)
    finally:
        engine.dispose()
    was = f" (was {done.replaced})" if done.replaced and done.replaced != decision else ""
    console.print(
        f"pair {pair_id}: {decision}ed{was}; it takes effect on the next `orderhub dedupe run`",
        highlight=False,
    )


@review_app.command("accept")
@guarded
def accept(
    pair_id: PairArgument,
    by: ByOption = None,
    note: NoteOption = None,
    config: ConfigOption = None,
    warehouse: WarehouseOption = None,
) -> None:
    """The two customers are one person: merged on every later run, whatever the score."""
    _decide("accept", pair_id, by, note, config, warehouse)


@review_app.command("reject")
@guarded
def reject(
    pair_id: PairArgument,
    by: ByOption = None,
    note: NoteOption = None,
    config: ConfigOption = None,
    warehouse: WarehouseOption = None,
) -> None:
    """The two customers are different people: never in one cluster again.

    Holds whatever the linker scores later and whatever other customers link them.
    """
    _decide("reject", pair_id, by, note, config, warehouse)


@dedupe_app.command("export")
@guarded
def export(
    format_: Annotated[
        ExportFormat, typer.Option("--format", "-f", help="Output format")
    ] = ExportFormat.CSV,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="File to write (default: stdout)")
    ] = None,
    config: ConfigOption = None,
    warehouse: WarehouseOption = None,
) -> None:
    """source_system, source_customer_id, golden_customer_id of every customer.

    Deleted customers are listed too; the golden ID is empty before the first
    `orderhub dedupe run`.
    """
    from quality.dedupe.store import iter_golden_ids

    engine = warehouse_engine(config, warehouse)
    try:
        with engine.connect() as connection:
            if output is None:
                count = _write_csv(sys.stdout, iter_golden_ids(connection))
            else:
                try:
                    with output.open("w", encoding="utf-8", newline="") as file:
                        count = _write_csv(file, iter_golden_ids(connection))
                except OSError as error:
                    raise ConfigurationError(
                        f"cannot write {output}: {error.strerror}; choose another --output"
                    ) from None
    finally:
        engine.dispose()
    if output is not None:
        console.print(f"wrote {count:,} customer(s) to {output}", highlight=False)


def _write_csv(file: TextIO, rows: Iterable[tuple[str, str, uuid.UUID | None]]) -> int:
    writer = csv.writer(file, lineterminator="\n")
    writer.writerow(["source_system", "source_customer_id", "golden_customer_id"])
    count = 0
    for system, source_id, gid in rows:
        writer.writerow([system, source_id, "" if gid is None else str(gid)])
        count += 1
    file.flush()
    return count


def _no_members(story: GoldenStory) -> str:
    """Why an ID has no customers now, and where a steward should look instead."""
    retired = [e for e in story.events if e.kind == "retired" and e.golden_id == story.golden_id]
    if not retired:
        return f"golden ID {story.golden_id}: no customer carries it now (see its history)"
    into = ", ".join(retired[-1].other_ids) or "-"
    return (
        f"golden ID {story.golden_id} was retired on "
        f"{retired[-1].occurred_at:%Y-%m-%d %H:%M}: its customers now carry {into}; "
        f"see `orderhub dedupe show {next(iter(retired[-1].other_ids), 'GOLDEN_ID')}`"
    )


@dedupe_app.command("show")
@guarded
def show(
    golden_id: Annotated[str, typer.Argument(help="A golden customer ID (UUID)")],
    config: ConfigOption = None,
    warehouse: WarehouseOption = None,
) -> None:
    """One golden ID: its members (masked), the pairs that joined them, and its history."""
    from quality.dedupe.review import show as story_of

    engine = warehouse_engine(config, warehouse)
    try:
        story = story_of(engine, golden_id)
    finally:
        engine.dispose()
    if story.members:
        members = Table(title=f"golden ID {story.golden_id}", title_justify="left")
        for column in ("customer", "name", "phone", "email", "city"):
            members.add_column(column, overflow="fold")
        for m in story.members:
            members.add_row(*(escape(v) for v in (m.label, m.name, m.phone, m.email, m.city)))
        console.print(members)
    else:
        console.print(_no_members(story), highlight=False)
    for pair in story.pairs:
        console.print(_pair_table(pair))
    history = Table(title="history", title_justify="left")
    for column in ("when", "event", "golden ID", "other IDs (members moved)", "members"):
        history.add_column(column, overflow="fold")
    for e in story.events:
        others = ", ".join(f"{gid} ({n})" for gid, n in e.other_ids.items()) or "-"
        history.add_row(
            e.occurred_at.strftime("%Y-%m-%d %H:%M"),
            e.kind,
            str(e.golden_id),
            others,
            str(e.members),
        )
    console.print(history)

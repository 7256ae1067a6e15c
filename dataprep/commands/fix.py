"""``dataprep fix``: apply the fixes that are safe to automate, and show what they did.

The decisions are ``dataprep.fixes``'s (from the linter's findings); this module parses
the command line, checks the combination of options and prints the summary.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

import click

from dataprep.errors import UsageError
from dataprep.fixes import FIX_CODES, FIX_TITLES, Report, parse_codes

TASK_CHOICES = ("auto", "classification", "generative")

HELP = """Write a fixed copy of datasets IN (JSON Lines, whatever the input format).

\b
Fixes, each named by the rule code that finds the problem (--only/--skip):
  DP301   drop exact duplicates (the first kept record of each stays)
  DP302   drop near-duplicate cluster members (the first kept record stays)
  DP505   trim leading/trailing whitespace of assistant replies
          (other DP505 problems - control, zero-width characters - are left)
  DP403   rewrite label spelling variants to the canonical label
  DP506   replace "no input" placeholders in an Alpaca input
          (<noinput>, N/A, "No input.") by ""; outputs are never changed
  errors  move records with error findings to the rejects file

\b
Records that differ in tool calls or tool definitions are never dropped as duplicates,
nor (classification) near duplicates with another label: that is DP401/DP402's question.
A record dropped as a duplicate is not rejected too.  Lines that cannot be read at all
always go to the rejects file.  Rejects are JSON Lines: {"record", "path", "line",
"index", "reasons": [{"code", "message"}]}; errors not tied to one record (DP201, a
file-level DP101) reject nothing.

\b
One input file: -o names the output file.  Several inputs (or a directory): -o names a
directory, one <name>.jsonl per input.  The rejects file defaults to <OUT stem>.rejects.jsonl
beside the output (<DIR>.rejects.jsonl beside an output directory).  --in-place rewrites
plain .jsonl inputs atomically, keeping the original as <IN>.bak.  Unchanged lines of a
.jsonl input are copied byte for byte.  The inputs are never modified otherwise.

\b
The summary gives the score and verdict of the input and of the output (the output is
linted with the same configuration; fixing is repeated, at most 3 rounds, while that lint
still finds duplicates or errors, e.g. records that only became identical once a
placeholder was emptied).
"""


@click.command("fix", help=HELP, short_help="Write a fixed copy: duplicates, whitespace, labels, placeholders, rejects.")
@click.argument("inputs", nargs=-1, required=True, metavar="IN...")
@click.option("-o", "--output", default=None, metavar="OUT",
              help="Output file (one input) or directory (several inputs).")
@click.option("--in-place", is_flag=True, default=False,
              help="Replace each plain .jsonl input atomically, keeping IN.bak.")
@click.option("--dry-run", is_flag=True, default=False,
              help="Print the changes by file and line and the counts; write nothing.")
@click.option("--only", multiple=True, metavar="CODES",
              help=f"Apply only these fixes (comma-separated: {', '.join(FIX_CODES)}).")
@click.option("--skip", multiple=True, metavar="CODES", help="Do not apply these fixes.")
@click.option("--rejects", "rejects_path", default=None, metavar="FILE",
              help="Where rejected records go (default: beside the output).")
@click.option("--config", "config_path", default=None,
              help="Config file (default: nearest dataprep.toml or pyproject.toml).")
@click.option("--task", type=click.Choice(TASK_CHOICES), default=None,
              help="Task type (default: inferred), as for lint.")
@click.option("--eval", "eval_paths", multiple=True,
              help="Evaluation file(s): linted beside the inputs, never written.")
def command(inputs: tuple[str, ...], output: str | None, in_place: bool, dry_run: bool,
            only: tuple[str, ...], skip: tuple[str, ...], rejects_path: str | None,
            config_path: str | None, task: str | None, eval_paths: tuple[str, ...]) -> None:
    from dataprep.api import load_config
    from dataprep.fixes import run

    if output is not None and in_place:
        raise UsageError("-o and --in-place exclude each other: choose one")
    if output is None and not in_place and not dry_run:
        raise UsageError("say where to write: -o OUT, or --in-place (or --dry-run to only look)")
    fixes = parse_codes(only) if only else set(FIX_CODES)
    fixes -= parse_codes(skip)
    if not fixes:
        raise UsageError("--only/--skip leave no fix to apply")
    cfg = load_config(config_path=config_path, task=task, eval_paths=eval_paths)
    if output is None and not in_place:
        # --dry-run without -o: a place that is never written, only named
        import os
        import tempfile

        where = os.path.join(tempfile.gettempdir(), f"dataprep-fix-dry-run-{os.getpid()}")
        output = os.path.join(where, "fixed.jsonl") if len(inputs) == 1 else where
    report = run(inputs, output=output, in_place=in_place, dry_run=dry_run, fixes=fixes,
                 rejects_path=rejects_path, cfg=cfg)
    if dry_run:
        from dataprep.rewrite import format_changes

        for line in format_changes(report.changes, report.shared):
            click.echo(line)
        if report.changes:
            click.echo("")
    for line in summary_lines(report, dry_run):
        click.echo(line)
    sys.stdout.flush()


def _score(result: object) -> str:
    score = getattr(result, "score")
    return f"{score.overall:g} ({score.verdict})"


def summary_lines(r: Report, dry_run: bool) -> Sequence[str]:
    """The text summary: counts per fix, records in = out + dropped + rejected, scores."""
    out = [f"{'would fix' if dry_run else 'fixed'}: {r.records_in} records in, {r.records_out} out, "
           f"{r.dropped} dropped, {r.rejected} rejected"]
    for code in FIX_CODES:
        if code not in r.fixes:
            out.append(f"  {code:<7} {FIX_TITLES[code]}: skipped")
            continue
        n = sum(v for (c, _), v in r.counts.items() if c == code)
        out.append(f"  {code:<7} {FIX_TITLES[code]}: {n}")
    labels = r.counts[("labels", "kept")]
    if labels:
        out.append(f"  {'-':<7} near duplicates kept, labelled differently (see DP401/DP402): {labels}")
    if r.unreadable:
        out.append(f"  {'-':<7} unreadable lines rejected: {r.unreadable}")
    out.append(f"score: {_score(r.before)} before, {_score(r.after)} after"
               + (" (output linted in a temporary folder)" if dry_run else ""))
    left = {c: sum(1 for f in r.after.findings if f.code == c) for c in ("DP301", "DP302")}
    errors = sum(1 for f in r.after.findings if f.severity == "error")
    if any(left.values()) or errors:
        parts = [f"{n} {c}" for c, n in left.items() if n]
        spared = labels
        if parts and spared:
            parts[-1] += f" (including the {spared} kept on purpose above)"
        if errors:
            codes = sorted({f.code for f in r.after.findings if f.severity == "error"})
            parts.append(f"{errors} error(s) ({', '.join(codes)})")
        out.append(f"still reported after fixing: {'; '.join(parts)} - run 'dataprep lint' on the output")
    out.extend(f"note: {n}" for n in r.notes)
    if r.rejects_path is None and r.stale_rejects:
        out.append(f"note: nothing rejected; {r.stale_rejects} (from an earlier run?) was left as it is")
    if dry_run:
        out.append("nothing written (--dry-run)")
    else:
        for path, n in r.written:
            out.append(f"wrote {path} ({n} records)")
    return out

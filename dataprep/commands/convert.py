"""``dataprep convert``: rewrite a dataset into the layout a trainer reads, or refuse.

The logic lives in ``dataprep.convert`` (no click there); this module reads the inputs,
checks that the output is not one of them, and prints either the ``--dry-run`` changes or
a one-line summary.  Nothing is written unless every record converts.
"""

from __future__ import annotations

import os

import click

from dataprep.convert import TARGETS, plan
from dataprep.errors import UsageError
from dataprep.rewrite import format_changes, read_records, write_jsonl

_HELP = """Convert IN... (files, directories, globs) to the LAYOUT a trainer reads, as JSON Lines.

\b
--to chat        OpenAI "messages" (TRL, axolotl chat_template, Unsloth, OpenAI) from
                 ShareGPT (function_call/observation turns become tool_calls with ids
                 call_0, call_1, ... and tool messages with the matching tool_call_id;
                 "tools" JSON text becomes a list of {"type": "function", ...}),
                 role/content "conversations", Alpaca (system, history, instruction and
                 input joined by a newline, output) and prompt/completion strings.
--to preference  TRL "prompt"/"chosen"/"rejected" message lists from LLaMA-Factory
                 ShareGPT DPO records and from HH-style chosen/rejected transcripts.

\b
Refused (exit 2, nothing written) where meaning would be lost, naming what and the
first records: KTO -> chat (the desirable flag), preference -> chat (the rejected
reply), classification/text/prompt-only -> chat, anything without a rejected reply ->
preference, media or tools the target layout has no place for, turn keys or weights a
target message cannot hold, unreadable lines.  One such record refuses the whole input.

\b
Records already in the target layout pass through unchanged.  Keys the source
layout does not read (id, source and other metadata, unknown keys) are kept as they
are.  Texts are copied verbatim: run `dataprep fix` first, since an Alpaca placeholder
input such as <noinput> would otherwise become part of the user message, where the
input checks no longer see it.  Field names are read as the linter reads them: the
project's [tool.dataprep.fields] mapping (or --config) and a LLaMA-Factory
dataset_info.json beside the data.  Inputs are never modified; OUT is replaced
atomically.
"""


@click.command("convert", help=_HELP, short_help="Convert records to another layout.")
@click.argument("inputs", nargs=-1, required=True, metavar="IN...")
@click.option("-o", "--output", metavar="OUT",
              help="JSON Lines file to write (required unless --dry-run).")
@click.option("--to", "target", required=True, type=click.Choice(TARGETS), metavar="LAYOUT",
              help=f"Target layout: {', '.join(TARGETS)}.")
@click.option("--dry-run", is_flag=True,
              help="Print one line per converted record (file:line, source -> target) and "
                   "write nothing.")
@click.option("--config", "config_path", default=None,
              help="Config file whose field mapping applies (default: nearest dataprep.toml "
                   "or pyproject.toml).")
def command(inputs: tuple[str, ...], output: str | None, target: str, dry_run: bool,
            config_path: str | None) -> None:
    from dataprep.api import load_config

    fields = load_config(config_path=config_path).fields
    if output is None and not dry_run:
        raise UsageError("convert needs -o OUT (or --dry-run to only show the changes)")
    read = read_records(list(inputs))
    if output is not None:
        _check_output(output, [s.real_path for s in read.specs])
    p = plan(read, target, fields)
    if dry_run:
        for line in format_changes(p.changes, p.shared):
            click.echo(line)
        click.echo(p.summary(None))
        return
    assert output is not None
    write_jsonl(output, p.rows)
    click.echo(p.summary(output))


def _check_output(output: str, inputs: list[str]) -> None:
    """The output must be a new file or an old one that is not an input."""
    if os.path.isdir(output):
        raise UsageError(f"-o {output} is a directory; give a file name")
    target = os.path.realpath(output)
    for path in inputs:
        if os.path.realpath(path) == target:
            raise UsageError(f"-o {output} is one of the inputs; convert never overwrites "
                             "its input, write to a new file")

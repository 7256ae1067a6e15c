"""Command line: parses options, calls the API, prints a report, sets the exit code.

Only this module prints or exits.  Exit codes (contract): 0 passed, 1 failed (error
findings, warnings under ``--strict``, score below ``--fail-under``), 2 usage, config or
input error - always with exactly one line on stderr and never a traceback.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

import click

from dataprep import __version__
from dataprep.errors import DataprepError
from dataprep.records import FORMATS

EXIT_OK, EXIT_FAIL, EXIT_ERROR = 0, 1, 2
# renamed in click 8.2; never raised by older releases
_NO_ARGS_IS_HELP: type[BaseException] = getattr(
    click.exceptions, "NoArgsIsHelpError", getattr(click.exceptions, "NoArgsIsHelp", type("_Never", (Exception,), {}))
)
TASK_CHOICES = ("auto", "classification", "generative")
#: output formats that identify records by content (computed after the run)
FINGERPRINT_FORMATS = frozenset({"sarif", "gitlab"})
FORMAT_HINTS = FORMATS


def _split_codes(values: Sequence[str]) -> list[str]:
    """``--select DP1,DP3 --select DP201`` → ["DP1", "DP3", "DP201"] (upper-cased)."""
    out: list[str] = []
    for v in values:
        out.extend(p.strip().upper() for p in v.split(",") if p.strip())
    return out


def _write(text: str, output: str | None) -> None:
    if output and output != "-":
        try:
            with open(output, "w", encoding="utf-8") as fh:
                fh.write(text)
        except OSError as exc:
            raise DataprepError(f"cannot write {output}: {exc.strerror or exc}") from None
    else:
        sys.stdout.write(text)
        sys.stdout.flush()


def _use_color(output: str | None) -> bool:
    if output and output != "-":
        return False
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    try:
        return sys.stdout.isatty()
    except (AttributeError, ValueError):
        return False


class _Group(click.Group):
    """The command group; ``dataprep.commands.LAZY`` commands are imported when run."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        from dataprep.commands import LAZY

        return sorted({*super().list_commands(ctx), *LAZY})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        cmd = super().get_command(ctx, cmd_name)
        if cmd is None:
            from dataprep.commands import LAZY

            if cmd_name in LAZY:
                import importlib

                cmd = importlib.import_module(LAZY[cmd_name]).command
        return cmd


@click.group(cls=_Group,
             context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, "--version", prog_name="dataprep")
def cli() -> None:
    """dataprep: is this fine-tuning dataset ready? Lints JSONL/chat datasets and scores them."""


@cli.command()
@click.argument("paths", nargs=-1)
@click.option("--format", "fmt", default="auto", show_default=True,
              help="auto|text|json|jsonl|github|sarif|junit|gitlab|markdown|html (auto: github on GitHub Actions, else text)")
@click.option("-o", "--output", default=None, help="Write the report to FILE instead of stdout.")
@click.option("--task", type=click.Choice(TASK_CHOICES), default=None,
              help="Task type for volume thresholds (default: inferred).")
@click.option("--select", multiple=True, help="Rule codes or prefixes to run (comma-separated).")
@click.option("--extend-select", multiple=True, help="Add codes or prefixes to the configured selection.")
@click.option("--ignore", multiple=True, help="Rule codes or prefixes to skip (comma-separated).")
@click.option("--fail-under", type=click.FloatRange(0, 100), default=None,
              help="Fail when the readiness score is below this.")
@click.option("--strict", is_flag=True, default=False, help="Warnings fail the run too.")
@click.option("--exit-zero", is_flag=True, default=False, help="Exit 0 even when findings fail the run.")
@click.option("--config", "config_path", default=None, help="Config file (default: nearest dataprep.toml or pyproject.toml).")
@click.option("--format-hint", type=click.Choice(FORMAT_HINTS), default=None,
              help="Treat every record as this format instead of detecting it.")
@click.option("--eval", "eval_paths", multiple=True, help="Evaluation split file(s), reported beside training data.")
@click.option("--baseline", "baseline_path", default=None,
              help="Report only findings not recorded in this baseline (see dataprep baseline write).")
@click.option("--no-cache", is_flag=True, default=False, help="Do not reuse or store results in .dataprep_cache/.")
@click.option("--files-only", is_flag=True, default=False,
              help="Lint exactly the given files: ignore the configured paths and eval files (pre-commit).")
@click.option("--no-summary", is_flag=True, default=False,
              help="Do not append a summary to $GITHUB_STEP_SUMMARY on GitHub Actions.")
@click.option("--no-progress", is_flag=True, default=False, help="No progress bar on stderr.")
@click.option("-v", "--verbose", is_flag=True, default=False, help="More detail in the text report.")
@click.option("--max-per-rule", "max_per_rule", type=click.IntRange(min=0), default=None, metavar="N",
              help="Findings of one rule shown per file in text, github and markdown output; "
                   "the rest are summed up in one line [default: 10].")
@click.option("--show-all", is_flag=True, default=False,
              help="Print every finding (no --max-per-rule cap); machine formats always keep all.")
@click.option("--model", "model", default=None, metavar="NAME",
              help="Model to fine-tune: DP501's token limit and tokenizer (rules/models.toml; "
                   "default gpt-4o-mini-2024-07-18).")
@click.option("--max-tokens", "max_tokens", type=click.IntRange(min=1), default=None, metavar="N",
              help="Token limit per record for DP501, overriding the model's.")
@click.option("-j", "--jobs", "jobs", default="1", show_default=True, metavar="N|auto",
              help="Processes for the per-record work on large JSONL files ('auto': one per core). "
                   "The report is the same as with 1.")
@click.option("--engine", type=click.Choice(("local", "ray")), default="local", show_default=True,
              help="Where the per-record work runs: this machine, or a Ray cluster "
                   "(pip install 'dataprep-lint[ray]').")
@click.option("--ray-address", default=None, metavar="ADDRESS",
              help="Ray cluster to use with --engine ray (default: RAY_ADDRESS, else a local one).")
def lint(paths: tuple[str, ...], fmt: str, output: str | None, task: str | None,
         select: tuple[str, ...], extend_select: tuple[str, ...], ignore: tuple[str, ...],
         fail_under: float | None, strict: bool, exit_zero: bool, config_path: str | None,
         format_hint: str | None, eval_paths: tuple[str, ...], baseline_path: str | None,
         no_cache: bool, files_only: bool, no_summary: bool, no_progress: bool, verbose: bool,
         max_per_rule: int | None, show_all: bool, model: str | None, max_tokens: int | None,
         jobs: str, engine: str, ray_address: str | None) -> None:
    """Lint datasets at PATHS (files, directories, globs, HF save_to_disk folders).

    Without PATHS, the `paths` of the project config are linted.
    """
    from dataprep.api import lint as run_lint
    from dataprep.api import load_config
    from dataprep.progress import make_progress
    from dataprep.report import EXAMPLES, render, resolve_format
    from dataprep.report.grouping import DEFAULT_MAX_PER_RULE

    try:
        resolved_fmt = resolve_format(fmt, os.environ)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    if show_all and max_per_rule is not None:
        raise click.UsageError("--show-all and --max-per-rule contradict each other; give one")
    cap = None if show_all else (DEFAULT_MAX_PER_RULE if max_per_rule is None else max_per_rule)
    n_jobs = _jobs(jobs)
    token_options: dict[str, Any] = {}
    if model is not None:
        from dataprep.tokens import resolve_model

        token_options["model"] = resolve_model(model).name  # unknown: exit 2 with a hint
    if max_tokens is not None:
        token_options["max_tokens"] = max_tokens
    cfg = load_config(
        config_path=config_path, select=_split_codes(select),
        extend_select=_split_codes(extend_select), ignore=_split_codes(ignore), task=task,
        format_hint=format_hint, eval_paths=eval_paths, fail_under=fail_under,
        strict=strict or None, options={"DP501": token_options} if token_options else None,
    )
    for warning in cfg.warnings:
        click.echo(f"dataprep: warning: {warning}", err=True)
    if files_only:
        cfg.eval = list(eval_paths)
    targets = list(paths) or ([] if files_only else cfg.paths)
    if not targets:
        raise click.UsageError("give PATH... or set paths = [...] in [tool.dataprep]")
    progress = make_progress(sys.stderr, not no_progress)
    result = run_lint(targets, config=cfg, progress=progress,
                      cache_root=None if no_cache else Path.cwd(),
                      fingerprints=resolved_fmt in FINGERPRINT_FORMATS, baseline=baseline_path,
                      jobs=n_jobs, engine=engine, ray_address=ray_address)
    report = result.to_dict()
    # a page caps examples itself: only a cap the user gave reaches it
    shown = max_per_rule if resolved_fmt in EXAMPLES else cap
    text = render(resolved_fmt, report, color=_use_color(output), verbose=verbose, max_per_rule=shown)
    _write(text, output)
    if not no_summary:
        _step_summary(report, cap)
    code, why = result.exit_code(cfg.strict, cfg.fail_under)
    if code and not exit_zero:
        # one line on stderr says why the run failed, whatever the report format
        click.echo(f"dataprep: failed: {why}", err=True)
    sys.exit(EXIT_OK if exit_zero else code)


@cli.command()
@click.argument("paths", nargs=-1)
@click.option("-o", "--output", required=True, metavar="FILE", help="The HTML file to write.")
@click.option("--eval", "eval_paths", multiple=True, help="Evaluation split file(s), reported beside training data.")
@click.option("--task", type=click.Choice(TASK_CHOICES), default=None, help="Task (default: inferred).")
@click.option("--select", multiple=True, help="Rule codes or prefixes to run (comma-separated).")
@click.option("--ignore", multiple=True, help="Rule codes or prefixes to skip (comma-separated).")
@click.option("--config", "config_path", default=None, help="Config file (default: nearest project config).")
@click.option("-j", "--jobs", "jobs", default="1", show_default=True, metavar="N|auto",
              help="Processes for the per-record work on large JSONL files.")
@click.option("--no-progress", is_flag=True, default=False, help="No progress bar on stderr.")
@click.pass_context
def report(ctx: click.Context, paths: tuple[str, ...], output: str, eval_paths: tuple[str, ...],
           task: str | None, select: tuple[str, ...], ignore: tuple[str, ...],
           config_path: str | None, jobs: str, no_progress: bool) -> None:
    """Write the HTML report of PATHS to FILE (lint --format html -o FILE, exit 0).

    The page is for people to read and share; whether the data passes is `dataprep
    lint`'s answer (its exit code), so this command exits 0 once the file is written.
    """
    try:
        ctx.invoke(lint, paths=paths, fmt="html", output=output, eval_paths=eval_paths, task=task,
                   select=select, ignore=ignore, config_path=config_path, jobs=jobs,
                   no_progress=no_progress, exit_zero=True, no_summary=True)
    except SystemExit as done:
        if done.code not in (None, EXIT_OK):
            raise
    click.echo(f"dataprep: report written to {output}", err=True)


def _jobs(value: str) -> int:
    """``--jobs``: a positive number, or ``auto`` for the cores this process may use."""
    if value.strip().lower() == "auto":
        try:
            return max(1, len(os.sched_getaffinity(0)))
        except AttributeError:  # not on Linux
            return max(1, os.cpu_count() or 1)
    try:
        n = int(value)
    except ValueError:
        n = 0
    if n < 1:
        raise click.BadParameter(f"{value!r} is not a positive number or 'auto'", param_hint="--jobs")
    return n


def _step_summary(report: dict[str, Any], max_per_rule: int | None) -> None:
    """On GitHub Actions, append the Markdown summary to the job's step summary."""
    target = os.environ.get("GITHUB_STEP_SUMMARY")
    if os.environ.get("GITHUB_ACTIONS") != "true" or not target:
        return
    from dataprep.report import FORMATS, render

    if "markdown" not in FORMATS:
        return
    try:
        with open(target, "a", encoding="utf-8") as fh:
            fh.write(render("markdown", report, max_per_rule=max_per_rule))
    except OSError as exc:
        click.echo(f"dataprep: warning: cannot write the step summary: {exc.strerror or exc}", err=True)


@cli.group()
def baseline() -> None:
    """Accept the findings of legacy data, so only new ones fail."""


@baseline.command("write")
@click.argument("baseline_file")
@click.argument("paths", nargs=-1)
@click.option("--config", "config_path", default=None)
@click.option("--select", multiple=True)
@click.option("--ignore", multiple=True)
@click.option("--eval", "eval_paths", multiple=True)
@click.option("--no-progress", is_flag=True, default=False)
def baseline_write(baseline_file: str, paths: tuple[str, ...], config_path: str | None,
                   select: tuple[str, ...], ignore: tuple[str, ...], eval_paths: tuple[str, ...],
                   no_progress: bool) -> None:
    """Record the current findings of PATHS in BASELINE_FILE."""
    from dataprep import baseline as baseline_mod
    from dataprep.api import lint as run_lint
    from dataprep.api import load_config
    from dataprep.progress import make_progress

    cfg = load_config(config_path=config_path, select=_split_codes(select), ignore=_split_codes(ignore),
                      eval_paths=eval_paths)
    targets = list(paths) or cfg.paths
    if not targets:
        raise click.UsageError("give PATH... or set paths = [...] in [tool.dataprep]")
    result = run_lint(targets, config=cfg, progress=make_progress(sys.stderr, not no_progress),
                      fingerprints=True)
    n = baseline_mod.write(baseline_file, result.findings)
    click.echo(f"wrote {baseline_file}: {n} finding(s) accepted")


@cli.command()
@click.option("--format", "fmt", type=click.Choice(("text", "json")), default="text", show_default=True)
@click.option("--all", "show_all", is_flag=True, default=False, help="Also list rules the default preset does not select.")
def rules(fmt: str, show_all: bool) -> None:
    """List the rules: code, name, default severity, summary."""
    import json

    from dataprep.checks import RULES
    from dataprep.config import _selected, load_preset

    preset = load_preset("default")
    select, ignore = preset.get("select", []), preset.get("ignore", [])
    rows: list[dict[str, Any]] = []
    for code, rule in RULES.items():
        on = _selected(code, select, ignore)
        if not on and not show_all:
            continue
        rows.append({"code": code, "name": rule.name, "severity": rule.severity,
                     "scope": rule.scope, "default": on, "summary": rule.summary})
    if fmt == "json":
        click.echo(json.dumps(rows, indent=2))
        return
    width = max((len(r["name"]) for r in rows), default=10)
    for r in rows:
        click.echo(f"{r['code']}  {r['name']:<{width}}  {r['severity']:<7}  {r['summary']}")


@cli.command()
@click.argument("code")
def explain(code: str) -> None:
    """Show a rule's documentation: why it matters, options, examples."""
    import difflib

    from dataprep.checks import RULES

    key = code.strip()
    rule = RULES.get(key.upper()) or next((r for r in RULES.values() if r.name == key), None)
    if rule is None:
        names = list(RULES) + [r.name for r in RULES.values()]
        hint = difflib.get_close_matches(key.upper() if key[:2].lower() == "dp" else key, names, 1)
        raise DataprepError(f"unknown rule {code!r}" + (f"; did you mean {hint[0]}?" if hint else ""))
    lines = [f"{rule.code} {rule.name} ({rule.severity}, {rule.scope}-level)", "", rule.summary, "",
             click.wrap_text(rule.why, 88)]
    from dataprep import records

    layouts = [f for f in records.FORMATS if records.applies(f, rule.formats)]
    lines += ["", "Layouts: " + (", ".join(layouts) if rule.formats else "every layout")]
    if rule.options:
        lines += ["", "Options (set in [tool.dataprep.rules." + rule.code + "]):"]
        for name, schema in rule.options.items():
            lines.append(f"  {name} = {schema['default']!r}  {schema['description']}")
    lines += ["", "Examples:"]
    for ex in rule.examples:
        lines.append(f"  {ex.kind}: {ex.text}")
    click.echo("\n".join(lines))


def _cost_options(fn: Any) -> Any:
    """One ``--kebab-case`` flag per cost input of ``dataprep roi`` (defaults in the help)."""
    from dataprep.roi import COST_INPUTS

    for key, (default, desc) in reversed(list(COST_INPUTS.items())):
        shown = f" [default: {default:g}]" if default is not None else ""
        fn = click.option(f"--{key.replace('_', '-')}", key, type=float, default=None,
                          help=desc + shown)(fn)
    return fn


def _project_gate_table(config_path: str | None) -> dict[str, Any]:
    from dataprep.api import load_config

    return load_config(config_path=config_path).gate


@cli.command()
@click.option("--format", "fmt", type=click.Choice(("text", "json")), default="text", show_default=True)
@click.option("--answers", "answers_path", default=None, help="Answers file whose [costs] table to use.")
@click.option("--config", "config_path", default=None, help="Config file (default: nearest project config).")
@_cost_options
def roi(fmt: str, answers_path: str | None, config_path: str | None, **flags: float | None) -> None:
    """The cost math: fine-tuned vs base model, per successful task, first-year ROI."""
    import json

    from dataprep import roi as roi_mod
    from dataprep.gate import load_answers

    answers, _src = load_answers(answers_path, None if answers_path else _project_gate_table(config_path))
    given = dict(answers.get("costs", {}))
    given.update(roi_mod.validate_costs({k: v for k, v in flags.items() if v is not None}, "--"))
    result = roi_mod.compute(given)
    click.echo(json.dumps(result, indent=2) if fmt == "json" else roi_mod.render_text(result), nl=fmt == "json")


@cli.command()
@click.argument("paths", nargs=-1)
@click.option("--eval", "eval_paths", multiple=True, help="Evaluation split file(s).")
@click.option("--answers", "answers_path", default=None, help="Answers file (default: [tool.dataprep.gate]).")
@click.option("--format", "fmt", type=click.Choice(("text", "json", "markdown")), default="text", show_default=True)
@click.option("-o", "--output", default=None, help="Write the decision to FILE instead of stdout.")
@click.option("--task", type=click.Choice(TASK_CHOICES), default=None)
@click.option("--config", "config_path", default=None)
@click.option("--init", "init_path", is_flag=False, flag_value="dataprep-gate.toml", default=None,
              help="Write a commented answers template (default dataprep-gate.toml) and exit.")
@click.option("--today", default=None, help="Date to judge requirement stability against (YYYY-MM-DD).")
@click.option("--no-progress", is_flag=True, default=False)
def gate(paths: tuple[str, ...], eval_paths: tuple[str, ...], answers_path: str | None, fmt: str,
         output: str | None, task: str | None, config_path: str | None, init_path: str | None,
         today: str | None, no_progress: bool) -> None:
    """Go / not-yet for fine-tuning: five questions, with the data answered by the lint."""
    import datetime as dt
    import json

    from dataprep import gate as gate_mod
    from dataprep.api import lint as run_lint
    from dataprep.api import load_config
    from dataprep.progress import make_progress
    from dataprep.resources import rules_dir

    if init_path is not None:
        target = init_path
        if os.path.exists(target):
            raise DataprepError(f"{target} exists; not overwriting it")
        template = (rules_dir() / "gate" / "answers.toml").read_text(encoding="utf-8")
        _write(template, target)
        click.echo(f"wrote {target}: fill it in, then run dataprep gate DATA --answers {target}")
        return
    if not paths:
        raise click.UsageError("give the training data: dataprep gate PATH...")
    try:
        day = dt.date.fromisoformat(today) if today else dt.date.today()
    except ValueError:
        raise click.UsageError(f"--today must be YYYY-MM-DD, not {today!r}") from None
    cfg = load_config(config_path=config_path, task=task, eval_paths=eval_paths)
    answers, _src = gate_mod.load_answers(answers_path, cfg.gate)
    result = run_lint(list(paths), config=cfg, progress=make_progress(sys.stderr, not no_progress))
    decision = gate_mod.decide(answers, result.to_dict(), day)
    if fmt == "json":
        text = json.dumps(decision, indent=2, ensure_ascii=False) + "\n"
    elif fmt == "markdown":
        text = gate_mod.render_markdown(decision)
    else:
        text = gate_mod.render_text(decision)
    _write(text, output)
    sys.exit(EXIT_OK if decision["decision"] == "go" else EXIT_FAIL)


def _fail(message: str, code: int = EXIT_ERROR) -> NoReturn:
    try:
        sys.stderr.write(f"dataprep: error: {message}\n")
        sys.stderr.flush()
    finally:
        sys.exit(code)


def main(argv: Sequence[str] | None = None) -> Any:
    """Console-script entry: one line on stderr and exit 2 for every error, never a traceback."""
    try:
        return cli.main(args=list(argv) if argv is not None else None, prog_name="dataprep",
                        standalone_mode=False)
    except _NO_ARGS_IS_HELP as exc:
        # ``dataprep`` alone: help is what the user needs, but it is still a usage error
        ctx = getattr(exc, "ctx", None)
        click.echo(ctx.get_help() if ctx else "", err=True)
        sys.exit(EXIT_ERROR)
    except click.UsageError as exc:
        msg = exc.format_message().splitlines()[0] if exc.format_message() else "usage error"
        _fail(f"{msg} (see 'dataprep {exc.ctx.info_name if exc.ctx else ''} --help')".replace("  ", " "))
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.exceptions.Abort:
        _fail("aborted", 130)
    except DataprepError as exc:
        _fail(str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
    except KeyboardInterrupt:
        _fail("interrupted", 130)
    except BrokenPipeError:
        # the reader went away (``| head``): not our error
        try:
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - silence the flush at exit
        finally:
            sys.exit(EXIT_FAIL)
    except click.ClickException as exc:
        _fail(exc.format_message().splitlines()[0])
    except RecursionError:
        _fail("input nested too deeply to process")
    except MemoryError:
        _fail("out of memory")
    except Exception as exc:  # last line of defence: one line, not a traceback
        if os.environ.get("DATAPREP_DEBUG"):
            raise
        _fail(f"internal error: {type(exc).__name__}: {exc} (set DATAPREP_DEBUG=1 for a traceback)")


if __name__ == "__main__":  # pragma: no cover
    main()

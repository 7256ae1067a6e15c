"""The hooks in ``.pre-commit-hooks.yaml``, run by the real ``pre-commit`` in real git repos.

``pre-commit`` installs a hook by cloning its repository at a commit and pip-installing it
into a virtualenv, so the tests first copy the *working tree* (what the hook needs:
pyproject.toml, README.md, dataprep/, rules/, .pre-commit-hooks.yaml) into a temporary git
repository and commit it there: hooks are then tested as they are now, not as they were at
this checkout's last commit.  A second temporary repository plays the user's dataset repo.

Building the hook's environment needs a package index (hatchling and the dependencies);
it is available in CI.  ``pre-commit try-repo`` always builds into a throw-away store
(it ignores ``PRE_COMMIT_HOME``), so it is used where the issue asks for it, on the
record-level hook; the dataset-hook tests use ``pre-commit run`` with a
``.pre-commit-config.yaml`` naming the same repository and commit, the way users run it,
and share one ``PRE_COMMIT_HOME`` so that environment is built once for the module.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
HOOK_REPO_FILES = ("pyproject.toml", "README.md", "dataprep", "rules", ".pre-commit-hooks.yaml")
TIMEOUT = 900  # seconds: a cold environment build downloads the dependencies

pytestmark = pytest.mark.slow

#: environment variables that would leak the caller's context into the child git and
#: pre-commit (a pytest run from inside a git hook, a CI job summary, skipped hooks)
_SCRUB = ("GIT_DIR", "GIT_INDEX_FILE", "GIT_WORK_TREE", "GIT_OBJECT_DIRECTORY",
          "GIT_ALTERNATE_OBJECT_DIRECTORIES", "GIT_COMMON_DIR", "GIT_PREFIX",
          "GITHUB_ACTIONS", "GITHUB_STEP_SUMMARY", "SKIP", "PRE_COMMIT",
          "PRE_COMMIT_HOME", "PRE_COMMIT_COLOR", "PYTHONPATH", "PYTHONHOME", "FORCE_COLOR")
#: signs in pre-commit's output that the environment build could not reach an index
_OFFLINE = ("NewConnectionError", "Temporary failure in name resolution", "Network is unreachable",
            "ConnectTimeoutError", "ProxyError", "No route to host", "Failed to establish a new connection")

CHAT_TOPICS = ("reset my password", "track an order", "change the shipping address",
               "cancel a subscription", "update a payment card", "download an invoice")


def _pre_commit_cmd() -> list[str] | None:
    if importlib.util.find_spec("pre_commit") is not None:
        return [sys.executable, "-m", "pre_commit"]
    exe = shutil.which("pre-commit")
    return [exe] if exe else None


def _env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in _SCRUB}
    env["PRE_COMMIT_HOME"] = str(home)
    # the user's global git config (signing, hooks paths, templates) is not ours to use
    env["GIT_CONFIG_NOSYSTEM"] = "1"
    env["GIT_CONFIG_GLOBAL"] = os.devnull
    env["NO_COLOR"] = "1"
    return env


def _git(cwd: Path, env: dict[str, str], *args: str) -> str:
    proc = subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, f"git {' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}"
    return proc.stdout


def _git_init(path: Path, env: dict[str, str]) -> None:
    _git(path, env, "init", "-q")
    _git(path, env, "config", "user.email", "tests@dataprep.invalid")
    _git(path, env, "config", "user.name", "dataprep tests")
    _git(path, env, "config", "commit.gpgsign", "false")


def _commit_all(path: Path, env: dict[str, str]) -> str:
    _git(path, env, "add", "-A")
    _git(path, env, "commit", "-q", "-m", "snapshot")
    return _git(path, env, "rev-parse", "HEAD").strip()


class Tools:
    """What the tests share: the pre-commit command, its home, the hook repo and its commit."""

    def __init__(self, cmd: list[str], env: dict[str, str], hook_repo: Path, rev: str) -> None:
        self.cmd, self.env, self.hook_repo, self.rev = cmd, env, hook_repo, rev

    def pre_commit(self, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
        proc = subprocess.run([*self.cmd, *args, "--color", "never"], cwd=cwd, env=self.env,
                              capture_output=True, text=True, timeout=TIMEOUT)
        out = proc.stdout + proc.stderr
        if proc.returncode not in (0, 1):
            log = Path(self.env["PRE_COMMIT_HOME"]) / "pre-commit.log"
            detail = out + (log.read_text(encoding="utf-8", errors="replace") if log.is_file() else "")
            if any(sign in detail for sign in _OFFLINE):
                pytest.skip("building the hook environment needs a package index, which is unreachable here")
            pytest.fail(f"pre-commit {' '.join(args)} exited {proc.returncode}:\n{detail[-4000:]}")
        return proc


@pytest.fixture(scope="module")
def tools(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Tools]:
    cmd = _pre_commit_cmd()
    if cmd is None:
        pytest.skip("pre-commit is not installed (pip install 'dataprep-lint[test]')")
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    base = tmp_path_factory.mktemp("precommit")
    env = _env(base / "pre-commit-home")
    hook_repo = base / "hook-repo"
    hook_repo.mkdir()
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", ".dataprep_cache")
    for name in HOOK_REPO_FILES:
        src = ROOT / name
        if src.is_dir():
            shutil.copytree(src, hook_repo / name, ignore=ignore)
        else:
            shutil.copy2(src, hook_repo / name)
    _git_init(hook_repo, env)
    rev = _commit_all(hook_repo, env)
    yield Tools(cmd, env, hook_repo, rev)


# ---------------------------------------------------------------- the user's repository


def _chat(question: str, answer: str) -> str:
    return json.dumps({"messages": [{"role": "user", "content": question},
                                    {"role": "assistant", "content": answer}]})


def _train_line(i: int, topic: str) -> str:
    return _chat(f"How do I {topic}? (case {i})",
                 f"To {topic}, open Settings, choose the matching section and follow the {i + 2} steps shown there.")


GOOD = _chat("What is the capital of France?", "Paris.") + "\n" + _chat("And of Italy?", "Rome.") + "\n"
# line 2: no assistant turn (DP113); line 3: not JSON (DP003)
BAD = (_chat("Hi", "Hello, how can I help?") + "\n"
       + json.dumps({"messages": [{"role": "user", "content": "Is anyone there?"}]}) + "\n"
       + '{"messages": [\n')
PYPROJECT = """\
[tool.dataprep]
paths = ["data"]
task = "generative"
# the dataset hook gates on the score; the record-level hook must not (a staged file is
# not the dataset)
fail-under = 90

[tool.dataprep.rules.DP201]
generative_minimum = 3

[tool.dataprep.rules.DP202]
generative_recommended = 5
"""


def _data_repo(path: Path, tools: Tools, *, leak: bool) -> Path:
    """A dataset repo: records/{good,bad}.jsonl and data/{train,test}.jsonl, committed.

    With ``leak``, the second evaluation record is a copy of a training record (DP304).
    """
    (path / "records").mkdir(parents=True)
    (path / "data").mkdir()
    (path / "records" / "good.jsonl").write_text(GOOD, encoding="utf-8")
    (path / "records" / "bad.jsonl").write_text(BAD, encoding="utf-8")
    (path / "data" / "train.jsonl").write_text(
        "".join(_train_line(i, t) + "\n" for i, t in enumerate(CHAT_TOPICS)), encoding="utf-8")
    second = _train_line(2, CHAT_TOPICS[2]) if leak else _train_line(41, "close my account")
    (path / "data" / "test.jsonl").write_text(
        _train_line(40, "merge two accounts") + "\n" + second + "\n", encoding="utf-8")
    (path / "pyproject.toml").write_text(PYPROJECT, encoding="utf-8")
    (path / "README.md").write_text("# a dataset\n", encoding="utf-8")
    (path / ".pre-commit-config.yaml").write_text(
        f"repos:\n-   repo: {tools.hook_repo.as_posix()}\n    rev: {tools.rev}\n"
        "    hooks:\n    -   id: dataprep\n    -   id: dataprep-dataset\n", encoding="utf-8")
    _git_init(path, tools.env)
    _commit_all(path, tools.env)
    return path


def _snapshot(repo: Path) -> dict[str, bytes]:
    return {p.relative_to(repo).as_posix(): p.read_bytes()
            for d in ("records", "data") for p in sorted((repo / d).rglob("*")) if p.is_file()}


def _assert_untouched(repo: Path, before: dict[str, bytes], tools: Tools) -> None:
    assert _snapshot(repo) == before, "a hook changed a data file"
    # nothing new either: the cache directory ignores itself
    assert _git(repo, tools.env, "status", "--porcelain", "--untracked-files=all") == ""


# ---------------------------------------------------------------- record-level hook (try-repo)


def test_record_hook_fails_on_bad_file_with_file_line(tools: Tools, tmp_path: Path) -> None:
    repo = _data_repo(tmp_path / "user", tools, leak=False)
    before = _snapshot(repo)
    proc = tools.pre_commit(repo, "try-repo", str(tools.hook_repo), "dataprep",
                            "--files", "records/bad.jsonl")
    out = proc.stdout + proc.stderr
    assert proc.returncode == 1, out
    assert "Failed" in out
    assert "records/bad.jsonl:2: DP113" in out
    assert "records/bad.jsonl:3: DP003" in out
    _assert_untouched(repo, before, tools)
    assert not (repo / ".dataprep_cache").exists(), "the record-level hook runs without the cache"


def test_record_hook_passes_on_good_file(tools: Tools, tmp_path: Path) -> None:
    """Two valid records pass: volume rules do not run, and the project's fail-under is not applied."""
    repo = _data_repo(tmp_path / "user", tools, leak=False)
    before = _snapshot(repo)
    proc = tools.pre_commit(repo, "try-repo", str(tools.hook_repo), "dataprep",
                            "--files", "records/good.jsonl")
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out
    assert "Passed" in out
    _assert_untouched(repo, before, tools)


# ---------------------------------------------------------------- dataset hook (pre-commit run)


def test_dataset_hook_fails_on_train_eval_leak(tools: Tools, tmp_path: Path) -> None:
    repo = _data_repo(tmp_path / "user", tools, leak=True)
    before = _snapshot(repo)
    proc = tools.pre_commit(repo, "run", "dataprep-dataset", "--all-files")
    out = proc.stdout + proc.stderr
    assert proc.returncode == 1, out
    assert "data/test.jsonl:2: DP304" in out, out
    assert "records/" not in out, "the dataset hook lints the configured paths, not the staged files"
    _assert_untouched(repo, before, tools)
    # a second run on unchanged data is answered from the cache, with the same report
    again = tools.pre_commit(repo, "run", "dataprep-dataset", "--all-files")
    assert again.returncode == 1
    assert "data/test.jsonl:2: DP304" in again.stdout
    assert any((repo / ".dataprep_cache").glob("*.json"))
    _assert_untouched(repo, before, tools)


def test_dataset_hook_passes_on_clean_dataset(tools: Tools, tmp_path: Path) -> None:
    repo = _data_repo(tmp_path / "user", tools, leak=False)
    before = _snapshot(repo)
    proc = tools.pre_commit(repo, "run", "dataprep-dataset", "--all-files")
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out
    assert "Passed" in out
    _assert_untouched(repo, before, tools)


def test_dataset_hook_runs_only_when_data_changes(tools: Tools, tmp_path: Path) -> None:
    repo = _data_repo(tmp_path / "user", tools, leak=True)
    proc = tools.pre_commit(repo, "run", "dataprep-dataset", "--files", "README.md")
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out
    assert "Skipped" in out
    # a staged change to a data file triggers it (and the leak fails the commit)
    with (repo / "data" / "train.jsonl").open("a", encoding="utf-8") as fh:
        fh.write(_train_line(9, "rename a project") + "\n")
    _git(repo, tools.env, "add", "data/train.jsonl")
    staged = tools.pre_commit(repo, "run", "dataprep-dataset")
    assert staged.returncode == 1, staged.stdout + staged.stderr
    assert "data/test.jsonl:2: DP304" in staged.stdout


def test_both_hooks_on_a_commit(tools: Tools, tmp_path: Path) -> None:
    """The installed git hook blocks a commit that stages a bad file, and names it."""
    repo = _data_repo(tmp_path / "user", tools, leak=False)
    tools.pre_commit(repo, "install")
    (repo / "records" / "new.jsonl").write_text(BAD, encoding="utf-8")
    _git(repo, tools.env, "add", "records/new.jsonl")
    proc = subprocess.run(["git", "commit", "-m", "add data"], cwd=repo, env=tools.env,
                          capture_output=True, text=True, timeout=TIMEOUT)
    out = proc.stdout + proc.stderr
    assert proc.returncode != 0, out
    assert "records/new.jsonl:2: DP113" in out
    # the record-level hook saw only the staged file, not the committed bad one
    assert "records/bad.jsonl" not in out
    assert (repo / "records" / "new.jsonl").read_text(encoding="utf-8") == BAD

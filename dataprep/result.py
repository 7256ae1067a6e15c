"""The one canonical result of a lint run; every output format is a projection of it."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from dataprep import __version__
from dataprep.model import SEVERITIES, Finding, Related
from dataprep.score import Score

SCHEMA_VERSION = 1


@dataclass
class Result:
    findings: list[Finding]
    files: list[dict[str, Any]]
    task: str
    task_source: str
    summary: dict[str, Any]
    score: Score
    #: documentation of the rules that reported findings (for SARIF, JUnit, docs links)
    rules: dict[str, dict[str, str]] = field(default_factory=dict)
    #: set when a baseline filtered the findings: {"file", "suppressed", "stale": [...]}
    baseline: dict[str, Any] | None = None

    @property
    def verdict(self) -> str:
        return self.score.verdict

    def counts(self) -> Counter[str]:
        return Counter(f.severity for f in self.findings)

    def exit_code(self, strict: bool = False, fail_under: float | None = None) -> tuple[int, str]:
        """(0 or 1, why): errors fail; with ``strict`` warnings too; a score below ``fail_under``."""
        c = self.counts()
        if c["error"]:
            return 1, f"{c['error']} error finding(s)"
        if strict and c["warning"]:
            return 1, f"{c['warning']} warning finding(s) in strict mode"
        if fail_under is not None and self.score.overall < fail_under:
            return 1, f"score {self.score.overall:g} is below --fail-under {fail_under:g}"
        return 0, "passed"

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Result:
        """Rebuild a result from ``to_dict()`` output (the cache stores that)."""
        findings = [
            Finding(f["code"], f["name"], f["severity"], f["path"], f["line"], f["record"],
                    f["message"], f.get("pointer"),
                    tuple(Related(r["path"], r["line"], r["record"]) for r in f.get("related", [])),
                    f.get("count", 1), f.get("fingerprint"))
            for f in d["findings"]
        ]
        sc = d["score"]
        score = Score(sc["overall"], sc["dimensions"], sc.get("weights", {}), sc.get("costs", []),
                      sc.get("not_measured", []), d["verdict"], d.get("verdict_reasons", []),
                      dict(sc.get("files", {})))
        summary = {k: v for k, v in d["summary"].items() if k not in ("by_code", "by_severity")}
        return cls(findings, d["files"], d["task"], d.get("task_source", "inferred"), summary, score,
                   dict(d.get("rules", {})), d.get("baseline"))

    def to_dict(self) -> dict[str, Any]:
        by_code = Counter(f.code for f in self.findings)
        by_sev = self.counts()
        summary = dict(self.summary)
        summary["by_code"] = dict(sorted(by_code.items()))
        summary["by_severity"] = {s: by_sev.get(s, 0) for s in SEVERITIES}
        return {
            "schema_version": SCHEMA_VERSION,
            "tool": {"name": "dataprep", "version": __version__},
            "files": self.files,
            "task": self.task,
            "task_source": self.task_source,
            "findings": [f.to_dict() for f in self.findings],
            "summary": summary,
            "score": self.score.to_dict(),
            "verdict": self.score.verdict,
            "verdict_reasons": self.score.reasons,
            "rules": {c: self.rules[c] for c in sorted({f.code for f in self.findings}) if c in self.rules},
            **({"baseline": self.baseline} if self.baseline is not None else {}),
        }

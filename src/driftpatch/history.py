"""Scan history in SQLite: when each finding was first and last seen, when it was resolved.

Why SQLite: one file a nightly job can keep as a cache or artifact, safe for two writers at once
(WAL journal, a busy timeout, every run recorded in one `BEGIN IMMEDIATE` transaction), readable
with any SQLite client. The schema is versioned with `PRAGMA user_version`; a database of a
newer version is refused rather than guessed at.

Findings are compared within a *scope* (the command and its inputs), so a PR check and the
nightly scan of another stack never resolve each other's findings. A run that was incomplete
(the report has `errors`, or input problems) records what it saw but resolves nothing: a finding
that vanished because its read failed is not fixed.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from driftpatch.errors import InputError
from driftpatch.model import JSON, Finding, FindingHistory, Report

SCHEMA_VERSION = 1
BUSY_TIMEOUT_MS = 30_000

_SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    scope TEXT NOT NULL,
    scanned_at TEXT NOT NULL,
    complete INTEGER NOT NULL,
    findings INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS findings (
    scope TEXT NOT NULL,
    id TEXT NOT NULL,
    first_seen TEXT NOT NULL,
    last_seen TEXT NOT NULL,
    resolved_at TEXT,
    previous_run_at TEXT,
    kind TEXT NOT NULL,
    rule_id TEXT NOT NULL,
    severity TEXT NOT NULL,
    title TEXT NOT NULL,
    address TEXT,
    resource_type TEXT NOT NULL,
    resource_id TEXT,
    attribute TEXT,
    PRIMARY KEY (scope, id)
);
CREATE INDEX IF NOT EXISTS findings_open ON findings (scope, resolved_at);
CREATE TABLE IF NOT EXISTS resolutions (
    scope TEXT NOT NULL,
    id TEXT NOT NULL,
    first_seen TEXT NOT NULL,
    resolved_at TEXT NOT NULL,
    PRIMARY KEY (scope, id, first_seen)
);
"""


class HistoryError(InputError):
    """The history database cannot be used (not SQLite, a newer schema, unwritable)."""


def scope_of(report: Report, command: str) -> str:
    """What makes two runs comparable: the command and its inputs (not the time)."""
    inputs = report.inputs
    key = json.dumps(
        {
            "command": command,
            "states": sorted(inputs.states),
            "plan": inputs.plan,
            "source": inputs.source,
            "regions": sorted(inputs.regions),
        },
        sort_keys=True,
    )
    return hashlib.sha256(key.encode()).hexdigest()[:16]


@contextmanager
def _connect(path: Path) -> Iterator[sqlite3.Connection]:
    try:
        if path.exists() and not path.is_file():
            raise HistoryError(f"history {path}: not a file")
        con = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
    except sqlite3.Error as exc:
        raise HistoryError(f"history {path}: cannot open: {exc}") from exc
    try:
        con.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        version = con.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise HistoryError(
                f"history {path}: schema version {version} is newer than this driftpatch "
                f"({SCHEMA_VERSION}); upgrade driftpatch"
            )
        con.execute("PRAGMA journal_mode = WAL")
        if version < SCHEMA_VERSION:
            con.execute("BEGIN IMMEDIATE")  # (executescript would commit: one statement each)
            for statement in filter(str.strip, _SCHEMA.split(";")):
                con.execute(statement)
            con.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            con.execute("COMMIT")
        yield con
    except sqlite3.DatabaseError as exc:
        raise HistoryError(f"history {path}: {exc}") from exc
    finally:
        con.close()


def record(path: Path, report: Report, command: str) -> dict[str, FindingHistory]:
    """Record one run; the history of each of its findings, by finding id."""
    scope = scope_of(report, command)
    now = report.scanned_at
    complete = not report.errors and not report.input_problems
    out: dict[str, FindingHistory] = {}
    with _connect(path) as con:
        con.execute("BEGIN IMMEDIATE")
        try:
            row = con.execute(
                "SELECT max(scanned_at) FROM runs WHERE scope = ?", (scope,)
            ).fetchone()
            previous: str | None = row[0] if row else None
            con.execute(
                "INSERT INTO runs (scope, scanned_at, complete, findings) VALUES (?, ?, ?, ?)",
                (scope, now, int(complete), len(report.findings)),
            )
            seen: set[str] = set()
            for f in report.findings:
                if f.id in seen:
                    continue
                seen.add(f.id)
                out[f.id] = _upsert(con, scope, f, now, previous)
            if complete:
                open_ids = [
                    r[0]
                    for r in con.execute(
                        "SELECT id FROM findings WHERE scope = ? AND resolved_at IS NULL",
                        (scope,),
                    )
                ]
                gone = [fid for fid in open_ids if fid not in seen]
                con.executemany(
                    "UPDATE findings SET resolved_at = ? WHERE scope = ? AND id = ?",
                    [(now, scope, fid) for fid in gone],
                )
                con.executemany(  # one row per episode: a finding may come back and go again
                    "INSERT OR IGNORE INTO resolutions (scope, id, first_seen, resolved_at) "
                    "SELECT scope, id, first_seen, resolved_at FROM findings "
                    "WHERE scope = ? AND id = ?",
                    [(scope, fid) for fid in gone],
                )
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
    return out


def _upsert(
    con: sqlite3.Connection, scope: str, f: Finding, now: str, previous: str | None
) -> FindingHistory:
    row = con.execute(
        "SELECT first_seen, resolved_at FROM findings WHERE scope = ? AND id = ?", (scope, f.id)
    ).fetchone()
    facts = (
        f.kind.value,
        f.rule_id,
        f.severity.value,
        f.title,
        f.address,
        f.resource_type,
        f.resource_id,
        f.attribute,
    )
    if row is None or row[1] is not None:  # never seen, or seen again after it was resolved
        con.execute(
            "INSERT OR REPLACE INTO findings (scope, id, first_seen, last_seen, resolved_at, "
            "previous_run_at, kind, rule_id, severity, title, address, resource_type, "
            "resource_id, attribute) VALUES (?, ?, ?, ?, NULL, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (scope, f.id, now, now, previous, *facts),
        )
        return FindingHistory(now, now, "new")
    con.execute(
        "UPDATE findings SET last_seen = ?, kind = ?, rule_id = ?, severity = ?, title = ?, "
        "address = ?, resource_type = ?, resource_id = ?, attribute = ? "
        "WHERE scope = ? AND id = ?",
        (now, *facts, scope, f.id),
    )
    return FindingHistory(str(row[0]), now, "recurring")


# -- the `history` command ---------------------------------------------------------------------


def _seconds(start: str, end: str) -> float:
    return (datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds()


def _mean(values: Sequence[float]) -> int | None:
    return round(sum(values) / len(values)) if values else None


def summarize(path: Path) -> dict[str, JSON]:
    """Open findings by age, what the latest run of each scope made new or resolved, MTTR and
    MTTD. MTTD is an upper bound: the time from the last run that did not see a finding to the
    first that did (when it changed in between is not known without CloudTrail)."""
    if not path.is_file():
        raise HistoryError(f"history {path}: no such file")
    with _connect(path) as con:
        latest: Mapping[str, str] = dict(
            con.execute("SELECT scope, max(scanned_at) FROM runs GROUP BY scope").fetchall()
        )
        previous: dict[str, str] = {}
        for scope, last in latest.items():
            row = con.execute(
                "SELECT max(scanned_at) FROM runs WHERE scope = ? AND scanned_at < ?",
                (scope, last),
            ).fetchone()
            if row and row[0]:
                previous[scope] = row[0]
        cols = (
            "scope, id, first_seen, last_seen, resolved_at, previous_run_at, kind, rule_id, "
            "severity, title, address, resource_type, resource_id, attribute"
        )
        rows = con.execute(f"SELECT {cols} FROM findings ORDER BY first_seen, id").fetchall()
        episodes = con.execute(
            "SELECT r.scope, r.id, r.first_seen, r.resolved_at, f.rule_id, f.severity, "
            "f.address, f.resource_type, f.resource_id, f.attribute FROM resolutions r "
            "JOIN findings f ON f.scope = r.scope AND f.id = r.id "
            "ORDER BY r.resolved_at, r.id"
        ).fetchall()
        runs = con.execute("SELECT count(*) FROM runs").fetchone()[0]
    names = [c.strip() for c in cols.split(",")]
    entries = [dict(zip(names, r, strict=True)) for r in rows]
    open_, resolved, new, resolved_last = [], [], [], []
    repair, detect = [], []
    for e in entries:
        scope, last = str(e["scope"]), latest.get(str(e["scope"]), "")
        public = {k: v for k, v in e.items() if k not in ("scope", "previous_run_at")}
        if e["previous_run_at"]:
            detect.append(_seconds(str(e["previous_run_at"]), str(e["first_seen"])))
        if e["resolved_at"] is None:
            del public["resolved_at"]
            public["age_seconds"] = round(_seconds(str(e["first_seen"]), last))
            open_.append(public)
            if e["first_seen"] == last and scope in previous:
                new.append(e["id"])
    episode_cols = (
        "scope",
        "id",
        "first_seen",
        "resolved_at",
        "rule_id",
        "severity",
        "address",
        "resource_type",
        "resource_id",
        "attribute",
    )
    for row in episodes:
        ep = dict(zip(episode_cols, row, strict=True))
        scope = str(ep.pop("scope"))
        resolved.append(ep)
        repair.append(_seconds(str(ep["first_seen"]), str(ep["resolved_at"])))
        if ep["resolved_at"] == latest.get(scope):
            resolved_last.append(ep["id"])
    open_.sort(key=lambda e: (-int(e["age_seconds"] or 0), str(e["id"])))
    return {
        "runs": runs,
        "open": open_,
        "resolved": resolved,
        "new_in_latest_run": new,
        "resolved_in_latest_run": resolved_last,
        "mttr_seconds": _mean(repair),
        "mttd_seconds": _mean(detect),
    }


def render(summary: Mapping[str, JSON], fmt: str) -> str:
    if fmt == "json":
        return json.dumps(summary, indent=2, ensure_ascii=False) + "\n"
    open_ = summary["open"]
    resolved = summary["resolved"]
    assert isinstance(open_, list) and isinstance(resolved, list)
    lines: list[str] = []
    md = fmt == "markdown"

    def days(seconds: JSON) -> str:
        if not isinstance(seconds, int | float):
            return "n/a"
        return f"{seconds / 86400:.1f} d" if seconds >= 86400 else f"{seconds / 3600:.1f} h"

    head = (
        f"{len(open_)} open, {len(resolved)} resolved over {summary['runs']} runs; "
        f"new in the latest run: {len(summary['new_in_latest_run'] or [])}, resolved: "
        f"{len(summary['resolved_in_latest_run'] or [])}; MTTR {days(summary['mttr_seconds'])}, "
        f"MTTD (upper bound) {days(summary['mttd_seconds'])}"
    )
    if md:
        lines += ["## driftpatch history", "", head, ""]
        if open_:
            lines += ["| age | severity | rule | resource | attribute |", "|---|---|---|---|---|"]
    else:
        lines += [f"driftpatch history: {head}"]
    for e in open_:
        assert isinstance(e, dict)
        subject = e.get("address") or f"{e.get('resource_type')} {e.get('resource_id') or ''}"
        cells = (
            days(e.get("age_seconds")),
            str(e["severity"]),
            str(e["rule_id"]),
            str(subject).strip(),
            str(e.get("attribute") or ""),
        )
        lines.append("| " + " | ".join(cells) + " |" if md else "  " + "  ".join(cells))
    return "\n".join(lines).rstrip() + "\n"

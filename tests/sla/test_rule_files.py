"""The rule book is kept in memory between reports and read again when an administrator edits
config/sla.toml (or holidays.toml): the next report gets the new deadlines without a restart,
and a broken edit leaves the rules in force."""

from __future__ import annotations

import os
import shutil

from dispatch.settings import CONFIG_DIR
from dispatch.sla.service import RuleFiles

LEAK_REPAIR = '{ name = "resolve", hours = 8 }'


def _files(tmp_path) -> RuleFiles:
    for name in ("sla.toml", "holidays.toml"):
        shutil.copy(CONFIG_DIR / name, tmp_path / name)
    return RuleFiles(tmp_path / "sla.toml", tmp_path / "holidays.toml", check_every_s=0)


def _edit(path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    stat = path.stat()
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    # A later modification time, even on file systems with a coarse clock.
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))


def _repair_hours(files: RuleFiles) -> float:
    rule = files.rulebook().select("water_leak", zone="built_up", severity="minor")
    return next(m for m in rule.milestones if m.name == "resolve").nominal.total_seconds() / 3600


def test_an_edited_rule_is_used_without_a_restart(tmp_path):
    files = _files(tmp_path)
    assert _repair_hours(files) == 8
    assert files.rulebook() is files.rulebook()  # kept, not read at every call
    _edit(tmp_path / "sla.toml", LEAK_REPAIR, '{ name = "resolve", hours = 6 }')
    assert _repair_hours(files) == 6


def test_a_broken_edit_keeps_the_rules_in_force(tmp_path):
    files = _files(tmp_path)
    before = files.rulebook()
    _edit(tmp_path / "sla.toml", LEAK_REPAIR, '{ name = "resolve", hours = ')
    assert files.rulebook() is before and _repair_hours(files) == 8

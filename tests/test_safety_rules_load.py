"""How the rule set loads: lazy compilation of checked files, the anchor index.

Start-up compiles only what a message needs when the rule files are the ones ``make
models`` checked (``safety/data/model/rules_checked.json``); anything else compiles every
pattern at load. The anchor index must pick exactly the rules one expression of every
anchor picked (the form it replaced), on the whole corpus and on any text.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from safety import rules as rules_module
from safety.labelled import corpus_files, read
from safety.normalise import fold, for_matching, sentences
from safety.rules import (
    CHECKED_PATH,
    DATA_DIR,
    SOURCE_FILES,
    TRIGGER_NAMES,
    RuleError,
    RuleSet,
    Triggers,
    compile_all,
    load,
)

RULES = load()
ORDINARY = DATA_DIR / "ordinary.jsonl"


def _reference_candidates(rule_set: RuleSet) -> tuple[re.Pattern[str], dict[str, set[int]]]:
    """The index as it was: one lookahead expression of every anchor, longest first."""
    owners: dict[str, set[int]] = {}
    for index, rule in enumerate(rule_set.rules):
        for anchor in rule.anchors:
            owners.setdefault(anchor, set()).add(index)
    ordered = sorted(owners, key=lambda a: (-len(a), a))
    regex = re.compile(rf"(?<![a-z0-9])(?=({'|'.join(re.escape(a) for a in ordered)}))")
    merged = {a: {i for o, s in owners.items() if a.startswith(o) for i in s} for a in ordered}
    return regex, merged


REFERENCE, MERGED = _reference_candidates(RULES)


def _reference(text: str) -> list[int]:
    found: set[int] = set()
    for match in REFERENCE.finditer(text):
        found |= MERGED[match.group(1)]
    return sorted(found)


def _corpus_sentences() -> list[str]:
    texts = [row.text for row in read([*corpus_files(), ORDINARY])]
    return [for_matching(s, RULES.typos) for t in texts for s in sentences(fold(t))]


def test_the_anchor_index_picks_the_same_rules_as_the_expression_on_the_whole_corpus() -> None:
    normalised = _corpus_sentences()
    assert len(normalised) > 6000
    differing = [t for t in normalised if RULES.candidates(t) != _reference(t)]
    assert not differing[:5]
    assert sum(bool(RULES.candidates(t)) for t in normalised) > 3000


ANCHOR_BITS = sorted({a for rule in RULES.rules for a in rule.anchors})


@settings(max_examples=300)
@given(
    st.lists(
        st.one_of(
            st.sampled_from(ANCHOR_BITS),
            st.sampled_from([" ", "", "x", "s", "9", "-", "'", ",", "my ", "un", "é"]),
            st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789 .,-#", max_size=6),
        ),
        max_size=12,
    )
)
def test_the_anchor_index_agrees_with_the_expression_on_any_text(pieces: list[str]) -> None:
    text = "".join(pieces)
    assert RULES.candidates(text) == _reference(text)


def test_the_committed_check_is_of_the_current_rule_files() -> None:
    digest = json.loads(CHECKED_PATH.read_text(encoding="utf-8"))["sha256"]
    sources = {name: (DATA_DIR / name).read_bytes() for name in SOURCE_FILES}
    assert digest == rules_module._digest(sources), (
        "a rule file changed since `make models` checked it: run "
        "`.venv/bin/python -m safety.screen_build` and commit safety/data/model/"
    )


def test_every_rule_compiles_and_lazily_compiled_rules_are_the_eager_ones() -> None:
    compile_all(RULES)
    for rule in RULES.rules:
        assert rule.regex is rules_module._regex(rule.source)
        assert rule.regex.pattern == rule.source
    for name in TRIGGER_NAMES:
        pattern = getattr(RULES.triggers, name)
        assert pattern is rules_module._regex(RULES.triggers.sources[name])


def test_a_context_file_without_a_trigger_is_refused() -> None:
    sources = dict(RULES.triggers.sources)
    del sources["idioms"]
    with pytest.raises(RuleError, match="idioms"):
        Triggers(sources)


@pytest.fixture
def copied_data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The rule files copied to ``tmp_path``, with the rule module reading them there."""
    for name in SOURCE_FILES:
        shutil.copy(DATA_DIR / name, tmp_path / name)
    monkeypatch.setattr(rules_module, "DATA_DIR", tmp_path)
    monkeypatch.setattr(rules_module, "CHECKED_PATH", tmp_path / "checked.json")
    monkeypatch.setattr(rules_module, "_COMPILED", {})
    load.cache_clear()
    yield tmp_path
    load.cache_clear()


def _break_a_rule(folder: Path) -> None:
    path = folder / "rules.yaml"
    text = path.read_text(encoding="utf-8")
    assert "    patterns:\n" in text
    path.write_text(
        text.replace("    patterns:\n", "    patterns:\n      - 'chest (unclosed'\n", 1),
        encoding="utf-8",
    )


def test_an_edited_rule_file_with_a_bad_pattern_fails_at_load(copied_data: Path) -> None:
    rules_module.write_checked()
    _break_a_rule(copied_data)
    with pytest.raises(RuleError, match="bad pattern"):
        load()


def test_a_checked_file_set_compiles_rules_only_when_a_message_reaches_them(
    copied_data: Path,
) -> None:
    rules_module.write_checked()
    rules_module._COMPILED.clear()
    rule_set = load()
    compiled = rules_module._COMPILED
    assert not any(rule.source in compiled for rule in rule_set.rules)
    assert not any(source in compiled for source in rule_set.triggers.sources.values())
    chest = next(r for r in rule_set.rules if r.id == "EMG-CHEST-PAIN")
    assert chest.regex.search("crushing chest pain")
    assert chest.source in compiled


def test_write_checked_refuses_a_bad_pattern_and_writes_nothing(copied_data: Path) -> None:
    _break_a_rule(copied_data)
    with pytest.raises(RuleError):
        rules_module.write_checked()
    assert not (copied_data / "checked.json").exists()

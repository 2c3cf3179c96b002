"""The rule files: they load, every rule's own examples behave, ids say their tier."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from safety import screen
from safety.normalise import fold, for_matching, typo_map
from safety.rules import DATA_DIR, Rule, RuleError, _compile, _rule, load
from safety.tiers import Tier

RULES = load().rules
PREFIX = {
    Tier.EMERGENCY: "EMG-",
    Tier.STOP: "STP-",
    Tier.CHECK: "CHK-",
    Tier.CAUTION: "CAU-",
    Tier.NONE: "CAU-",
}


def _fires(rule: Rule, text: str) -> bool:
    return rule.id in screen(text).rule_ids


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_rule_examples_fire_and_counter_examples_do_not(rule: Rule) -> None:
    assert rule.examples, f"{rule.id} needs examples"
    for example in rule.examples:
        assert _fires(rule, example), f"{rule.id} missed its example {example!r}"
    for counter in rule.counter_examples:
        assert not _fires(rule, counter), f"{rule.id} fired on {counter!r}"


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_rule_ids_say_their_tier_and_labels_are_plain(rule: Rule) -> None:
    assert rule.id.startswith(PREFIX[rule.tier])
    assert rule.label and rule.label == rule.label.strip() and not rule.label.endswith(".")


def test_rule_ids_are_unique_and_modifier_tiers_never_raise_a_rule() -> None:
    ids = [r.id for r in RULES]
    assert len(ids) == len(set(ids))
    for rule in RULES:
        for name, tier in rule.modifier_tiers.items():
            assert tier <= rule.tier, (rule.id, name)


def test_bad_patterns_fail_at_load_time_not_while_screening() -> None:
    with pytest.raises(RuleError):
        _compile("chest (pain", {})
    with pytest.raises(RuleError):
        _compile("{nosuchmacro}", {})


def test_a_rule_s_advice_must_be_one_the_replies_know() -> None:
    raw = {
        "id": "STP-X",
        "tier": "stop",
        "kind": "symptom",
        "label": "x",
        "anchors": ["x"],
        "patterns": ["x"],
    }
    defaults: dict[str, dict[str, Tier]] = {t.value: {} for t in Tier}
    assert _rule({**raw, "advice": "cooling"}, {}, defaults, []).advice == "cooling"
    assert _rule(raw, {}, defaults, []).advice is None
    with pytest.raises(RuleError, match="unknown advice"):
        _rule({**raw, "advice": "ice bath"}, {}, defaults, [])


def test_the_heat_illness_rules_and_only_they_ask_for_cooling_advice() -> None:
    cooling = {r.id for r in RULES if r.advice == "cooling"}
    assert cooling == {r.id for r in RULES if "heat" in r.label}
    assert {"EMG-HEATSTROKE", "STP-HEAT"} <= cooling


def test_typo_map_corrects_symptom_words_but_never_real_words() -> None:
    lexicon = yaml.safe_load((DATA_DIR / "lexicon.yaml").read_text())
    typos = typo_map(lexicon["fuzzy_terms"], lexicon["not_typos"])
    assert typos["dizy"] == "dizzy" and typos["chset"] == "chest" and typos["pian"] == "pain"
    for word in ["chess", "paint", "pair", "rain", "ever", "fewer", "single", "dropping"]:
        assert word not in typos
    for word in lexicon["fuzzy_terms"]:
        assert word not in typos
    # Real English words near a symptom word are listed in not_typos (checked against
    # the system word list when one is installed).
    words = Path("/usr/share/dict/words")
    if words.exists():
        english = {w.strip().lower() for w in words.read_text().split() if w.isalpha()}
        assert not sorted(v for v in typos if v in english)


def test_normalising_removes_apostrophes_case_and_hyphens() -> None:
    folded = fold("I CAN’T  Breathe – Light-Headed")
    assert for_matching(folded, {}) == "i cant breathe - light headed"
    assert for_matching("cannot", {}) == "cant"


def test_every_data_file_is_valid_yaml_with_patterns_that_compile() -> None:
    for path in sorted(DATA_DIR.glob("*.yaml")):
        data = yaml.safe_load(path.read_text())
        assert isinstance(data, dict), path
    output = yaml.safe_load((DATA_DIR / "output.yaml").read_text())
    for rule in output["rules"]:
        for pattern in rule["patterns"]:
            re.compile(pattern)

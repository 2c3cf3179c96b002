"""Values kept between runs for the safety screen: a hit gives what computing gives."""

from pathlib import Path

import pytest

from safety import check, kept, literals, rules
from safety.classifier import MODEL_PATH
from safety.textclf import TextClassifier
from tests.fresh_process import RECORD_COMPILES, run_python


@pytest.fixture
def folder(tmp_path: Path):  # type: ignore[no-untyped-def]
    kept.use_folder(lambda: tmp_path / "kept")
    yield tmp_path / "kept"
    kept.use_folder(None)


def test_a_kept_value_reads_back_under_its_key_only(folder: Path) -> None:
    key = kept.key(b"one", b"two")
    kept.keep("value", key, {"a": [1, 2.5, "x"], "b": None})
    assert kept.read("value", key) == {"a": [1, 2.5, "x"], "b": None}
    assert kept.read("value", kept.key(b"one", b"three")) is None
    assert kept.read("other", key) is None


def test_keys_separate_their_parts() -> None:
    assert kept.key(b"ab", b"c") != kept.key(b"a", b"bc")


def test_a_damaged_file_is_computed_around(folder: Path) -> None:
    key = kept.key(b"x")
    kept.keep("value", key, [1, 2, 3])
    (folder / "value.marshal").write_bytes(b"\x00not marshal")
    assert kept.read("value", key) is None


def test_without_a_folder_nothing_is_kept(tmp_path: Path) -> None:
    kept.use_folder(None)
    kept.keep("value", "k", 1)
    assert kept.read("value", "k") is None
    assert list(tmp_path.iterdir()) == []


def test_an_unwritable_folder_costs_time_only(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    kept.use_folder(lambda: blocker / "kept")
    try:
        kept.keep("value", "k", 1)
        assert kept.read("value", "k") is None
    finally:
        kept.use_folder(None)


def _rule_set_parts(rule_set: rules.RuleSet) -> tuple[object, ...]:
    return (
        [(r.id, r.tier, r.source, r.requires_source, r.unless_source) for r in rule_set.rules],
        rule_set.triggers.sources,
        rule_set.typos,
        list(rule_set.typos),
        rule_set.areas.pattern,
        rule_set.area_tags,
        rule_set.severity,
    )


def test_the_kept_rule_files_build_the_same_rule_set(folder: Path) -> None:
    sources = {name: (rules.DATA_DIR / name).read_bytes() for name in rules.SOURCE_FILES}
    kept.use_folder(None)
    computed = rules._build(sources)
    kept.use_folder(lambda: folder)
    written = rules._build(sources)
    assert (folder / "rules.marshal").exists()
    read_back = rules._build(sources)
    assert _rule_set_parts(computed) == _rule_set_parts(written) == _rule_set_parts(read_back)


def test_an_edited_rule_file_is_read_afresh(folder: Path) -> None:
    sources = {name: (rules.DATA_DIR / name).read_bytes() for name in rules.SOURCE_FILES}
    rules._build(sources)
    edited = dict(sources)
    edited["lexicon.yaml"] = sources["lexicon.yaml"] + b"\n# an edit\n"
    stale = kept.read("rules", kept.key(rules._digest(edited).encode()))
    assert stale is None
    assert rules._build(edited).typos == rules._build(sources).typos


@pytest.mark.skipif(not MODEL_PATH.with_suffix(".json").exists(), reason="no screen export")
def test_a_kept_classifier_export_scores_as_the_file_does(folder: Path) -> None:
    kept.use_folder(None)
    computed = TextClassifier.load(MODEL_PATH)
    kept.use_folder(lambda: folder)
    TextClassifier.load(MODEL_PATH)
    assert (folder / f"textclf-{MODEL_PATH.stem}.marshal").exists()
    read_back = TextClassifier.load(MODEL_PATH)
    assert read_back.labels == computed.labels
    assert read_back._index == computed._index
    assert read_back._idf == computed._idf
    for text in ("chest pain when i run", "whats the plan today", "my knee hurts a bit"):
        assert read_back.decision(text) == computed.decision(text)


def test_the_check_topics_read_back_as_parsed(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    computed = check.load_checks.__wrapped__()
    assert (folder / "check.marshal").exists()

    def no_parse(name: str) -> object:
        raise AssertionError(f"{name} was parsed again")

    # A later run reads the kept parse: PyYAML is neither imported nor asked, and the
    # topics' first looks are not worked out again either.
    monkeypatch.setattr(check, "read_yaml", no_parse)
    monkeypatch.setattr(literals, "necessary", no_parse)
    read_back = check.load_checks.__wrapped__()
    assert read_back == computed
    assert read_back.topic_of("my chest feels tight").name == "chest"


def test_the_screen_s_expressions_read_back_equal_re_compile(tmp_path: Path) -> None:
    # Two processes screen the same messages with every rule and trigger compiled: the
    # first compiles and keeps the SRE codes (coachcache.regexes), the second builds every
    # expression from them. Each must equal ``re.compile``'s (a rewritten one, the
    # rewriting's own fresh compile: safety.lifted), and so must the verdicts.
    script = RECORD_COMPILES + (
        "regexes.use_folder(lambda: __import__('pathlib').Path(sys.argv[1]))\n"
        "from safety import rules\n"
        "from safety.screen import screen\n"
        "from safety.output import check_reply\n"
        "rules.compile_all(rules.load())\n"
        "verdicts = [screen(t).tier.value for t in ['chest pain when i run',\n"
        "            'my knee hurts a bit', 'chest day today', 'i feel dizzy and faint']]\n"
        "check_reply('take ibuprofen and push through the pain')\n"
        "bad = [p for p, f, r in set(made) if real(p, f, r) != fresh(p, f, r)]\n"
        "print(len(set(made)), len(regexes._STORE._new), len(bad), *verdicts)\n"
    )
    folder = tmp_path / "regex"
    runs = [
        run_python("import sys\n" + script, tmp_path, str(folder)).stdout.split() for _ in range(2)
    ]
    (made_1, new_1, bad_1, *verdicts_1), (made_2, new_2, bad_2, *verdicts_2) = runs
    assert int(made_1) > 20 and made_1 == made_2 and new_1 == made_1
    assert new_2 == "0", "the second process compiled none of the screen's expressions"
    assert bad_1 == bad_2 == "0"
    assert verdicts_1 == verdicts_2
    assert verdicts_1[0] != "none" and verdicts_1[2] == "none"

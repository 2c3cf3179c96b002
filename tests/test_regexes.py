import marshal
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agent.config import regex_cache_dir
from coachcache import regexes
from coachcache.regexes import cached_compile
from safety import lifted
from tests.fresh_process import RECORD_COMPILES, run_python

_SAMPLES = [
    (r"(?P<sets>\d{1,2})\s*(?:x|×|\*)\s*(?P<reps>\d{1,3})\b", 0),
    (r"\b(?:dumbbells?|dbs?|kettlebells?)\b", re.IGNORECASE),
    (r"(?x) (?<![a-z0-9]) knee s? # a comment\n (?![a-z0-9])", 0),
    (r"^\s*(?:yes|yeah|yep)\b", re.IGNORECASE | re.MULTILINE),
    (r"(?i)caf\u00e9|na\u00efve", 0),
]


@pytest.fixture
def fresh_store(monkeypatch: pytest.MonkeyPatch) -> None:
    # Each test reads and writes its own cache directory (conftest), with a new store.
    monkeypatch.setattr(regexes, "_STORE", regexes._Store())
    monkeypatch.setattr(regexes, "_locate", regex_cache_dir)


def _same(mine: re.Pattern[str], theirs: re.Pattern[str]) -> None:
    assert mine == theirs  # text, flags and SRE code
    assert (mine.flags, mine.groups, mine.groupindex) == (
        theirs.flags,
        theirs.groups,
        theirs.groupindex,
    )


@pytest.mark.parametrize(("pattern", "flags"), _SAMPLES)
def test_a_pattern_is_the_one_re_compiles_fresh_and_from_the_kept_code(
    fresh_store: None, pattern: str, flags: int
) -> None:
    _same(cached_compile(pattern, flags), re.compile(pattern, flags))
    regexes.save()
    regexes._STORE = regexes._Store()
    kept = cached_compile(pattern, flags)
    assert regexes._STORE._new == {}, "read back, not compiled again"
    _same(kept, re.compile(pattern, flags))


@pytest.mark.filterwarnings("ignore:Possible nested set:FutureWarning")  # re's own, for "[["
@settings(max_examples=60, deadline=None)
@given(st.text(alphabet="ab(|)*+?[]^$.\\d{}2,-", max_size=12), st.sampled_from([0, re.I, re.S]))
def test_any_pattern_compiles_or_fails_as_re_does(pattern: str, flags: int) -> None:
    try:
        expected = re.compile(pattern, flags)
    except re.error:
        with pytest.raises(re.error):
            cached_compile(pattern, flags)
        return
    _same(cached_compile(pattern, flags), expected)


def test_a_rewritten_pattern_is_kept_apart_and_read_back_the_same(fresh_store: None) -> None:
    source = r"(?<![a-z0-9])(?:(?:chest|heart) pain|chill)(?![a-z0-9])"
    rewrite = (f"lifted-{lifted.version()}", lifted.lift)
    plain, rewritten = cached_compile(source), cached_compile(source, rewrite=rewrite)
    assert rewritten.pattern == source and rewritten != plain, "the code differs, the text not"
    assert len(regexes._STORE._new) == 2
    regexes.save()
    regexes._STORE = regexes._Store()
    assert cached_compile(source, rewrite=rewrite) == rewritten
    assert cached_compile(source) == plain == re.compile(source)
    assert regexes._STORE._new == {}, "both read back, neither compiled again"
    text = "my chest pain, a chill, heart pains"
    assert [m.span() for m in rewritten.finditer(text)] == [m.span() for m in plain.finditer(text)]


def test_a_damaged_file_is_compiled_around(fresh_store: None) -> None:
    pattern = r"\b(?:squat|lunge)s?\b"
    cached_compile(pattern)
    regexes.save()
    path = regexes._STORE._path
    assert path is not None
    data = regexes._read(path)
    flags, code, groups, names, by_index = data[(pattern, 0)]
    data[(pattern, 0)] = (flags, code[:-8] + b"\xff" * 8, groups, names, by_index)  # bad code

    path.write_bytes(marshal.dumps(data))
    regexes._STORE = regexes._Store()
    _same(cached_compile(pattern), re.compile(pattern))
    path.write_bytes(b"not marshal data")
    regexes._STORE = regexes._Store()
    _same(cached_compile(pattern), re.compile(pattern))


def test_every_offline_model_pattern_read_back_equals_re_compile(tmp_path: Path) -> None:
    # Two processes understand the same messages: the first compiles and keeps the codes,
    # the second builds every pattern from them. Each must equal ``re.compile``'s (a
    # rewritten one, the rewriting's own fresh compile).
    script = RECORD_COMPILES + (
        "import sys\n"
        "from agent.models.offline.policy import understand\n"
        "from agent.coaching import consultation_answers, assessment_reports\n"
        "for text in ['whats the plan today', 'did 3x8 squats at 60kg, knee a bit sore',\n"
        "             'only dumbbells and 20 min', 'how do I do a goblet squat?']:\n"
        "    understand(text)\n"
        "bad = [p for p, f, r in set(made) if real(p, f, r) != fresh(p, f, r)]\n"
        "print(len(set(made)), len(regexes._STORE._new), len(bad))\n"
    )
    runs = [run_python(script, tmp_path).stdout.split() for _ in range(2)]
    (made_1, new_1, bad_1), (made_2, new_2, bad_2) = runs
    assert int(made_1) > 100 and made_1 == made_2 and new_1 == made_1
    assert new_2 == "0", "the second process compiled nothing itself"
    assert bad_1 == bad_2 == "0"


def test_past_the_bound_the_file_keeps_only_what_the_last_process_used(
    fresh_store: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(regexes, "MAX_KEPT", 3)
    for word in ("squat", "lunge", "plank"):
        cached_compile(word)
    regexes.save()
    regexes._STORE = regexes._Store()
    cached_compile("lunge")
    cached_compile("row")
    regexes.save()
    path = regexes._STORE._path
    assert path is not None
    assert set(regexes._read(path)) == {("lunge", 0), ("row", 0)}


def test_without_a_cache_folder_patterns_still_compile(
    fresh_store: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_home() -> Path:
        raise RuntimeError("Could not determine home directory")

    monkeypatch.setattr(regexes, "_locate", no_home)
    _same(cached_compile(r"\bplank\b"), re.compile(r"\bplank\b"))
    regexes.save()  # nothing to write to, and no error


def test_before_a_folder_is_named_patterns_compile_and_nothing_is_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(regexes, "_STORE", regexes._Store())
    monkeypatch.setattr(regexes, "_locate", None)
    _same(cached_compile(r"\blunge\b"), re.compile(r"\blunge\b"))
    regexes.save()
    assert list(tmp_path.rglob("*.marshal")) == []
    # Naming a folder later still takes effect: the codes compiled so far are kept there.
    regexes.use_folder(lambda: tmp_path / "later")
    _same(cached_compile(r"\bplank\b"), re.compile(r"\bplank\b"))
    regexes.save()
    (kept,) = (tmp_path / "later").glob("*.marshal")
    assert set(regexes._read(kept)) == {(r"\blunge\b", 0), (r"\bplank\b", 0)}


def test_an_unwritable_folder_costs_time_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A file where the folder should be: no directory can be made there (a read-only
    # home behaves the same for the writer; root may write even where modes forbid it).
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    monkeypatch.setattr(regexes, "_STORE", regexes._Store())
    monkeypatch.setattr(regexes, "_locate", lambda: blocker / "regex")
    _same(cached_compile(r"\bdeadlift\b"), re.compile(r"\bdeadlift\b"))
    regexes.save()  # logged, not raised
    monkeypatch.setattr(regexes, "_STORE", regexes._Store())
    _same(cached_compile(r"\bdeadlift\b"), re.compile(r"\bdeadlift\b"))
    assert regexes._STORE._new, "nothing was kept, so it was compiled again"


def test_codes_kept_by_another_python_are_not_read(
    fresh_store: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The file is named for the Python build and SRE's version: codes another build kept
    # (another compiler, other opcodes) are never handed to this one.
    with monkeypatch.context() as other:
        other.setattr(regexes, "_ENGINE", "another python")
        cached_compile(r"\bsquat\b")
        regexes.save()
        foreign = regexes._STORE._path
    regexes._STORE = regexes._Store()
    _same(cached_compile(r"\bsquat\b"), re.compile(r"\bsquat\b"))
    assert regexes._STORE._new, "compiled, not read from the other build's file"
    assert regexes._STORE._path != foreign

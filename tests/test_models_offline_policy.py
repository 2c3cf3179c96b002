"""The offline coach answers what a message asks, run through the whole turn loop.

Each class of message is tried in several phrasings and voices (terse, chatty, slang,
formal, story); the phrasings are written for these tests, not taken from any probe set.
Every test starts from a stored profile and today's plan, as a person mid-conversation.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
import sqlite_utils

from agent.errors import tool_error_result
from agent.loop import Coach, TurnResult
from agent.memory import store
from agent.models.offline import OfflineModel
from agent.models.offline.policy import catalog_name_in, shorter_minutes, understand
from agent.models.offline.state import DialogueState, ToolResult
from tests.factories import make_coach, make_user

INTAKE = "I want to get stronger, beginner, dumbbells and a bench at home, 3 days a week, 45 min"


class Chat:
    """One person's conversation with the offline coach, after intake and today's plan."""

    def __init__(self, db: sqlite_utils.Database, now: datetime) -> None:
        self.db = db
        self.user_id, self.conversation_id = make_user(db, now)
        self.coach: Coach = make_coach(db, OfflineModel(), now)
        first = self.say(INTAKE)
        assert self.names(first) == ["update_profile", "plan_today"]

    def say(self, text: str) -> TurnResult:
        return self.coach.turn(self.user_id, self.conversation_id, text)

    @staticmethod
    def names(turn: TurnResult) -> list[str]:
        return [str(call["name"]) for call in turn.tool_calls]

    @staticmethod
    def call(turn: TurnResult, name: str) -> dict[str, Any] | None:
        return next((c for c in turn.tool_calls if c["name"] == name), None)


@pytest.fixture
def chat(db: sqlite_utils.Database, now: datetime) -> Chat:
    return Chat(db, now)


@pytest.mark.parametrize(
    ("text", "focus", "heading"),
    [
        ("legs instead", "legs", "Today's legs session"),
        ("Could we do an upper-body session today instead, please?", "upper", "upper-body"),
        ("pull day pls", "pull", "Today's pull session"),
        ("I'd rather train my legs today if that's ok", "legs", "Today's legs session"),
        ("push day, I have an hour", "push", "Today's push session"),
        (
            "Yesterday I did upper body so today I fancy doing legs, what have you got?",
            "legs",
            "Today's legs session",
        ),
        ("gimme arms 2day", "upper", "upper-body"),
        ("Please, today I want make only the legs.", "legs", "Today's legs session"),
    ],
)
def test_a_day_emphasis_asked_for_plans_that_day(
    chat: Chat, text: str, focus: str, heading: str
) -> None:
    turn = chat.say(text)
    planned = chat.call(turn, "plan_today")
    assert planned is not None and planned["arguments"]["focus"] == focus
    assert heading in turn.reply


def test_different_requests_get_replies_that_name_what_was_asked(chat: Chat) -> None:
    replies = [
        chat.say(text).reply.splitlines()[0]
        for text in ("legs instead", "no kit today, just bodyweight", "something shorter")
    ]
    assert len(set(replies)) == 3
    assert "legs" in replies[0]
    assert "no equipment" in replies[1]
    assert replies[2].startswith("Shortened to fit your time")


@pytest.mark.parametrize(
    "text",
    [
        "something shorter",
        "Would it be possible to make today's session a little shorter?",
        "can u make it quicker",
        "shorter one pls, boss is on my back",
        "Not as long today please",
        "The session is too long for me today, can you make it more short?",
    ],
)
def test_a_shorter_session_without_a_time_is_shortened(chat: Chat, text: str) -> None:
    turn = chat.say(text)
    shortened = chat.call(turn, "shorten_session")
    assert shortened is not None
    assert shortened["arguments"]["minutes"] < 45
    assert "I didn't catch" not in turn.reply


def test_shorter_minutes_cuts_about_a_third_in_whole_five_minutes() -> None:
    def planned(minutes: float) -> DialogueState:
        return DialogueState(earlier_plans=[{"session": {"est_minutes": minutes}}])

    assert shorter_minutes(planned(45)) == 30
    assert shorter_minutes(planned(22)) == 10
    assert shorter_minutes(planned(8)) == 5
    assert shorter_minutes(DialogueState()) == 20


@pytest.mark.parametrize(
    "text",
    [
        "that was way too easy yesterday, can you make today harder?",
        "I'd like something more challenging today, please.",
        "push me harder today",
        "last time was a walk in the park, step it up",
        "This training is too much easy for me, give me more difficult one.",
        "I found last week's sessions rather undemanding; might today's be a little more taxing?",
    ],
)
def test_a_request_for_a_harder_session_makes_it_harder(chat: Chat, text: str) -> None:
    turn = chat.say(text)
    adjusted = chat.call(turn, "adjust_difficulty")
    assert adjusted is not None and adjusted["arguments"] == {"direction": "harder"}
    assert "harder" in turn.reply


def test_a_report_that_it_was_too_easy_is_feedback_only(chat: Chat) -> None:
    turn = chat.say("that was too easy")
    assert chat.names(turn) == ["record_feedback"]


@pytest.mark.parametrize(
    "text",
    [
        "can I swap out the lunges?",
        "I'd prefer not to do burpees today; what else could I do?",
        "swap kettlebell swings pls",
    ],
)
def test_a_swap_of_an_exercise_not_in_the_plan_says_so_and_offers_the_plan(
    chat: Chat, text: str
) -> None:
    reply = chat.say(text).reply
    assert "in today's session, so there's nothing to swap out" in reply
    assert "Goblet squat" in reply
    assert "Which exercise would you like to swap" not in reply
    assert "couldn't" not in reply


def test_a_swap_of_a_like_exercise_swaps_the_one_of_the_same_movement(chat: Chat) -> None:
    turn = chat.say("could you switch the barbell squat to something else")
    swapped = chat.call(turn, "swap_exercise")
    assert swapped is not None and "error" not in swapped["result"]
    assert "Swapped Goblet squat for" in turn.reply
    assert "Today has Goblet squat rather than Barbell back squat" in turn.reply


@pytest.mark.parametrize(
    ("text", "exercise"),
    [
        ("did some bench today", "Dumbbell bench press"),
        ("did the row", "One-arm dumbbell row"),
        ("Finished my squats this morning.", "Goblet squat"),
        ("just did pushups", "Push-up"),
        ("I have done the squats already.", "Goblet squat"),
    ],
)
def test_a_report_of_work_done_asks_for_its_sets_instead_of_planning(
    chat: Chat, text: str, exercise: str
) -> None:
    turn = chat.say(text)
    assert chat.names(turn) == []
    assert f"How many sets and reps of {exercise} did you do" in turn.reply


@pytest.mark.parametrize(
    "text",
    [
        "finally got my first pull-up",
        "I ran 5k without stopping for the first time!",
        "At long last I managed a full push-up on my toes.",
        "did my first ever muscle up lol",
        "After months of trying I can finally do a pistol squat!",
        "I'm so proud, I finally can do ten push-ups in a row!",
    ],
)
def test_a_milestone_is_celebrated_and_changes_nothing(
    chat: Chat, db: sqlite_utils.Database, text: str
) -> None:
    before = store.get_profile(db, chat.user_id)
    turn = chat.say(text)
    assert chat.names(turn) == []
    assert "milestone" in turn.reply
    assert store.get_profile(db, chat.user_id) == before


@pytest.mark.parametrize(
    ("text", "area", "disliked"),
    [
        ("my shoulder is fine but I hate burpees", "shoulder", "burpees"),
        ("knee's all good now, I just dislike lunges", "knee", "lunges"),
        ("My back is much better, though I do not like deadlifts.", "lower back", "deadlifts"),
        ("My knee is completely better now; however I do not enjoy lunges much.", "knee", "lunges"),
        ("knee is fine but i really cant stand lunges", "knee", "lunges"),
        ("shoulder's all sorted, I just can't stand burpees", "shoulder", "burpees"),
        ("knee's fine now, honestly I can't bear burpees", "knee", "burpees"),
    ],
)
def test_a_resolved_area_with_a_dislike_notes_the_dislike_and_protects_nothing(
    chat: Chat, text: str, area: str, disliked: str
) -> None:
    turn = chat.say(text)
    noted = chat.call(turn, "add_note")
    assert noted is not None and noted["arguments"]["kind"] == "dislike"
    assert disliked in noted["arguments"]["subject"]
    assert chat.call(turn, "plan_today") is None
    assert "couldn't" not in turn.reply and "constraint" not in turn.reply
    assert f"Good to hear your {area}" in turn.reply or area not in turn.reply


def test_catalog_names_count_only_when_sure() -> None:
    assert catalog_name_in("I don't fancy the burpees today") == "Burpee"
    assert catalog_name_in("no box jumps for me today, change it") is None


def test_a_tool_result_for_a_swap_the_plan_lacks_is_not_shown_raw() -> None:
    from agent.models.offline.policy import Understanding
    from agent.models.offline.replies import render_reply
    from agent.models.offline.slots import Slots

    failed = ToolResult(
        "swap_exercise",
        {"exercise": "lunges"},
        tool_error_result("retry", "'lunges' is not in today's session", "not_in_session"),
    )
    understood = Understanding(text="swap the lunges", intents=["swap_exercise"], slots=Slots())
    reply = render_reply(understood, DialogueState(results=[failed]), frozenset({"swap_exercise"}))
    assert reply.startswith("Lunges aren't in today's session")


def test_a_refusal_is_read_from_its_reason_never_from_its_wording() -> None:
    """The model's message may be reworded or translated; the reply keys on the reason."""
    from agent.models.offline.policy import Understanding
    from agent.models.offline.replies import render_reply
    from agent.models.offline.slots import Slots

    understood = Understanding(text="swap the lunges", intents=["swap_exercise"], slots=Slots())
    offered = frozenset({"swap_exercise"})
    reworded = ToolResult(
        "swap_exercise",
        {"exercise": "lunges"},
        tool_error_result("retry", "no such exercise today", "not_in_session"),
    )
    assert render_reply(understood, DialogueState(results=[reworded]), offered).startswith(
        "Lunges aren't in today's session"
    )
    # The old wording without the reason is another retry, not this refusal.
    unreasoned = ToolResult(
        "swap_exercise",
        {"exercise": "lunges"},
        tool_error_result("retry", "'lunges' is not in today's session; it has: X"),
    )
    assert not render_reply(understood, DialogueState(results=[unreasoned]), offered).startswith(
        "Lunges aren't in today's session"
    )


def test_a_dislike_said_mildly_is_noted_not_explained(chat: Chat) -> None:
    turn = chat.say("I'm not keen on the pullovers")
    noted = chat.call(turn, "add_note")
    assert noted is not None and noted["arguments"]["kind"] == "dislike"
    assert "Lie on the bench" not in turn.reply


def test_work_reported_with_a_feeling_records_it_and_asks_for_the_sets(chat: Chat) -> None:
    turn = chat.say("Did my bench press earlier, felt heavy")
    assert chat.names(turn) == ["record_feedback"]
    assert "How many sets and reps of" in turn.reply


def test_an_area_the_planner_cannot_protect_is_no_plan_error(chat: Chat) -> None:
    turn = chat.say("Is there an alternative to the Romanian deadlifts? My hamstrings are tight.")
    assert chat.call(turn, "swap_exercise") is not None
    assert "unknown body area" not in turn.reply


@pytest.mark.parametrize(
    ("text", "intents"),
    [
        ("trying chin-ups for the first time, how do I start the pull?", {"how_to"}),
        ("Finally bought myself a kettlebell!", {"equipment_added"}),
        ("hit 100 kg on hip thrust for the first time, is that my heaviest?", {"best_lifts"}),
    ],
)
def test_a_first_try_kit_or_a_question_beside_a_milestone_keeps_its_reading(
    text: str, intents: set[str]
) -> None:
    understood = understand(text)
    assert intents <= set(understood.intents)
    if "best_lifts" not in intents:
        assert "milestone" not in understood.intents


@pytest.mark.parametrize(
    "text", ["finished the workout, felt great", "did yoga this morning", "finished my run"]
)
def test_a_report_that_names_no_exercise_is_not_asked_for_sets_of_a_guessed_one(
    chat: Chat, text: str
) -> None:
    reply = chat.say(text).reply
    assert "How many sets and reps of" not in reply


def test_a_whole_gym_is_named_not_listed_in_the_heading(chat: Chat) -> None:
    turn = chat.say("legs today please, 40 min at the gym")
    assert "Today's legs session, with the gym's full kit" in turn.reply
    turn = chat.say("only dumbbells and a bench today, 30 min")
    assert "with dumbbells, bench" in turn.reply


# Written for this test, apart from the NLU data; six voices each way.
RECOVERED = [
    "shoulder ok now",
    "hip sorted",
    "elbow's fine these days",
    "Oh and by the way, my shoulder feels brilliant again, the rest really helped!",
    "That wrist issue from before has completely cleared up, so push-ups are back on!",
    "knee is mint now",
    "back feelin good as new lol",
    "hip aint hurtin no more",
    "My knee it is okay now, you can put again the squats.",
    "Shoulder problem is finish, all is good.",
    "The soreness in my elbow has now subsided.",
    "My knee gives me no further trouble.",
    "I twisted my ankle at the beach a fortnight ago; I went for a jog yesterday and it felt "
    "completely normal.",
    "The shoulder I hurt moving the sofa gave me grief for a while, but it's been pain-free "
    "since Monday.",
]
NOT_YET = [
    "knee a bit better, still sore",
    "shoulder not great",
    "My knee's getting better but it still twinges on the stairs, so keep it gentle please",
    "knee kinda better but still dodgy tbh",
    "is my back ok to deadlift?",
    "My shoulder is more good but not 100 percent yet.",
    "My ankle is improving, though it remains somewhat tender.",
    "Would my knee be fine for running, do you think?",
    "My knee felt fine during the walk, but this morning it was sore again after the stairs.",
    "I thought my back had healed, but it flared up again when I lifted the shopping yesterday.",
]


@pytest.mark.parametrize("text", RECOVERED)
def test_good_news_about_an_area_is_read_as_recovery_in_any_voice(text: str) -> None:
    assert understand(text).has("constraint_resolved")


@pytest.mark.parametrize("text", NOT_YET)
def test_an_area_not_yet_well_is_no_recovery(text: str) -> None:
    assert not understand(text).has("constraint_resolved")


@pytest.mark.parametrize("area", ["knee", "shoulder"])
def test_an_area_said_to_be_grand_stops_being_protected(chat: Chat, area: str) -> None:
    chat.say(f"my {area} has been a bit sore")
    turn = chat.say(f"{area}'s grand now thanks")
    assert [c["arguments"] for c in turn.tool_calls if c["name"] == "resolve_constraint"] == [
        {"area": area}
    ]
    assert chat.call(turn, "plan_today") is None
    assert f"stopped protecting your {area}" in turn.reply


def test_good_news_about_two_areas_leaves_the_one_still_sore(chat: Chat) -> None:
    chat.say("my knee has been a bit sore")
    turn = chat.say("knee's good, back's good, just a slightly stiff neck")
    resolved = {
        c["arguments"]["area"] for c in turn.tool_calls if c["name"] == "resolve_constraint"
    }
    assert resolved == {"knee", "lower_back"}


def test_back_to_normal_is_not_news_about_the_back(chat: Chat) -> None:
    chat.say("my knee has been a bit sore")
    turn = chat.say("knee's back to normal")
    resolved = [
        c["arguments"]["area"] for c in turn.tool_calls if c["name"] == "resolve_constraint"
    ]
    assert resolved == ["knee"]
    assert "lower back" not in turn.reply


@pytest.mark.parametrize(
    ("text", "item"),
    [
        ("bench is busted, what now?", "bench"),
        ("snapped my resistance band this morning", "bands"),
        ("my wife took the dumbbells to her office", "dumbbells"),
        ("The pull-up bar has come away from the wall, I'm afraid.", "pullup_bar"),
        ("lent my kettlebell to a mate for the week lol", "kettlebell"),
    ],
)
def test_an_item_broken_or_lent_is_left_out_not_made_the_whole_kit(
    chat: Chat, text: str, item: str
) -> None:
    turn = chat.say(text)
    out = chat.call(turn, "equipment_unavailable")
    assert out is not None and out["arguments"]["items"] == [item]
    assert not any(
        c["name"] in ("plan_today", "swap_equipment", "update_profile") for c in turn.tool_calls
    )


@pytest.mark.parametrize(
    ("text", "item"),
    [
        ("the gym at work has a cable machine now", "cables"),
        ("my garage now has a squat rack", "rack"),
        ("We've got a rowing machine as well now!", "rower"),
    ],
)
def test_an_item_a_place_has_gained_is_added_to_the_kit_never_replaces_it(
    chat: Chat, text: str, item: str
) -> None:
    turn = chat.say(text)
    saved = [c["arguments"] for c in turn.tool_calls if c["name"] == "update_profile"]
    assert saved and set(saved[-1]["equipment"]) >= {"dumbbells", "bench", item}
    assert chat.call(turn, "swap_equipment") is None


@pytest.mark.parametrize(
    ("text", "goal"),
    [
        ("I'd rather focus on losing weight than building muscle now", "fat_loss"),
        ("forget getting big, I want to get lean", "fat_loss"),
        ("more into getting fit than getting big these days", "general_fitness"),
        ("I want to build muscle, not lose weight", "hypertrophy"),
        ("Going forward my aim is strength rather than size.", "strength"),
    ],
)
def test_a_goal_said_against_another_is_the_goal_kept(text: str, goal: str) -> None:
    assert understand(text).slots.goal == goal


def test_forgetting_what_was_never_noted_is_said_plainly_not_as_a_tool_error(chat: Chat) -> None:
    turn = chat.say("forget that I said I hate floor press")
    assert chat.call(turn, "forget_note") is not None
    assert turn.reply.startswith("I had nothing noted about floor press")
    assert "couldn't" not in turn.reply and "note id" not in turn.reply


def test_a_note_said_then_forgotten_is_forgotten(chat: Chat) -> None:
    chat.say("I really can't stand burpees")
    turn = chat.say("actually forget that I hate burpees")
    assert chat.call(turn, "forget_note") is not None
    assert "nothing noted" not in turn.reply and "couldn't" not in turn.reply


@pytest.mark.parametrize(
    "text",
    [
        "Feeling fantastic this morning, let's go all out!",
        "slept like a log, ready to push it",
        "I feel ready for anything today, don't hold back.",
        "energy 5/5 lets smash it",
    ],
)
def test_energy_to_spare_with_a_push_asks_for_a_harder_session(chat: Chat, text: str) -> None:
    adjusted = chat.call(chat.say(text), "adjust_difficulty")
    assert adjusted is not None and adjusted["arguments"]["direction"] == "harder"


@pytest.mark.parametrize(
    "text", ["could we push it back to Thursday?", "I won't push it today", "don't push it, ok?"]
)
def test_push_it_back_or_not_pushing_is_no_harder_session(chat: Chat, text: str) -> None:
    adjusted = chat.call(chat.say(text), "adjust_difficulty")
    assert adjusted is None or adjusted["arguments"]["direction"] != "harder"


def test_good_energy_alone_is_not_offered_a_lighter_session(chat: Chat) -> None:
    turn = chat.say("slept great, feeling strong today")
    assert "make it easier" not in turn.reply
    assert chat.call(turn, "adjust_difficulty") is None


def test_a_movement_word_naming_one_planned_exercise_logs_it(chat: Chat) -> None:
    turn = chat.say("did 3x10 rows at 14kg")
    logged = chat.call(turn, "log_sets")
    assert logged is not None and "row" in logged["arguments"]["exercise"].lower()
    assert "not sure which exercise" not in turn.reply


def test_a_movement_word_naming_two_planned_exercises_asks_one_question(chat: Chat) -> None:
    turn = chat.say("3x8 presses at 12kg")
    assert chat.call(turn, "log_sets") is None
    assert turn.reply.count("?") == 1
    assert "Dumbbell bench press or Dumbbell shoulder press" in turn.reply
    assert "3x8 at 12 kg" in turn.reply


@pytest.mark.parametrize(
    ("text", "start"),
    [
        ("um why do you have me doing supersets", "A superset is"),
        ("Could you explain what the point of a superset is?", "A superset is"),
        ("wat does amrap stand 4?", "AMRAP means"),
        ("What is meant by EMOM in the plan?", "EMOM means"),
        ("How heavy should I go on the dumbbell press? I'm new to this", "Pick a weight"),
        ("How heavy should I go on the floor press, I'm new to this", "Pick a weight"),
        ("no idea what weight to start with on the rows tbh", "Pick a weight"),
    ],
)
def test_a_question_about_a_plan_word_or_starting_weight_gets_its_answer(
    chat: Chat, text: str, start: str
) -> None:
    turn = chat.say(text)
    assert turn.reply.startswith(start), turn.reply[:120]
    assert "outside what I know" not in turn.reply


def test_a_bar_beside_pull_ups_is_a_pull_up_bar_and_never_the_whole_kit(chat: Chat) -> None:
    assert understand(
        "swap the rows for chin-ups, I've got a bar now"
    ).slots.equipment.available == ["pullup_bar"]
    turn = chat.say("Can I replace the rows with pull-ups? I have a bar now")
    for call in turn.tool_calls:
        if call["name"] == "update_profile":
            assert {"dumbbells", "bench"} <= set(call["arguments"]["equipment"])


@pytest.mark.parametrize(
    ("text", "start"),
    [
        ("Is it safe to do weights every single day?", "Beginners do well on 2-3"),
        ("im 71 is it ok to lift heavy stuff", "There is no age to stop"),
        ("Would it be dangerous to start deadlifting at 64?", "There is no age to stop"),
    ],
)
def test_whether_some_training_is_wise_is_answered_and_changes_no_profile(
    chat: Chat, text: str, start: str
) -> None:
    turn = chat.say(text)
    saved = chat.call(turn, "update_profile")
    # An age said outright is kept (the plan follows it); nothing else is read from a question.
    assert saved is None or set(saved["arguments"]) == {"age"}
    assert start in turn.reply, turn.reply[:100]


def test_a_streak_asked_before_any_training_is_answered(chat: Chat) -> None:
    turn = chat.say("how long is my streak now?")
    assert "no streak to count" in turn.reply


@pytest.mark.parametrize("text", ["switch me to 4 days a week please", "change me to mornings"])
def test_the_person_is_no_exercise(chat: Chat, text: str) -> None:
    assert "which exercise" not in chat.say(text).reply


@pytest.mark.parametrize(
    "text",
    ["got through all of it, took me 52 minutes", "Completed the session in 40 minutes flat!"],
)
def test_how_long_a_session_took_is_no_request_to_shorten(chat: Chat, text: str) -> None:
    turn = chat.say(text)
    assert chat.call(turn, "shorten_session") is None


@pytest.mark.parametrize(
    "text",
    [
        "been off sick for 10 days, is that a problem for my progress?",
        "Took a fortnight off for the holidays. Should I ease back in or start where I was?",
        "had a month away from the gym, will I lose my gains??",
    ],
)
def test_a_question_about_a_break_gets_the_return_answer(chat: Chat, text: str) -> None:
    turn = chat.say(text)
    assert "Strength holds for about four weeks off" in turn.reply, turn.reply[:120]
    assert chat.call(turn, "update_profile") is None


def test_a_schedule_request_after_missed_sessions_is_still_a_schedule_request(chat: Chat) -> None:
    turn = chat.say("skipped 2 sessions this week, can we do 2 days next week?")
    assert "Strength holds" not in turn.reply


@pytest.mark.parametrize(
    ("text", "exercise"),
    [
        ("still can't manage even one push-up, what can I do about it?", "Push-up"),
        ("I'm unable to do a single chin-up. Any advice?", "Chin-up"),
    ],
)
def test_not_yet_able_to_do_one_gets_the_exercise_and_its_easier_step(
    chat: Chat, text: str, exercise: str
) -> None:
    turn = chat.say(text)
    assert turn.reply.startswith(f"{exercise}:"), turn.reply[:100]
    assert "Easier:" in turn.reply
    assert not turn.tool_calls
    assert "not sure which exercise" not in turn.reply


@pytest.mark.parametrize(
    ("text", "answer"),
    [
        ("do i have to bother with the warmup today?", "ramp-up set"),
        ("Would it be alright to leave out the cool-down this once?", None),
    ],
)
def test_leaving_out_a_part_of_the_session_is_not_a_rest_day(
    chat: Chat, text: str, answer: str | None
) -> None:
    turn = chat.say(text)
    assert "skip_today" not in chat.names(turn)
    assert "not sure which exercise" not in turn.reply
    if answer:
        assert answer in turn.reply


@pytest.mark.parametrize(
    ("text", "focus"),
    [
        ("did a long bike ride this morning, my quads are fried", "upper"),
        ("Went bouldering last night and my arms are absolutely wrecked", "lower"),
        ("two hours of tennis earlier, legs are shot", "upper"),
    ],
)
def test_a_spent_half_of_the_body_trains_the_other_half(chat: Chat, text: str, focus: str) -> None:
    turn = chat.say(text)
    plan = chat.call(turn, "plan_today")
    assert plan is not None
    assert plan["arguments"]["focus"] == focus
    # The length of what was done earlier is no time limit for today.
    assert "minutes" not in plan["arguments"]


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("is it normal to want to throw up after burpees", "queasy"),
        ("how long till i actually notice a difference", "Strength usually comes first"),
        ("Is thirty minutes a session enough, do you think?", "hard sets"),
        ("what's a decent deadlift for a woman my size", "no one number"),
        ("my knee pops when i squat, should i worry", "Clicks and pops"),
        ("Scale says I'm up a kilo since starting, fat or muscle?", "water"),
    ],
)
def test_common_questions_get_their_own_answer(chat: Chat, text: str, words: str) -> None:
    assert words in chat.say(text).reply


def test_feeling_sick_after_a_session_is_no_question_about_a_break(chat: Chat) -> None:
    reply = chat.say("felt sick after yesterday's session, is that normal?").reply
    assert "Strength holds for about four weeks" not in reply


def _logged_chat(db: sqlite_utils.Database, now: datetime) -> Chat:
    chat = Chat(db, now)
    chat.say("3x10 dumbbell bench press at 18 kg")
    chat.say("4x6 barbell back squat at 70 kg")
    return chat


@pytest.mark.parametrize(
    ("text", "tool", "exercise"),
    [
        ("how much did i bench last time?", "last_performance", "Dumbbell bench press"),
        ("What did I manage on squats the last time", "last_performance", "Barbell back squat"),
        ("whats my best squat", "exercise_progress", "Barbell back squat"),
        ("Am I improving on the bench at all?", "exercise_progress", "Dumbbell bench press"),
    ],
)
def test_a_question_about_one_lift_reads_that_lift_as_logged(
    db: sqlite_utils.Database, now: datetime, text: str, tool: str, exercise: str
) -> None:
    chat = _logged_chat(db, now)
    turn = chat.say(text)
    call = chat.call(turn, tool)
    assert call is not None, chat.names(turn)
    assert exercise in turn.reply


def test_a_question_about_the_month_reads_the_month(
    db: sqlite_utils.Database, now: datetime
) -> None:
    chat = _logged_chat(db, now)
    call = chat.call(chat.say("what have i done so far this month?"), "workout_history")
    assert call is not None
    assert call["arguments"]["start"] == now.date().replace(day=1).isoformat()


def test_a_question_about_volume_counts_sets_per_muscle(
    db: sqlite_utils.Database, now: datetime
) -> None:
    chat = _logged_chat(db, now)
    turn = chat.say("have i done more sets this week than last?")
    assert chat.call(turn, "weekly_muscle_sets") is not None
    assert "Week of" in turn.reply and "\n- Week of" in turn.reply
    assert "Done:" not in turn.reply


def test_how_am_i_doing_is_no_exercise_explanation(chat: Chat) -> None:
    turn = chat.say("so how am I doing, honestly?")
    assert "It works the" not in turn.reply


@pytest.mark.parametrize(
    ("text", "back"),
    [
        ("Yesterday: goblet squats 3x10 at 16 kg", 1),
        ("did rows 3x12 @ 14 the day before yesterday", 2),
        ("4x6 bench at 40kg 2 days ago", 2),
        ("3 x 15 lunges this morning", 0),
    ],
)
def test_sets_done_on_an_earlier_day_are_logged_on_that_day(
    chat: Chat, text: str, back: int
) -> None:
    turn = chat.say(text)
    call = chat.call(turn, "log_sets")
    assert call is not None
    assert call["arguments"].get("days_ago", 0) == back
    assert ("yesterday" in turn.reply) == (back == 1)


def test_a_weekday_is_the_latest_one_before_today() -> None:
    from datetime import date

    from agent.models.offline.policy import days_ago

    wednesday = date(2026, 12, 2)
    assert days_ago("on monday I did 3x8 squats", wednesday) == 2
    assert days_ago("last wednesday: 3x8 rows", wednesday) == 7
    assert days_ago("3x8 rows", wednesday) == 0


@pytest.mark.parametrize(
    "text",
    [
        "Is it alright to go to the gym with a bit of a cold?",
        "shud i train when im sick",
    ],
)
def test_a_question_the_faq_answers_closely_gets_the_answer_not_a_menu(
    chat: Chat, text: str
) -> None:
    reply = chat.say(text).reply
    assert "Just to be sure" not in reply
    assert "fever" in reply


def test_an_faq_entry_far_from_the_question_is_not_given(chat: Chat) -> None:
    reply = chat.say("why does my left calf twitch after spin class?").reply
    assert "It depends on the goal" not in reply


@pytest.mark.parametrize(
    "text",
    [
        "garmin says my HRV is low this morning",
        "Oura readiness is low today, 58",
        "whoop has me in the red",
    ],
)
def test_a_low_recovery_reading_from_a_wearable_makes_today_easier(chat: Chat, text: str) -> None:
    turn = chat.say(text)
    call = chat.call(turn, "adjust_difficulty")
    assert call is not None and call["arguments"]["direction"] == "easier"


@pytest.mark.parametrize(
    "text",
    [
        "from now on I'd like legs on Tuesdays",
        "Push on Mondays, pull on Thursdays please",
        "we always do upper body on wednesdays",
    ],
)
def test_emphases_pinned_to_weekdays_are_one_standing_note(chat: Chat, text: str) -> None:
    turn = chat.say(text)
    assert chat.names(turn) == ["add_note"]
    note = chat.call(turn, "add_note")
    assert note is not None and note["arguments"]["subject"] == "training days"
    assert "Noted for good" in turn.reply


def test_a_dislike_said_with_feeling_names_only_the_exercise(chat: Chat) -> None:
    turn = chat.say("i hate lunges so much")
    note = chat.call(turn, "add_note")
    assert note is not None and note["arguments"]["subject"] == "lunges"
    assert "not sure which exercise" not in turn.reply


def test_a_story_of_a_short_day_before_is_no_request_for_a_short_one_now(chat: Chat) -> None:
    turn = chat.say("Last night I was exhausted so I only did fifteen minutes of rowing.")
    assert "shorten_session" not in chat.names(turn)
    plan = chat.call(turn, "plan_today")
    assert plan is None or "minutes" not in plan["arguments"]


def test_a_standing_session_length_said_formally_is_saved(chat: Chat) -> None:
    turn = chat.say("Kindly shorten my workouts to forty minutes going forward.")
    saved = chat.call(turn, "update_profile")
    assert saved is not None and saved["arguments"]["session_minutes"] == 40


def test_kit_someone_gave_them_is_added_not_looked_up(chat: Chat) -> None:
    turn = chat.say("my dad gave me his old exercise bike, can i use that?")
    assert "exercise_progress" not in chat.names(turn)
    saved = chat.call(turn, "update_profile")
    assert saved is not None and "bike" in saved["arguments"]["equipment"]


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("bit hungover today, is training a bad idea?", "water"),
        ("my fitbit reckons I burnt 900 kcal on that walk, believable?", "rough guide"),
    ],
)
def test_more_common_questions_get_their_own_answer(chat: Chat, text: str, words: str) -> None:
    assert words in chat.say(text).reply


@pytest.mark.parametrize(
    "text", ["mind if we move today's workout to tomorrow?", "swap todays session for tmrw pls"]
)
def test_moving_today_to_tomorrow_rests_today(chat: Chat, text: str) -> None:
    turn = chat.say(text)
    assert "skip_today" in chat.names(turn)
    assert "swap_exercise" not in chat.names(turn)


def test_a_muscle_to_build_is_a_muscle_goal(chat: Chat) -> None:
    saved = chat.call(chat.say("I want to grow my glutes"), "update_profile")
    assert saved is not None and saved["arguments"]["goal"] == "hypertrophy"

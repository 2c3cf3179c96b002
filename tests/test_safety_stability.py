"""Plain coaching messages the committed screen must leave alone, after every rebuild.

The classifier is retrained whenever the corpus, the rules or their context change, and
a retrained model can move a message nowhere near a red flag across a threshold: one
rebuild put "I have done the squats already." at stop. The voice-held-out figures do not
see that (they measure the corpus, and the corpus is full of alarming words), so this
guard screens a fixed list of everyday messages, in all six voices, with the committed
rules and classifier:

- logging, plans, equipment, schedule and kit that breaks (:data:`ORDINARY`) are met with
  nothing that asks or alarms (none or caution);
- muscle soreness and tiredness said mildly (:data:`MILD`) may draw caution or the check
  question, never a stop or an emergency.

The messages are written for this test; none is a corpus row (a test below checks it).
"""

from __future__ import annotations

import pytest

from safety.labelled import VOICES, corpus_files, read
from safety.screen import screen
from safety.screen_build import training_rows
from safety.tiers import Tier

ORDINARY: dict[str, list[str]] = {
    "terse": [
        "Squats done. 5x5 at 80.",
        "Log it: 3 sets of 10 rows, 40kg.",
        "Tomorrow's plan?",
        "Move Friday to Saturday.",
        "Only have dumbbells today.",
        "Bench is taken. Swap?",
        "Band snapped. Alternative?",
        "Rower broken. What instead?",
    ],
    "chatty": [
        "Just finished my deadlifts, got all the reps at 100kg, super happy with that!",
        "Could you put today's run in the log? It was 5k in about 28 minutes.",
        "I'm off on holiday next week so can we plan something I can do in a hotel gym?",
        "My work schedule changed so Tuesdays are out now, can we shuffle things around?",
        "The gym got new kettlebells and I have no idea which weight to grab, any tips?",
        "My skipping rope handle cracked this morning, so what should I do instead of it?",
        "Done the push-ups already, what's next on the list?",
        "I've got a wedding on Saturday so that session will have to move, sorry!",
    ],
    "slang": [
        "smashed leg day, log it pls",
        "wat we doin tmrw",
        "gym packed, no racks free, wat else can i do",
        "my resistance band ripped lol, need a swap",
        "cant make it thurs, shift at work",
        "did the pullups already innit",
        "treadmill at my gym is dead again, whats another cardio thing",
        "got a new barbell set, wat should i start wiv",
    ],
    "non-native": [
        "I finish the squats, 4 series of 8 with 60 kilo.",
        "Please you can write in my log the running of today, 6 kilometre.",
        "What is the plan for the tomorrow?",
        "On Wednesday I cannot come, I have the work, we change the day?",
        "In my gym is not the machine for the legs, what I do instead?",
        "The elastic band is broken when I pull it, which exercise I can do now?",
        "I have only 20 minutes today, is possible a short training?",
        "I already make the lunges, now what is next?",
    ],
    "formal": [
        "I have completed the prescribed sets of bench press at 70 kilograms.",
        "Would you kindly record this morning's swim of forty lengths?",
        "May I ask what is planned for Thursday's session?",
        "I regret that I shall be unable to train on Monday; could we rearrange?",
        "The gymnasium's cable machine is out of order. What would you suggest instead?",
        "I have purchased an adjustable bench. How might I incorporate it?",
        "My pull-up bar has come loose from the door frame, so I shall need an alternative.",
        "I have already done the lunges this morning.",
    ],
    "story": [
        "Yesterday I went to the gym after work, did all three sets of squats and went home.",
        "Last week I ran on Monday, Wednesday and Friday, so I kept to the plan.",
        "On Sunday the spin bike's pedal came off halfway through, so I finished on the rower.",
        "This morning I took the dog out first and then did my push-ups in the garden.",
        "We moved house at the weekend, so I trained in the new flat with just a mat.",
        "I got to the pool and the lanes were closed, so I went for a walk instead.",
        "On the way to the gym my bike chain came off, so I ran the rest of the way.",
        "My brother lent me his old dumbbells, so I did the arm workout at home.",
    ],
}
"""Everyday coaching chat: logging, plans, equipment, schedule, kit that breaks."""

MILD: dict[str, list[str]] = {
    "terse": ["Legs a bit sore from Monday.", "Tired today. Short session?"],
    "chatty": [
        "My arms are a little achy after yesterday's session, but nothing major.",
        "Feeling a bit stiff from the long run, should I still do today's workout?",
    ],
    "slang": ["legs proper achy from squats lol", "bit stiff today, go easy?"],
    "non-native": [
        "My legs are little bit painful from the training of Monday, is normal?",
        "I am tired today, maybe we do the training more easy?",
    ],
    "formal": [
        "I am experiencing some mild stiffness in my hamstrings after Saturday's session.",
        "I find myself rather fatigued this week; might we reduce the volume?",
    ],
    "story": [
        "After Tuesday's squats my thighs were sore for a couple of days, then it faded.",
        "I slept badly last night, so this morning's run felt slow and heavy.",
    ],
}
"""Soreness and tiredness said mildly: caution or the question at most."""

CALM = (Tier.NONE, Tier.CAUTION)
AT_MOST_ASKED = (Tier.NONE, Tier.CAUTION, Tier.CHECK)

CASES = [
    *(
        pytest.param(text, CALM, id=f"ordinary {voice}: {text[:40]}")
        for voice, texts in ORDINARY.items()
        for text in texts
    ),
    *(
        pytest.param(text, AT_MOST_ASKED, id=f"mild {voice}: {text[:40]}")
        for voice, texts in MILD.items()
        for text in texts
    ),
]


@pytest.mark.parametrize(("text", "accepted"), CASES)
def test_a_plain_message_is_left_alone(text: str, accepted: tuple[Tier, ...]) -> None:
    assessment = screen(text)
    assert assessment.tier in accepted, (text, assessment.tier, assessment.signals)


def test_every_voice_has_plain_and_mild_messages() -> None:
    assert set(ORDINARY) == set(MILD) == set(VOICES)


def test_the_guard_messages_are_not_training_rows() -> None:
    trained = {row.text.casefold() for row in training_rows(read(corpus_files()))}
    guard = [t for texts in (*ORDINARY.values(), *MILD.values()) for t in texts]
    assert not [t for t in guard if t.casefold() in trained]

"""The schema, as named migrations applied in order, each in its own transaction.

Append new migrations at the end; never edit one that has shipped, because databases in
the wild have already recorded it as applied.

The same named migrations run on SQLite and PostgreSQL: each is written in SQLite's DDL
and ``_script`` spells it for the engine (``agent.memory.dialect.schema_script``); the one
step whose body differs (a trigger) says so itself.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from agent.memory.dialect import engine_of, schema_script

if TYPE_CHECKING:
    import sqlite_utils


@dataclass(frozen=True)
class Migration:
    """One named, idempotent-by-record schema step."""

    name: str
    apply: Callable[[sqlite_utils.Database], None]


def _script(db: sqlite_utils.Database, script: str) -> None:
    db.executescript(schema_script(script, engine_of(db)))


def _m001_core(db: sqlite_utils.Database) -> None:
    _script(
        db,
        """
        CREATE TABLE users (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            pseudonym TEXT NOT NULL UNIQUE,
            token_hash TEXT UNIQUE,
            created_at TEXT NOT NULL
        );
        CREATE TABLE profiles (
            user_id INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
            goal TEXT,
            level TEXT,
            equipment TEXT,            -- JSON list of equipment vocabulary words
            days_per_week INTEGER,
            session_minutes INTEGER,
            age INTEGER,
            units TEXT NOT NULL DEFAULT 'kg',
            extra TEXT NOT NULL DEFAULT '{}',   -- JSON: anything else the intake learned
            updated_at TEXT NOT NULL
        );
        CREATE TABLE conversations (
            id INTEGER PRIMARY KEY,
            user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            channel TEXT NOT NULL DEFAULT 'cli',
            started_at TEXT NOT NULL
        );
        CREATE INDEX idx_conversations_user ON conversations(user_id);
        CREATE TABLE turns (
            id INTEGER PRIMARY KEY,
            conversation_id INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
            user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            status TEXT NOT NULL,      -- pending | complete | failed
            safety_tier TEXT NOT NULL DEFAULT 'none',
            error TEXT,
            started_at TEXT NOT NULL,
            finished_at TEXT
        );
        CREATE INDEX idx_turns_user ON turns(user_id);
        CREATE TABLE messages (
            id INTEGER PRIMARY KEY,
            conversation_id INTEGER NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
            user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            turn_id INTEGER REFERENCES turns(id) ON DELETE CASCADE,
            role TEXT NOT NULL,        -- user | assistant | tool
            content TEXT,
            tool_calls TEXT,           -- JSON list in the OpenAI shape, assistant only
            tool_call_id TEXT,
            name TEXT,
            created_at TEXT NOT NULL
        );
        CREATE INDEX idx_messages_conversation ON messages(conversation_id, id);
        CREATE INDEX idx_messages_user ON messages(user_id);
        CREATE TABLE workout_sessions (
            id INTEGER PRIMARY KEY,
            user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            status TEXT NOT NULL,      -- planned | in_progress | done | skipped
            planned_for TEXT,          -- ISO date
            plan TEXT,                 -- JSON session from the planner
            state TEXT,                -- JSON live-session state machine
            skip_reason TEXT,
            source TEXT NOT NULL DEFAULT 'coach',   -- coach | import | api
            created_at TEXT NOT NULL,
            started_at TEXT,
            finished_at TEXT
        );
        CREATE INDEX idx_sessions_user ON workout_sessions(user_id, status);
        CREATE TABLE set_logs (
            id INTEGER PRIMARY KEY,
            user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            session_id INTEGER REFERENCES workout_sessions(id) ON DELETE CASCADE,
            exercise_id TEXT NOT NULL,
            exercise_name TEXT NOT NULL,
            set_number INTEGER NOT NULL,
            reps INTEGER,
            load REAL,                 -- as the person said it
            unit TEXT,                 -- kg | lb | NULL for bodyweight
            load_kg REAL,              -- normalised for analysis
            rpe REAL,
            rir REAL,
            duration_s REAL,
            logged_at TEXT NOT NULL,
            source TEXT NOT NULL DEFAULT 'coach'
        );
        CREATE INDEX idx_set_logs_user ON set_logs(user_id, exercise_id, logged_at);
        CREATE TABLE feedback (
            id INTEGER PRIMARY KEY,
            user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            session_id INTEGER REFERENCES workout_sessions(id) ON DELETE CASCADE,
            difficulty TEXT,           -- too_easy | about_right | too_hard
            enjoyment INTEGER,         -- 1-5
            note TEXT,
            created_at TEXT NOT NULL
        );
        CREATE TABLE notes (
            id INTEGER PRIMARY KEY,
            user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            kind TEXT NOT NULL,        -- preference | dislike | barrier | constraint | substitution
            subject TEXT,              -- e.g. the joint area, exercise id, or topic
            text TEXT NOT NULL,
            status TEXT NOT NULL DEFAULT 'active',  -- active | resolved | forgotten
            started_at TEXT NOT NULL,
            ended_at TEXT,
            created_at TEXT NOT NULL
        );
        CREATE INDEX idx_notes_user ON notes(user_id, kind, status);
        CREATE TABLE safety_flags (
            id INTEGER PRIMARY KEY,
            user_id INTEGER REFERENCES users(id) ON DELETE CASCADE,
            conversation_id INTEGER REFERENCES conversations(id) ON DELETE CASCADE,
            message_id INTEGER REFERENCES messages(id) ON DELETE CASCADE,
            tier TEXT NOT NULL,        -- caution | stop | emergency
            signals TEXT NOT NULL,     -- JSON list
            rule_ids TEXT NOT NULL,    -- JSON list
            excerpt TEXT NOT NULL,
            source TEXT NOT NULL DEFAULT 'screen',  -- screen | output_rail | parq
            lock_active INTEGER NOT NULL DEFAULT 0, -- plan-changing tools locked while 1
            lock_cleared_at TEXT,
            review_status TEXT,        -- open | in_review | resolved | escalated | false_positive
            assigned_to TEXT,
            decision TEXT,             -- true_positive | false_positive | wrong_tier
            action TEXT,               -- contacted_user | rule_change_needed | added_to_evals
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        CREATE INDEX idx_flags_user ON safety_flags(user_id, lock_active);
        CREATE INDEX idx_flags_review ON safety_flags(review_status, tier, created_at);
        CREATE TABLE flag_events (
            id INTEGER PRIMARY KEY,
            flag_id INTEGER,           -- kept (no cascade) so the trail outlives a deleted user
            actor TEXT NOT NULL,
            at TEXT NOT NULL,
            field TEXT NOT NULL,
            from_value TEXT,
            to_value TEXT,
            note TEXT
        );
        CREATE INDEX idx_flag_events_flag ON flag_events(flag_id, id);
        CREATE TABLE audit_log (
            id INTEGER PRIMARY KEY,
            at TEXT NOT NULL,
            actor TEXT NOT NULL,
            action TEXT NOT NULL,
            subject TEXT,              -- a pseudonym or an id; never a name or message text
            detail TEXT NOT NULL DEFAULT '{}'
        );
        CREATE TABLE operators (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            password_hash TEXT NOT NULL,
            created_at TEXT NOT NULL
        );
        CREATE TABLE operator_sessions (
            token_hash TEXT PRIMARY KEY,
            operator_id INTEGER NOT NULL REFERENCES operators(id) ON DELETE CASCADE,
            csrf_token TEXT NOT NULL,
            expires_at TEXT NOT NULL
        );
        """,
    )


def _m002_memory_history(db: sqlite_utils.Database) -> None:
    # Warm-ups and drop sets are kept but left out of bests; imported sets remember it.
    # The indexes serve the history queries, which all read one user by date.
    _script(
        db,
        """
        ALTER TABLE set_logs ADD COLUMN set_type TEXT NOT NULL DEFAULT 'normal';
        CREATE INDEX idx_set_logs_user_time ON set_logs(user_id, logged_at);
        CREATE INDEX idx_set_logs_session ON set_logs(session_id);
        CREATE INDEX idx_sessions_user_time ON workout_sessions(user_id, started_at);
        CREATE INDEX idx_feedback_user ON feedback(user_id, created_at);
        CREATE INDEX idx_turns_conversation ON turns(conversation_id, id);
        """,
    )


def _m003_review_privacy(db: sqlite_utils.Database) -> None:
    # A flag disappears with its person (cascade from users, conversations or messages).
    # Its review trail stays, so the audit shows who did what and when, but the operators'
    # free-text notes may quote the person, so they go, and the trail records why.
    # PostgreSQL spells a trigger as a function plus the trigger; the effect is the same.
    if engine_of(db) == "postgresql":
        db.executescript(
            """
            CREATE FUNCTION flag_deleted_scrub_trail() RETURNS trigger
            LANGUAGE plpgsql AS $body$
            BEGIN
                UPDATE flag_events SET note = NULL WHERE flag_id = OLD.id;
                INSERT INTO flag_events (flag_id, actor, at, field, from_value, to_value, note)
                VALUES (OLD.id, 'system',
                        to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"+00:00"'),
                        'deleted', OLD.review_status, NULL, 'the person''s data was deleted');
                RETURN OLD;
            END
            $body$;
            CREATE TRIGGER flag_deleted_scrub_trail AFTER DELETE ON safety_flags
            FOR EACH ROW EXECUTE FUNCTION flag_deleted_scrub_trail();
            """
        )
        return
    db.executescript(
        """
        CREATE TRIGGER flag_deleted_scrub_trail AFTER DELETE ON safety_flags
        BEGIN
            UPDATE flag_events SET note = NULL WHERE flag_id = OLD.id;
            INSERT INTO flag_events (flag_id, actor, at, field, from_value, to_value, note)
            VALUES (OLD.id, 'system', strftime('%Y-%m-%dT%H:%M:%S+00:00', 'now'), 'deleted',
                    OLD.review_status, NULL, 'the person''s data was deleted');
        END;
        """
    )


def _m004_safety_details_parq(db: sqlite_utils.Database) -> None:
    # The screen's full signals (areas, context modifiers) next to the labels the review
    # queue shows, so the next turn's screen can read what was flagged; and the PAR-Q+
    # answers from intake, one row per question per answering.
    _script(
        db,
        """
        ALTER TABLE safety_flags ADD COLUMN details TEXT NOT NULL DEFAULT '{}';
        CREATE INDEX idx_flags_conversation ON safety_flags(conversation_id, created_at);
        CREATE TABLE parq_answers (
            id INTEGER PRIMARY KEY,
            user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            question_id TEXT NOT NULL,
            answer INTEGER NOT NULL,    -- 1 yes, 0 no
            answered_at TEXT NOT NULL
        );
        CREATE INDEX idx_parq_user ON parq_answers(user_id, answered_at);
        """,
    )


def _m009_history_aggregates(db: sqlite_utils.Database) -> None:
    # Aggregates kept on write (agent.memory.aggregates) so that reading a heavy user's
    # history costs the same as a new user's. Existing history is folded in on first read
    # (history_marks starts at id 0). The session-day index serves the date-ordered
    # workout reads.
    _script(
        db,
        """
        CREATE TABLE exercise_stats (
            user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            exercise_id TEXT NOT NULL,
            all_sets INTEGER NOT NULL,
            last_logged_at TEXT NOT NULL,
            counted_sets INTEGER NOT NULL,
            heaviest_kg REAL,
            best_e1rm_kg REAL,
            best_set_id INTEGER,
            best_logged_at TEXT,
            PRIMARY KEY (user_id, exercise_id)
        );
        CREATE TABLE exercise_weeks (
            user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            week_start TEXT NOT NULL,
            exercise_id TEXT NOT NULL,
            all_sets INTEGER NOT NULL,
            counted_sets INTEGER NOT NULL,
            best_e1rm_kg REAL,
            best_reps INTEGER,
            PRIMARY KEY (user_id, week_start, exercise_id)
        );
        CREATE TABLE training_days (
            user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            day TEXT NOT NULL,
            PRIMARY KEY (user_id, day)
        );
        CREATE TABLE history_marks (
            user_id INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
            set_id INTEGER NOT NULL DEFAULT 0,
            session_id INTEGER NOT NULL DEFAULT 0,
            total_days INTEGER NOT NULL DEFAULT 0,
            streak_target INTEGER,
            streak_through TEXT,
            streak_run INTEGER NOT NULL DEFAULT 0,
            streak_longest INTEGER NOT NULL DEFAULT 0
        );
        CREATE INDEX idx_sessions_user_day ON workout_sessions(
            user_id, (substr(COALESCE(started_at, planned_for, created_at), 1, 10))
        );
        """,
    )


def _m006_consultation_assessments(db: sqlite_utils.Database) -> None:
    # One consultation record per person (answers as JSON keyed by question id, so a form
    # filled over several visits and a chat reach the same row), and every assessment
    # result ever taken or reported, with its own reassessment interval.
    _script(
        db,
        """
        CREATE TABLE consultations (
            user_id INTEGER PRIMARY KEY REFERENCES users(id) ON DELETE CASCADE,
            answers TEXT NOT NULL DEFAULT '{}',   -- JSON: question id -> answer object
            status TEXT NOT NULL DEFAULT 'in_progress',  -- in_progress | complete | paused
            started_at TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            completed_at TEXT
        );
        CREATE TABLE assessments (
            id INTEGER PRIMARY KEY,
            user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            test_id TEXT NOT NULL,
            value REAL NOT NULL,
            unit TEXT NOT NULL,
            inputs TEXT NOT NULL DEFAULT '{}',    -- JSON: what the result was computed from
            source TEXT NOT NULL,                 -- guided | reported | form | logged_sets
            taken_at TEXT NOT NULL,
            note TEXT
        );
        CREATE INDEX idx_assessments_user ON assessments(user_id, test_id, taken_at);
        CREATE TABLE assessment_schedule (
            user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            test_id TEXT NOT NULL,
            interval_days INTEGER NOT NULL,
            updated_at TEXT NOT NULL,
            PRIMARY KEY (user_id, test_id)
        );
        """,
    )


def _m007_wearables(db: sqlite_utils.Database) -> None:
    # Imported recovery readings: one value per day, metric, kind (HRV: rmssd | sdnn),
    # measurement window (night | morning | day) and source, so kinds and devices never
    # share a baseline; a re-import updates in place. Activities from watches and apps
    # (runs, rides, swims) are keyed by source and start, so importing twice adds
    # nothing. ``imports`` keeps each file's report. All rows go with the person.
    _script(
        db,
        """
        CREATE TABLE daily_metrics (
            id INTEGER PRIMARY KEY,
            user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            day TEXT NOT NULL,             -- ISO date (a night is named by its morning)
            metric TEXT NOT NULL,          -- resting_hr | hrv | sleep_minutes | ...
            kind TEXT NOT NULL DEFAULT '', -- hrv: rmssd | sdnn
            time_window TEXT NOT NULL DEFAULT '', -- hrv: night | morning | day
            source TEXT NOT NULL,
            value REAL NOT NULL,
            imported_at TEXT NOT NULL,
            UNIQUE (user_id, metric, kind, time_window, source, day)
        );
        CREATE INDEX idx_daily_metrics_user ON daily_metrics(user_id, metric, day);
        CREATE TABLE activities (
            id INTEGER PRIMARY KEY,
            user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            external_key TEXT NOT NULL,    -- source|start: the same activity imported again
            source TEXT NOT NULL,
            sport TEXT NOT NULL,           -- run | ride | swim | walk | hike | row | other ...
            name TEXT,
            started_at TEXT NOT NULL,      -- ISO with the device's offset
            day TEXT NOT NULL,             -- local date it started
            duration_s REAL NOT NULL,
            distance_m REAL,
            avg_hr REAL,
            max_hr REAL,
            calories REAL,
            imported_at TEXT NOT NULL,
            UNIQUE (user_id, external_key)
        );
        CREATE INDEX idx_activities_user ON activities(user_id, day);
        CREATE TABLE imports (
            id INTEGER PRIMARY KEY,
            user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            kind TEXT NOT NULL,
            file_name TEXT NOT NULL,
            report TEXT NOT NULL,          -- JSON: read, skipped and why, stored counts
            imported_at TEXT NOT NULL
        );
        """,
    )


def _m008_trainers(db: sqlite_utils.Database) -> None:
    # Human trainers and their clients. A link exists from the invite on; it gives the
    # trainer access only while ``status = 'active'`` (the client accepted and nobody
    # ended it), so ending it removes access at once. Everything a trainer decides is
    # kept with the trainer's name, and ``audit_log`` records each decision.
    _script(
        db,
        """
        CREATE TABLE trainers (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            password_hash TEXT NOT NULL,
            rules_yaml TEXT,           -- the trainer's tuned attention rules; NULL = defaults
            created_at TEXT NOT NULL
        );
        CREATE TABLE trainer_sessions (
            token_hash TEXT PRIMARY KEY,
            trainer_id INTEGER NOT NULL REFERENCES trainers(id) ON DELETE CASCADE,
            csrf_token TEXT NOT NULL,
            expires_at TEXT NOT NULL
        );
        CREATE TABLE trainer_links (
            id INTEGER PRIMARY KEY,
            trainer_id INTEGER NOT NULL REFERENCES trainers(id) ON DELETE CASCADE,
            user_id INTEGER REFERENCES users(id) ON DELETE CASCADE,
            invite_hash TEXT NOT NULL UNIQUE,
            status TEXT NOT NULL,      -- invited | active | ended
            created_at TEXT NOT NULL,
            expires_at TEXT NOT NULL,
            accepted_at TEXT,
            ended_at TEXT,
            ended_by TEXT,
            last_viewed_at TEXT
        );
        CREATE UNIQUE INDEX idx_links_one_trainer ON trainer_links(user_id)
            WHERE status = 'active';
        CREATE INDEX idx_links_trainer ON trainer_links(trainer_id, status);
        CREATE TABLE client_statuses (
            id INTEGER PRIMARY KEY,
            user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            status TEXT NOT NULL,      -- active | injured | sick | holiday
            starts_on TEXT NOT NULL,
            ends_on TEXT,              -- inclusive; NULL = until changed
            set_by TEXT NOT NULL,
            note TEXT NOT NULL DEFAULT '',
            created_at TEXT NOT NULL
        );
        CREATE INDEX idx_client_statuses_user ON client_statuses(user_id, starts_on);
        CREATE TABLE checkin_drafts (
            id INTEGER PRIMARY KEY,
            trainer_id INTEGER NOT NULL REFERENCES trainers(id) ON DELETE CASCADE,
            user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            week_start TEXT NOT NULL,
            summary TEXT NOT NULL,     -- JSON: the week's facts the changes were drawn from
            created_at TEXT NOT NULL
        );
        CREATE INDEX idx_checkin_drafts_user ON checkin_drafts(user_id, id);
        CREATE TABLE checkin_changes (
            id INTEGER PRIMARY KEY,
            draft_id INTEGER NOT NULL REFERENCES checkin_drafts(id) ON DELETE CASCADE,
            user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            kind TEXT NOT NULL,        -- deload | swap | more_days | fewer_days | shorter_sessions
            detail TEXT NOT NULL,      -- JSON, the parameters of the change
            reason TEXT NOT NULL,
            status TEXT NOT NULL DEFAULT 'proposed',  -- proposed | approved | rejected
            edited INTEGER NOT NULL DEFAULT 0,
            decided_by TEXT,
            decided_at TEXT
        );
        CREATE TABLE plan_adjustments (
            id INTEGER PRIMARY KEY,
            user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            change_id INTEGER REFERENCES checkin_changes(id) ON DELETE SET NULL,
            kind TEXT NOT NULL,
            detail TEXT NOT NULL,
            reason TEXT NOT NULL,
            trainer TEXT NOT NULL,
            starts_on TEXT NOT NULL,
            ends_on TEXT,              -- inclusive; NULL = until replaced
            created_at TEXT NOT NULL
        );
        CREATE INDEX idx_plan_adjustments_user ON plan_adjustments(user_id, starts_on);
        CREATE TABLE trainer_messages (
            id INTEGER PRIMARY KEY,
            user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            trainer_id INTEGER REFERENCES trainers(id) ON DELETE SET NULL,
            draft_id INTEGER REFERENCES checkin_drafts(id) ON DELETE SET NULL,
            author TEXT NOT NULL,      -- trainer | client
            text TEXT NOT NULL,
            status TEXT NOT NULL,      -- draft | sent | rejected (client messages: sent)
            created_at TEXT NOT NULL,
            sent_at TEXT
        );
        CREATE INDEX idx_trainer_messages_user ON trainer_messages(user_id, id);
        CREATE TABLE trainer_notes (
            id INTEGER PRIMARY KEY,
            trainer_id INTEGER NOT NULL REFERENCES trainers(id) ON DELETE CASCADE,
            user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            text TEXT NOT NULL,
            created_at TEXT NOT NULL
        );
        CREATE TABLE program_templates (
            id INTEGER PRIMARY KEY,
            trainer_id INTEGER NOT NULL REFERENCES trainers(id) ON DELETE CASCADE,
            name TEXT NOT NULL,
            weeks TEXT NOT NULL,       -- JSON: weeks of sessions, see coaching.programs
            created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL
        );
        CREATE TABLE program_assignments (
            id INTEGER PRIMARY KEY,
            user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            template_id INTEGER NOT NULL REFERENCES program_templates(id) ON DELETE CASCADE,
            starts_on TEXT NOT NULL,
            assigned_by TEXT NOT NULL,
            created_at TEXT NOT NULL
        );
        CREATE INDEX idx_program_assignments_user ON program_assignments(user_id, starts_on);
        """,
    )


def _m010_profile_population(db: sqlite_utils.Database) -> None:
    # Who the person is, for the planner's population rules (agent/planning/populations):
    # a due date (the pregnancy week advances with the calendar), the birth date
    # (postpartum), conditions, sport, a stated layoff and load caps. Temporary kits (a
    # hotel stay) cover some days and then expire on their own.
    _script(
        db,
        """
        ALTER TABLE profiles ADD COLUMN due_date TEXT;
        ALTER TABLE profiles ADD COLUMN birth_date TEXT;
        ALTER TABLE profiles ADD COLUMN conditions TEXT NOT NULL DEFAULT '[]';
        ALTER TABLE profiles ADD COLUMN sport TEXT;
        ALTER TABLE profiles ADD COLUMN layoff_weeks INTEGER;
        ALTER TABLE profiles ADD COLUMN back_since TEXT;
        ALTER TABLE profiles ADD COLUMN load_caps TEXT NOT NULL DEFAULT '{}';
        CREATE TABLE temporary_kits (
            id INTEGER PRIMARY KEY,
            user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
            place TEXT NOT NULL,
            equipment TEXT NOT NULL,            -- JSON list of equipment vocabulary words
            load_caps TEXT NOT NULL DEFAULT '{}',
            starts_on TEXT NOT NULL,
            ends_on TEXT NOT NULL,
            created_at TEXT NOT NULL
        );
        CREATE INDEX idx_temporary_kits_user ON temporary_kits(user_id, ends_on);
        """,
    )


def _m011_set_side(db: sqlite_utils.Database) -> None:
    # Which side a one-sided set was done on, as said in the live session ("10 on the
    # left, 9 on the right", "8 per side"): left | right | each; NULL = not said.
    _script(db, "ALTER TABLE set_logs ADD COLUMN side TEXT;")


def _m005_note_ends_on(db: sqlite_utils.Database) -> None:
    # A time-bound note ("only 2 days this week", "holiday for two weeks") carries the last
    # day it applies; after it the note is no longer active (read as expired).
    _script(db, "ALTER TABLE notes ADD COLUMN ends_on TEXT;")


MIGRATIONS: list[Migration] = [
    Migration("001_core", _m001_core),
    Migration("002_memory_history", _m002_memory_history),
    Migration("003_review_privacy", _m003_review_privacy),
    Migration("004_safety_details_parq", _m004_safety_details_parq),
    Migration("005_note_ends_on", _m005_note_ends_on),
    Migration("006_consultation_assessments", _m006_consultation_assessments),
    Migration("007_wearables", _m007_wearables),
    Migration("008_trainers", _m008_trainers),
    Migration("009_history_aggregates", _m009_history_aggregates),
    Migration("010_profile_population", _m010_profile_population),
    Migration("011_set_side", _m011_set_side),
]

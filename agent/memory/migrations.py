"""The schema, as named migrations applied in order, each in its own transaction.

Append new migrations at the end; never edit one that has shipped, because databases in
the wild have already recorded it as applied.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import sqlite_utils


@dataclass(frozen=True)
class Migration:
    """One named, idempotent-by-record schema step."""

    name: str
    apply: Callable[[sqlite_utils.Database], None]


def _m001_core(db: sqlite_utils.Database) -> None:
    db.executescript(
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
        """
    )


def _m002_memory_history(db: sqlite_utils.Database) -> None:
    # Warm-ups and drop sets are kept but left out of bests; imported sets remember it.
    # The indexes serve the history queries, which all read one user by date.
    db.executescript(
        """
        ALTER TABLE set_logs ADD COLUMN set_type TEXT NOT NULL DEFAULT 'normal';
        CREATE INDEX idx_set_logs_user_time ON set_logs(user_id, logged_at);
        CREATE INDEX idx_set_logs_session ON set_logs(session_id);
        CREATE INDEX idx_sessions_user_time ON workout_sessions(user_id, started_at);
        CREATE INDEX idx_feedback_user ON feedback(user_id, created_at);
        CREATE INDEX idx_turns_conversation ON turns(conversation_id, id);
        """
    )


def _m003_review_privacy(db: sqlite_utils.Database) -> None:
    # A flag disappears with its person (cascade from users, conversations or messages).
    # Its review trail stays, so the audit shows who did what and when, but the operators'
    # free-text notes may quote the person, so they go, and the trail records why.
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
    db.executescript(
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
        """
    )


def _m009_profile_population(db: sqlite_utils.Database) -> None:
    # Who the person is, for the planner's population rules (agent/planning/populations):
    # a due date (the pregnancy week advances with the calendar), the birth date
    # (postpartum), conditions, sport, a stated layoff and load caps. Temporary kits (a
    # hotel stay) cover some days and then expire on their own.
    db.executescript(
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
        """
    )


MIGRATIONS: list[Migration] = [
    Migration("001_core", _m001_core),
    Migration("002_memory_history", _m002_memory_history),
    Migration("003_review_privacy", _m003_review_privacy),
    Migration("004_safety_details_parq", _m004_safety_details_parq),
    Migration("009_profile_population", _m009_profile_population),
]

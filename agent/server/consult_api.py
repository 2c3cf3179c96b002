"""The consultation form, assessments and the progress report over HTTP, and their pages.

The JSON routes (``/v1/me/...``) take the same bearer token as the web chat; the pages
(``/consult``, ``/progress``) are static shells whose scripts read the token the chat
stored in this browser and call those routes, so nothing personal is in the page itself.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, FastAPI, HTTPException
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, Field

import prompts
from agent.coaching import assessments, consultation, progress
from agent.coaching.consultation_answers import questions
from agent.server.api import _AUTH_RESPONSES, CallerDep

router = APIRouter(prefix="/v1", tags=["consultation"])
pages = APIRouter(include_in_schema=False)

_SCRIPT_PAGE_CSP = (
    # As the web chat's page: its own script and styles only, talking only to this origin.
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)
PAGE_HEADERS = {
    "Content-Security-Policy": _SCRIPT_PAGE_CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}
_REPORT_HEADERS = {
    # The report is one self-contained document with its own inline styles and no script.
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; "
    "img-src data:; frame-ancestors 'self'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}
_PROGRESS_PAGE_HEADERS = {
    **PAGE_HEADERS,
    # The report shown in a sandboxed frame inherits this page's policy: its inline styles
    # need 'unsafe-inline' for styles (never for scripts).
    "Content-Security-Policy": _SCRIPT_PAGE_CSP.replace(
        "style-src 'self'", "style-src 'self' 'unsafe-inline'"
    ),
}


class QuestionOut(BaseModel):
    """One form field."""

    id: str
    kind: str
    section: str
    label: str
    text: str


class ConsultationOut(BaseModel):
    """The form's questions and what is saved so far."""

    questions: list[QuestionOut]
    record: consultation.ConsultationRecord | None


class ConsultationIn(BaseModel):
    """Answers filled on the form on this visit (any subset; blanks change nothing)."""

    answers: dict[str, str] = Field(description="Question id -> the person's words.")


def _questions() -> list[QuestionOut]:
    return [QuestionOut(**vars(q)) for q in questions()]


@router.get("/me/consultation", response_model=ConsultationOut, responses=_AUTH_RESPONSES)
def get_consultation(who: CallerDep) -> ConsultationOut:
    """Your consultation record and the form's questions."""
    return ConsultationOut(
        questions=_questions(), record=consultation.record_of(who.db, who.user_id, who.now())
    )


@router.put("/me/consultation", response_model=ConsultationOut, responses=_AUTH_RESPONSES)
def put_consultation(body: ConsultationIn, who: CallerDep) -> ConsultationOut:
    """Save answers from the form; unclear ones are kept as written and flagged."""
    if any(len(text) > 2000 for text in body.answers.values()):
        raise HTTPException(status_code=422, detail="an answer is longer than 2000 characters")
    try:
        record = consultation.save_form(who.db, who.user_id, body.answers, who.now())
    except KeyError as exc:
        raise HTTPException(status_code=422, detail=str(exc).strip("'\"")) from exc
    return ConsultationOut(questions=_questions(), record=record)


class AssessmentsOut(BaseModel):
    """Your results (rated, compared), retests due, and the tests that suit you."""

    results: list[assessments.Result]
    due: list[assessments.Due]
    offers: list[assessments.Offer]


@router.get("/me/assessments", response_model=AssessmentsOut, responses=_AUTH_RESPONSES)
def get_assessments(who: CallerDep) -> AssessmentsOut:
    """Your assessment results over time, with ratings and what is due."""
    now = who.now()
    return AssessmentsOut(
        results=assessments.results_of(who.db, who.user_id, now),
        due=assessments.due_reassessments(who.db, who.user_id, now),
        offers=assessments.offers(assessments.facts_for(who.db, who.user_id, now)),
    )


@router.get("/me/progress", response_model=progress.ProgressReport, responses=_AUTH_RESPONSES)
def get_progress(who: CallerDep) -> progress.ProgressReport:
    """Your progress report as data."""
    return progress.build(who.db, who.user_id, who.now())


@router.get("/me/progress.html", response_class=HTMLResponse, responses=_AUTH_RESPONSES)
def get_progress_html(who: CallerDep) -> Response:
    """Your progress report as one self-contained HTML file to keep or share."""
    page = progress.to_html(progress.build(who.db, who.user_id, who.now()))
    return HTMLResponse(page, headers=_REPORT_HEADERS)


def _page(name: str, headers: dict[str, str], **context: Any) -> HTMLResponse:
    return HTMLResponse(prompts.render(f"web/{name}", **context), headers=headers)


@pages.get("/consult")
def consult_page() -> HTMLResponse:
    """The consultation form (fills over several visits, saved as you go)."""
    sections: dict[str, list[QuestionOut]] = {}
    for item in _questions():
        sections.setdefault(item.section, []).append(item)
    return _page("consult.html", PAGE_HEADERS, sections=sections)


@pages.get("/progress")
def progress_page() -> HTMLResponse:
    """The progress report page (the report itself comes from /v1/me/progress.html)."""
    return _page("progress.html", _PROGRESS_PAGE_HEADERS)


def mount(app: FastAPI) -> None:
    """Serve the JSON routes and the two pages."""
    app.include_router(router)
    app.include_router(pages)

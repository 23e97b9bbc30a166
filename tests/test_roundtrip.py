"""Every edit form round-trips: opening it and saving it unchanged, as a browser would, changes nothing.

One test walks every edit form of every model. It fills the database with realistic data (lists, multiple
choices, empty optional fields, non-ASCII text, municipalities), GETs the page, reads the form with an HTML
parser (inputs, textareas, selects incl. multiple, checkboxes and radios as a browser submits them, textarea
line breaks as CRLF), POSTs exactly those values back, and compares every column and relationship of the
edited objects, and the row count of every table, before and after. A guard fails when an edit route is
added without an entry here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, inspect, select
from werkzeug.datastructures import MultiDict

from exchange.accounts.models import CoachingAssignment, Role, User
from exchange.database import Base
from exchange.digests import tokens
from exchange.digests.models import Consent, Frequency, Subscriber, Subscription
from exchange.documents import services as document_services
from exchange.documents.models import Document
from exchange.practices import services as practice_services
from exchange.practices.models import Practice, Result
from exchange.practices.profile import ProfileData
from exchange.reference.models import (
    ActionLine,
    CyclePhase,
    Fund,
    FundAllocation,
    Region,
    Theme,
    TransformationPlan,
)
from exchange.search.models import SearchSynonym
from tests import world
from tests.documents import files as document_files
from tests.web import login, text

NON_ASCII = "Zoë’s ‘jeugd’ — café"


# --- reading a form the way a browser submits it -----------------------------------------------------------


class _Forms(HTMLParser):
    """Collects each <form>'s action and the name/value pairs a browser would submit for it."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[dict] = []
        self._form: dict | None = None
        self._textarea: dict | None = None
        self._select: dict | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self._form = {"action": a.get("action") or "", "fields": []}
            self.forms.append(self._form)
        if self._form is None or "disabled" in a:
            return
        if tag == "input" and a.get("name"):
            kind = (a.get("type") or "text").lower()
            if kind in ("submit", "button", "image", "reset", "file"):
                return
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            default = "on" if kind in ("checkbox", "radio") else ""
            self._form["fields"].append((a["name"], a.get("value", default)))
        elif tag == "textarea" and a.get("name"):
            self._textarea = {"name": a["name"], "text": ""}
        elif tag == "select" and a.get("name"):
            self._select = {"name": a["name"], "multiple": "multiple" in a, "options": []}
        elif tag == "option" and self._select is not None:
            self._select["options"].append([a.get("value"), "selected" in a, ""])

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea["text"] += data
        elif self._select is not None and self._select["options"]:
            self._select["options"][-1][2] += data

    def handle_endtag(self, tag):
        if tag == "textarea" and self._textarea is not None:
            value = self._textarea["text"]
            # A newline right after <textarea> is not content; browsers send line breaks as CRLF.
            value = value[2:] if value.startswith("\r\n") else value.removeprefix("\n")
            value = value.replace("\r\n", "\n").replace("\n", "\r\n")
            self._form["fields"].append((self._textarea["name"], value))
            self._textarea = None
        elif tag == "select" and self._select is not None:
            options = [
                (v if v is not None else label.strip(), chosen)
                for v, chosen, label in self._select["options"]
            ]
            chosen = [v for v, on in options if on]
            if not self._select["multiple"] and not chosen and options:
                chosen = [options[0][0]]  # a single select always submits something: its first option
            if not self._select["multiple"]:
                chosen = chosen[-1:]
            self._form["fields"].extend((self._select["name"], v) for v in chosen)
            self._select = None
        elif tag == "form":
            self._form = None


def browser_submission(page_html: str, page_path: str, action: str) -> list[tuple[str, str]]:
    """The name/value pairs of the form on the page that posts to `action` (no action: the page itself)."""
    parser = _Forms()
    parser.feed(page_html)
    for form in parser.forms:
        target = urlsplit(form["action"]).path or page_path
        if target == action:
            return form["fields"]
    raise AssertionError(f"no form posting to {action} on {page_path}: {[f['action'] for f in parser.forms]}")


# --- the state of the database -----------------------------------------------------------------------------


def _columns(obj) -> dict:
    return {c.key: getattr(obj, c.key) for c in inspect(obj).mapper.column_attrs}


def state(db, model, key) -> dict:
    """Every column of the row, and every column of each row its relationships point to."""
    obj = db.session.get(model, key)
    assert obj is not None, f"{model.__name__} {key} is gone"
    out = _columns(obj)
    for rel in inspect(obj).mapper.relationships:
        if rel.lazy in ("write_only", "dynamic"):
            continue
        value = getattr(obj, rel.key)
        if rel.uselist:
            out[rel.key] = [_columns(v) for v in value]
        else:
            out[rel.key] = _columns(value) if value is not None else None
    return out


def row_counts(db) -> dict[str, int]:
    return {
        t.name: db.session.scalar(select(func.count()).select_from(t)) for t in Base.metadata.sorted_tables
    }


# --- realistic data ----------------------------------------------------------------------------------------


@dataclass
class World:
    cast: world.Cast
    practice: Practice
    functionary: User
    region: Region
    plan: TransformationPlan
    allocation: FundAllocation
    theme: Theme
    phase: CyclePhase
    synonym: SearchSynonym
    subscriber: Subscriber
    result: Result
    document: Document | None = None


def build(db, cast) -> World:
    lines = list(db.session.scalars(select(ActionLine).order_by(ActionLine.number)))
    practice = practice_services.create_practice(
        cast.staff,
        cast.region,
        practice_services.PracticeData(
            title=NON_ASCII,
            summary=f"{NON_ASCII}: één tafel voor élke thuiszitter.",
            body="## Aanpak\n\n- Eén tafel per week\n- ‘Samen’ — met café-overleg\n\n<b>geen HTML</b> & meer",
            themes=[cast.other_theme, cast.theme],
            action_lines=[lines[3], lines[0]],
            phase=cast.phases[1],
            contact_name="Zoë de Vries",
            period_start=date(2024, 3, 1),
            links=[("Plan ‘2024’ — café", "https://example.org/plan?a=1&b=2"), ("", "https://example.org/x")],
            profile=ProfileData(
                age_from=12,
                age_to=23,
                partners=[("Gemeente ’s-Gravenzande", "gemeente"), (f"Stichting {NON_ASCII}", "aanbieder")],
                participation_level="coproducent",
                participation_note=f"{NON_ASCII}\nTweede regel.",
                evidence_level="goed-onderbouwd",
                evidence_url="https://example.org/databank?id=1&x=2",
                evidence_year=2023,
                cost_indication="€ 1.200 per jongere — ‘schatting’",
                fund_used=True,
                fund_amount_eur=250_000,
            ),
        ),
    )
    practice_services.publish_practice(cast.staff, practice)
    result = practice_services.add_result(
        cast.staff,
        practice,
        practice_services.ResultData(
            indicator=f"Thuiszitters ‘{NON_ASCII}’",
            value=Decimal("12.3456"),
            measured_on=date(2024, 6, 30),
            phase=cast.phases[1],
            unit="%",
            baseline=None,
            target=Decimal(10),
            narrative="Eerste regel.\nTweede — regel met café.",
        ),
    )
    cast.staff.name = "Sanne ‘Staf’ — Zoë"
    cast.staff.language = "en"  # not the default: the form must show and keep it
    functionary = world.person(
        "zoe@ozj.example",
        Role.FUNCTIONARY,
        name=NON_ASCII,
        themes=[cast.theme, cast.other_theme],
        coaches=[(cast.region, cast.theme), (cast.other_region, None)],
    )
    region = cast.region
    region.display_name_note = f"{NON_ASCII}\nTweede regel."
    region.central_municipality = None
    region.municipalities = ["Rotterdam", "’s-Gravenzande", "Súdwest-Fryslân", "Capelle aan den IJssel"]
    region.unverified = ["municipalities", "plan_url"]
    plan = region.plan or TransformationPlan(region_id=region.id)
    plan.title, plan.period_start, plan.period_end = f"Plan {NON_ASCII}", 2022, 2025
    plan.summary, plan.url, plan.approved_on = "Eerste regel.\nTweede — regel.", "https://example.org/p", None
    plan.action_lines, plan.verified, plan.is_demo = [lines[1], lines[4]], True, False
    db.session.add(plan)
    fund = db.session.scalar(select(Fund))
    allocation = db.session.scalar(
        select(FundAllocation).where(FundAllocation.region_id == region.id, FundAllocation.basis == "total")
    ) or FundAllocation(fund_id=fund.id, region_id=region.id, basis="total", source_keys=[])
    allocation.amount_eur, allocation.approx_label, allocation.note = None, "ca. € 1 mln", None
    db.session.add(allocation)
    theme = cast.other_theme
    theme.name_en, theme.description, theme.note = None, f"{NON_ASCII}\n\nMet een witregel.", None
    theme.action_line_id, theme.position = None, 3
    phase = cast.phases[0]
    phase.name_en, phase.guiding_question_en, phase.source_note = None, None, None
    phase.description = f"{NON_ASCII}\nRegel twee."
    synonym = SearchSynonym(terms="café, koffiehuis", note=NON_ASCII)
    subscriber = Subscriber(
        email="zoe@abonnee.example",
        frequency=Frequency.MONTHLY,
        confirmed_at=practice.created_at,
        language="en",
    )
    subscriber.subscriptions = [Subscription(theme=cast.theme, regions=[cast.region, cast.other_region])]
    subscriber.consents = [Consent(text="Toestemming", request={}, given_at=practice.created_at)]
    db.session.add_all([synonym, subscriber])
    document = document_services.add_document(
        cast.staff,
        practice,
        document_services.DocumentData(NON_ASCII, "evaluatie", date(2021, 11, 30), "fy"),
        "Evaluatie ‘café’.pdf",
        document_files.pdf("Evaluatie"),
    )
    db.session.commit()
    return World(
        cast,
        practice,
        functionary,
        region,
        plan,
        allocation,
        theme,
        phase,
        synonym,
        subscriber,
        result,
        document,
    )


# --- every edit form ---------------------------------------------------------------------------------------


@dataclass
class EditForm:
    endpoint: str  # of the route the form posts to
    who: str | None  # "staff", "admin", "functionary" (signs in through the login form) or None
    page: Callable[[World], str]
    action: Callable[[World], str] | None  # None: the form posts to its own page
    objects: Callable[[World], list[tuple[type, object]]]
    status: int = 302  # what the unchanged save answers


EDIT_FORMS = {
    "practice": EditForm(
        "practices.edit",
        "staff",
        lambda w: f"/praktijken/{w.practice.id}/bewerken",
        None,
        lambda w: [(Practice, w.practice.id)],
    ),
    "result": EditForm(
        "practices.edit_result",
        "staff",
        lambda w: f"/praktijken/{w.practice.id}/resultaten/{w.result.id}/bewerken",
        None,
        lambda w: [(Result, w.result.id), (Practice, w.practice.id)],
    ),
    "document": EditForm(
        "documents.edit",
        "staff",
        lambda w: f"/praktijken/{w.practice.id}/documenten/{w.document.id}/bewerken",
        None,
        lambda w: [(Document, w.document.id)],
    ),
    "account profile": EditForm(
        "accounts.update_profile",
        "staff",
        lambda w: "/account",
        lambda w: "/account/gegevens",
        lambda w: [(User, w.cast.staff.id)],
    ),
    "user role (functionary)": EditForm(
        "admin.change_role",
        "admin",
        lambda w: f"/beheer/mensen/{w.functionary.id}",
        lambda w: f"/beheer/mensen/{w.functionary.id}/rol",
        lambda w: [(User, w.functionary.id)],
    ),
    "user role (staff)": EditForm(
        "admin.change_role",
        "admin",
        lambda w: f"/beheer/mensen/{w.cast.staff.id}",
        lambda w: f"/beheer/mensen/{w.cast.staff.id}/rol",
        lambda w: [(User, w.cast.staff.id)],
    ),
    "user themes": EditForm(
        "admin.set_themes",
        "admin",
        lambda w: f"/beheer/mensen/{w.functionary.id}",
        lambda w: f"/beheer/mensen/{w.functionary.id}/themas",
        lambda w: [(User, w.functionary.id)],
    ),
    # The assignment form adds one; sent empty it is refused and changes nothing.
    "user assignments": EditForm(
        "admin.add_assignment",
        "admin",
        lambda w: f"/beheer/mensen/{w.functionary.id}",
        lambda w: f"/beheer/mensen/{w.functionary.id}/toewijzingen",
        lambda w: (
            [(User, w.functionary.id)] + [(CoachingAssignment, a.id) for a in w.functionary.assignments]
        ),
        status=422,
    ),
    "region": EditForm(
        "admin.edit_region",
        "admin",
        lambda w: f"/beheer/regios/{w.region.id}",
        None,
        lambda w: [(Region, w.region.id)],
    ),
    "plan": EditForm(
        "admin.edit_plan",
        "admin",
        lambda w: f"/beheer/regios/{w.region.id}/plan",
        None,
        lambda w: [(TransformationPlan, w.plan.id), (Region, w.region.id)],
    ),
    "allocation": EditForm(
        "admin.edit_allocation",
        "admin",
        lambda w: f"/beheer/toekenningen/{w.allocation.id}",
        None,
        lambda w: [(FundAllocation, w.allocation.id)],
    ),
    "theme": EditForm(
        "admin.edit_theme",
        "admin",
        lambda w: f"/beheer/themas/{w.theme.id}",
        None,
        lambda w: [(Theme, w.theme.id)],
    ),
    "phase": EditForm(
        "admin.edit_phase",
        "admin",
        lambda w: f"/beheer/fasen/{w.phase.id}",
        None,
        lambda w: [(CyclePhase, w.phase.id)],
    ),
    "search synonyms": EditForm(
        "search.edit_synonym",
        "admin",
        lambda w: f"/beheer/zoeken/synoniemen/{w.synonym.id}/bewerken",
        None,
        lambda w: [(SearchSynonym, w.synonym.id)],
    ),
    "digest subscription": EditForm(
        "digests.change_frequency",
        None,
        lambda w: f"/abonnementen/beheer/{tokens.manage_token(w.subscriber.key)}",
        lambda w: f"/abonnementen/beheer/{tokens.manage_token(w.subscriber.key)}/frequentie",
        lambda w: [(Subscriber, w.subscriber.id)],
    ),
    "digest choices": EditForm(
        "digests.update_subscriptions",
        None,
        lambda w: f"/abonnementen/beheer/{tokens.manage_token(w.subscriber.key)}",
        lambda w: f"/abonnementen/beheer/{tokens.manage_token(w.subscriber.key)}/wijzigen",
        lambda w: (
            [(Subscriber, w.subscriber.id)] + [(Subscription, s.id) for s in w.subscriber.subscriptions]
        ),
    ),
    "own name and language": EditForm(
        "accounts.update_profile",
        "staff",
        lambda w: "/account",
        lambda w: "/account/gegevens",
        lambda w: [(User, w.cast.staff.id)],
    ),
}

# GET+POST routes under /beheer or ending in /bewerken that make something new rather than edit it.
NOT_EDIT_FORMS = {
    "admin.invite": "invites a new person",
    "admin.add_allocation": "adds an allocation",
    "admin.new_theme": "adds a theme",
}


def test_every_edit_route_has_a_round_trip(app):
    """A new edit form (…/bewerken, or a GET+POST page under /beheer) must be added to EDIT_FORMS."""
    covered = {form.endpoint for form in EDIT_FORMS.values()}
    missing = []
    for rule in app.url_map.iter_rules():
        methods = rule.methods or set()
        if not {"GET", "POST"} <= methods:
            continue
        is_edit = rule.rule.endswith("/bewerken") or rule.rule.startswith("/beheer/")
        if is_edit and rule.endpoint not in covered | set(NOT_EDIT_FORMS):
            missing.append(f"{rule.rule} ({rule.endpoint})")
    assert not missing, f"edit forms without a round trip in tests/test_roundtrip.py: {missing}"


@pytest.mark.parametrize("name", list(EDIT_FORMS))
def test_saving_an_edit_form_unchanged_changes_nothing(name, client, cast, db):
    form = EDIT_FORMS[name]
    w = build(db, cast)
    who = {"staff": cast.staff, "admin": cast.admin, "functionary": w.functionary}.get(form.who or "")
    if who is not None:
        login(client, who)
    page_path = form.page(w)
    action = form.action(w) if form.action else page_path
    keys = form.objects(w)

    page = client.get(page_path)
    assert page.status_code == 200, text(page)[:500]
    fields = browser_submission(text(page), page_path, action)
    db.session.expire_all()
    before = [state(db, model, key) for model, key in keys]
    counts = row_counts(db)
    db.session.rollback()

    response = client.post(action, data=MultiDict(fields))

    assert response.status_code == form.status, text(response)[:3000]
    db.session.expire_all()
    after = [state(db, model, key) for model, key in keys]
    for (model, key), old, new in zip(keys, before, after, strict=True):
        changed = {k: (old[k], new[k]) for k in old if old[k] != new[k]}
        assert not changed, f"{name}: saving unchanged changed {model.__name__} {key}: {changed}"
    assert row_counts(db) == counts

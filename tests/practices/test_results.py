"""Results that can be corrected: edit, delete, rename and merge series; revisions, pages, import, API, search."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from sqlalchemy import func, select

from exchange.errors import Invalid, NotAllowed
from exchange.extensions import db as _db
from exchange.practices import results, services
from exchange.practices.models import Practice, PracticeRevision, Result
from tests.web import csrf_token_from, login, text

LONG_AGO = datetime(2020, 1, 1, tzinfo=UTC)


def measure(practice, cast, indicator="Aantal thuiszitters", value="12", day=date(2024, 1, 1), **fields):
    """A result posted through the service by the cast's staff, committed."""
    result = services.add_result(
        cast.staff,
        practice,
        services.ResultData(
            indicator=indicator,
            value=Decimal(value),
            measured_on=day,
            phase=fields.pop("phase", cast.phases[0]),
            **fields,
        ),
    )
    _db.session.commit()
    return result


def data_of(result: Result, **changes) -> services.ResultData:
    """The result as it is, as ResultData (what an unchanged form sends), with `changes` applied."""
    fields = {
        "indicator": result.indicator,
        "value": result.value,
        "unit": result.unit,
        "baseline": result.baseline,
        "target": result.target,
        "measured_on": result.measured_on,
        "phase": result.phase,
        "narrative": result.narrative,
    }
    fields.update(changes)
    return services.ResultData(**fields)


def revisions(db, practice) -> list[PracticeRevision]:
    return list(
        db.session.scalars(
            select(PracticeRevision)
            .where(PracticeRevision.practice_id == practice.id)
            .order_by(PracticeRevision.number)
        )
    )


def backdate(db, practice, result=None) -> None:
    """Pretend the practice (and result) were last changed long ago, so a bump is visible."""
    practice.updated_at = LONG_AGO
    if result is not None:
        result.updated_at = LONG_AGO
        result.created_at = LONG_AGO
    db.session.commit()


# --- services ------------------------------------------------------------------------------------------------


def test_correcting_a_value_records_a_revision_and_bumps_updated_at(db, cast, make_practice):
    practice = make_practice(publish=True)
    result = measure(practice, cast)
    backdate(db, practice, result)
    before = practice.revision

    changed = results.update_result(cast.staff, result, data_of(result, value=Decimal(14)))
    db.session.commit()

    assert changed is True
    db.session.expire_all()
    stored = db.session.get(Result, result.id)
    assert stored.value == Decimal(14)
    assert stored.updated_at > LONG_AGO and stored.created_at == LONG_AGO
    practice = db.session.get(Practice, practice.id)
    assert practice.revision == before + 1 and practice.updated_at > LONG_AGO
    latest = revisions(db, practice)[-1]
    assert latest.number == practice.revision
    assert latest.author_id == cast.staff.id
    assert latest.note == "Resultaat 'Aantal thuiszitters' gewijzigd: waarde 12 → 14"


def test_an_unchanged_save_changes_nothing(db, cast, make_practice):
    practice = make_practice()
    result = measure(
        practice, cast, value="12.3456", baseline=None, target=None, narrative="Regel 1\nRegel 2"
    )
    backdate(db, practice, result)
    count = len(revisions(db, practice))
    # What a browser sends back: the same number written differently, CRLF line breaks.
    same = data_of(result, value=Decimal("12.34560"), narrative="Regel 1\r\nRegel 2")

    assert results.update_result(cast.staff, result, same) is False
    db.session.commit()

    db.session.expire_all()
    assert len(revisions(db, practice)) == count
    assert db.session.get(Practice, practice.id).updated_at == LONG_AGO
    stored = db.session.get(Result, result.id)
    assert stored.value == Decimal("12.3456") and stored.baseline is None and stored.target is None
    assert stored.narrative == "Regel 1\nRegel 2"


def test_every_changed_field_is_named_in_the_note(db, cast, make_practice):
    practice = make_practice()
    result = measure(practice, cast, unit="jongeren", baseline=Decimal(20))
    results.update_result(
        cast.staff,
        result,
        data_of(result, indicator="Thuiszitters", baseline=None, target=Decimal("7.5"), unit="kinderen"),
    )
    db.session.commit()
    note = revisions(db, practice)[-1].note
    assert note == (
        "Resultaat 'Aantal thuiszitters' gewijzigd: indicator 'Aantal thuiszitters' → 'Thuiszitters'; "
        "nulmeting 20 → –; streefwaarde – → 7,5; eenheid 'jongeren' → 'kinderen'"
    )


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"value": Decimal("1.23456")}, "value"),
        ({"measured_on": date.today() + timedelta(days=2)}, "measured_on"),
        ({"indicator": "  "}, "indicator"),
        ({"baseline": Decimal("1e12")}, "baseline"),
    ],
)
def test_bad_corrections_are_refused_on_their_field(db, cast, make_practice, change, field):
    practice = make_practice()
    result = measure(practice, cast)
    with pytest.raises(Invalid) as refused:
        results.update_result(cast.staff, result, data_of(result, **change))
    assert field in refused.value.fields
    db.session.rollback()
    assert db.session.get(Result, result.id).value == Decimal(12)


@pytest.mark.parametrize("who", ["other_staff", "coach", "admin", None])
def test_only_the_regions_staff_may_correct_or_delete(db, cast, make_practice, who):
    practice = make_practice(publish=True)
    result = measure(practice, cast)
    actor = getattr(cast, who) if who else None
    with pytest.raises(NotAllowed):
        results.update_result(actor, result, data_of(result, value=Decimal(99)))
    with pytest.raises(NotAllowed):
        results.delete_result(actor, result)
    with pytest.raises(NotAllowed):
        results.rename_series(actor, practice, "Aantal thuiszitters", "Iets anders")
    db.session.rollback()
    stored = db.session.get(Result, result.id)
    assert stored is not None and stored.value == Decimal(12) and stored.indicator == "Aantal thuiszitters"


def test_deleting_a_result_records_who_and_what(db, cast, make_practice):
    practice = make_practice(publish=True)
    result = measure(practice, cast, value="12.5")
    backdate(db, practice)
    result_id = result.id

    results.delete_result(cast.staff, result)
    db.session.commit()

    assert db.session.get(Result, result_id) is None
    practice = db.session.get(Practice, practice.id)
    assert practice.updated_at > LONG_AGO
    latest = revisions(db, practice)[-1]
    assert latest.author_id == cast.staff.id
    assert latest.note == "Resultaat 'Aantal thuiszitters' van 2024-01-01 verwijderd (waarde 12,5)"


def test_corrections_and_deletions_are_in_the_audit_log(db, cast, make_practice):
    from exchange.accounts.models import AuditEvent

    practice = make_practice(publish=True)
    kept = measure(practice, cast, value="12")
    gone = measure(practice, cast, indicator="Wachttijd", value="30", day=date(2024, 2, 1))

    results.update_result(cast.staff, kept, data_of(kept, value=Decimal(14)))
    results.delete_result(cast.staff, gone)
    db.session.commit()

    events = list(db.session.scalars(select(AuditEvent).where(AuditEvent.action.like("result_%"))))
    assert [(e.action, e.actor_id, e.details["practice_id"], e.details["indicator"]) for e in events] == [
        ("result_edited", cast.staff.id, practice.id, "Aantal thuiszitters"),
        ("result_deleted", cast.staff.id, practice.id, "Wachttijd"),
    ]


def test_renaming_a_series_changes_all_its_results_in_one_revision(db, cast, make_practice):
    practice = make_practice()
    for year in (2022, 2023, 2024):
        measure(practice, cast, indicator="Thuiszitrers", day=date(year, 1, 1))
    measure(practice, cast, indicator="Doelrealisatie")
    count = len(revisions(db, practice))

    assert results.rename_series(cast.staff, practice, "Thuiszitrers", "Thuiszitters") == 3
    db.session.commit()

    names = db.session.scalars(select(Result.indicator).order_by(Result.measured_on, Result.id)).all()
    assert names == ["Thuiszitters", "Thuiszitters", "Thuiszitters", "Doelrealisatie"]
    assert len(revisions(db, practice)) == count + 1
    assert (
        revisions(db, practice)[-1].note == "Reeks 'Thuiszitrers' hernoemd naar 'Thuiszitters' (3 metingen)"
    )


def test_renaming_onto_another_series_merges_them_under_its_name(db, cast, make_practice):
    practice = make_practice()
    measure(practice, cast, indicator="Aantal thuiszitters", day=date(2023, 1, 1))
    measure(practice, cast, indicator="Aantal thuizitters", day=date(2024, 1, 1))

    results.rename_series(cast.staff, practice, "Aantal thuizitters", "  aantal   THUISZITTERS ")
    db.session.commit()

    assert set(db.session.scalars(select(Result.indicator))) == {"Aantal thuiszitters"}
    assert revisions(db, practice)[-1].note.startswith("Reeks 'Aantal thuizitters' samengevoegd met")


def test_a_rename_may_fix_only_the_case_but_not_keep_the_name(db, cast, make_practice):
    practice = make_practice()
    measure(practice, cast, indicator="aantal thuiszitters")
    with pytest.raises(Invalid) as same:
        results.rename_series(cast.staff, practice, "aantal thuiszitters", "aantal thuiszitters")
    assert "new_name" in same.value.fields
    db.session.rollback()
    results.rename_series(cast.staff, practice, "aantal thuiszitters", "Aantal thuiszitters")
    db.session.commit()
    assert db.session.scalar(select(Result.indicator)) == "Aantal thuiszitters"


def test_indicator_names_join_an_existing_series_up_to_case_and_spaces(db, cast, make_practice):
    practice = make_practice()
    measure(practice, cast, indicator="Aantal thuiszitters")
    assert results.canonical_indicator(practice, " aantal  Thuiszitters ") == "Aantal thuiszitters"
    assert results.canonical_indicator(practice, "Wachttijd  (dagen)") == "Wachttijd (dagen)"


def test_suggestions_come_from_the_practice_its_region_and_published_practices_of_its_themes(
    db, cast, make_practice
):
    practice = make_practice("Eigen")
    measure(practice, cast, indicator="Eigen reeks")
    measure(make_practice("Buur in de regio"), cast, indicator="Regio-indicator")
    published_elsewhere = make_practice(
        "Elders", region=cast.other_region, actor=cast.other_staff, publish=True
    )
    draft_elsewhere = make_practice("Concept elders", region=cast.other_region, actor=cast.other_staff)
    for other, name in ((published_elsewhere, "Thema-indicator"), (draft_elsewhere, "Geheim concept")):
        services.add_result(
            cast.other_staff,
            other,
            services.ResultData(
                indicator=name, value=Decimal(1), measured_on=date(2024, 1, 1), phase=cast.phases[0]
            ),
        )
    db.session.commit()

    suggestions = results.indicator_suggestions(practice)

    assert suggestions == ["Eigen reeks", "Regio-indicator", "Thema-indicator"]


def test_get_result_refuses_a_result_of_another_practice(db, cast, make_practice):
    mine, other = make_practice("Mijn"), make_practice("Ander")
    foreign = measure(other, cast)
    from exchange.errors import NotFound

    with pytest.raises(NotFound):
        results.get_result(mine, foreign.id)


# --- pages ---------------------------------------------------------------------------------------------------


class FormValues(HTMLParser):
    """The values a browser would send with the page's main form (class "form"; not the sign-out form)."""

    def __init__(self):
        super().__init__()
        self.values: dict[str, str] = {}
        self._select = self._textarea = None
        self._first_option = False
        self._in_form = False
        self._done = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and "form" in (a.get("class") or "").split() and not self._done:
            self._in_form = True
        if not self._in_form:
            return
        if tag == "input" and a.get("name"):
            self.values[a["name"]] = a.get("value") or ""
        elif tag == "select":
            self._select = a["name"]
            self._first_option = True
        elif tag == "option" and self._select and ("selected" in a or self._first_option):
            # Without a selected option a browser sends the first one.
            self.values[self._select] = a.get("value") or ""
            self._first_option = False
        elif tag == "textarea":
            self._textarea = a["name"]
            self.values[self._textarea] = ""

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            # Browsers drop the one line break that follows <textarea> (WTForms writes it).
            value = self.values[self._textarea]
            self.values[self._textarea] = value[2:] if value.startswith("\r\n") else value.removeprefix("\n")
            self._textarea = None
        elif tag == "form" and self._in_form:
            self._in_form, self._done = False, True

    def handle_data(self, data):
        if self._textarea:
            self.values[self._textarea] += data


def form_values(html: str) -> dict[str, str]:
    parser = FormValues()
    parser.feed(html)
    return parser.values


def session_token(client) -> str:
    """The signed-in session's CSRF token, from the sign-out form in the header of the home page."""
    return re.search(r'name="csrf_token" value="([^"]+)"', text(client.get("/"))).group(1)


def edit_url(result) -> str:
    return f"/praktijken/{result.practice_id}/resultaten/{result.id}/bewerken"


def delete_url(result) -> str:
    return f"/praktijken/{result.practice_id}/resultaten/{result.id}/verwijderen"


def test_practice_page_links_each_measurement_to_its_edit_and_delete_pages(client, cast, make_practice):
    practice = make_practice(publish=True)
    result = measure(practice, cast)
    login(client, cast.staff)
    html = text(client.get(f"/praktijken/{practice.id}"))
    assert f'href="{edit_url(result)}"' in html and f'href="{delete_url(result)}"' in html
    assert f"/praktijken/{practice.id}/reeksen/hernoemen?reeks=Aantal+thuiszitters" in html


@pytest.mark.parametrize("who", ["coach", "other_staff", None])
def test_others_see_no_correction_links(client, cast, make_practice, who):
    practice = make_practice(publish=True)
    result = measure(practice, cast)
    if who:
        login(client, getattr(cast, who))
    html = text(client.get(f"/praktijken/{practice.id}"))
    assert "Aantal thuiszitters" in html and edit_url(result) not in html and delete_url(result) not in html


def test_the_edit_form_round_trips_without_recording_anything(client, db, cast, make_practice):
    practice = make_practice(publish=True)
    result = measure(practice, cast, value="12.3456", unit="jongeren", narrative="Eerste regel\nTweede regel")
    backdate(db, practice)
    count = len(revisions(db, practice))
    login(client, cast.staff)

    page = client.get(edit_url(result))
    values = form_values(text(page))
    saved = client.post(edit_url(result), data=values, follow_redirects=True)

    assert page.status_code == 200
    assert values["value"] == "12,3456" and values["baseline"] == "" and values["target"] == ""
    assert saved.status_code == 200 and "Er was niets gewijzigd." in text(saved)
    db.session.expire_all()
    assert len(revisions(db, practice)) == count
    stored = db.session.get(Result, result.id)
    assert stored.value == Decimal("12.3456") and stored.baseline is None and stored.target is None
    assert db.session.get(Practice, practice.id).updated_at == LONG_AGO


def test_staff_correct_a_value_in_the_browser(client, db, cast, make_practice):
    practice = make_practice(publish=True)
    result = measure(practice, cast)
    login(client, cast.staff)
    values = form_values(text(client.get(edit_url(result))))

    response = client.post(edit_url(result), data={**values, "value": "14,5"})

    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/praktijken/{practice.id}#resultaten")
    page = text(client.get(f"/praktijken/{practice.id}"))
    assert "Het resultaat is gewijzigd." in page and "14,5" in page
    assert db.session.scalar(select(Result.value).where(Result.id == result.id)) == Decimal("14.5")
    history = text(client.get(f"/praktijken/{practice.id}/geschiedenis"))
    assert "waarde 12 → 14,5" in history


def test_a_differently_written_indicator_joins_the_existing_series(client, db, cast, make_practice):
    practice = make_practice()
    measure(practice, cast, day=date(2023, 1, 1))
    login(client, cast.staff)
    token = csrf_token_from(client, f"/praktijken/{practice.id}/resultaten/nieuw")

    response = client.post(
        f"/praktijken/{practice.id}/resultaten/nieuw",
        data={
            "csrf_token": token,
            "indicator": "aantal  Thuiszitters",
            "value": "9",
            "measured_on": "2024-01-01",
            "phase": cast.phases[0].id,
        },
        follow_redirects=True,
    )

    assert response.status_code == 200
    assert "gelijkgemaakt aan de bestaande reeks" in text(response)
    assert set(db.session.scalars(select(Result.indicator))) == {"Aantal thuiszitters"}


def test_the_forms_offer_the_existing_series_as_suggestions(client, cast, make_practice):
    practice = make_practice()
    result = measure(practice, cast, indicator="Doelrealisatie (%)")
    login(client, cast.staff)
    for path in (edit_url(result), f"/praktijken/{practice.id}/resultaten/nieuw"):
        html = text(client.get(path))
        assert 'list="indicator-suggestions"' in html
        assert re.search(r'<datalist id="indicator-suggestions">.*Doelrealisatie \(%\)', html, re.DOTALL)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"value": "twaalf"}, "Vul een getal in, bijvoorbeeld 12,5."),
        ({"value": "1,23456"}, "Gebruik hoogstens 4 decimalen."),
        ({"measured_on": "2999-01-01"}, "De datum mag niet in de toekomst liggen."),
        ({"indicator": ""}, "Dit veld is verplicht."),
        ({"phase": "999999"}, "Het formulier is nog niet goed ingevuld."),
    ],
)
def test_bad_corrections_get_422_with_a_dutch_message(client, db, cast, make_practice, changes, message):
    practice = make_practice()
    result = measure(practice, cast)
    login(client, cast.staff)
    values = form_values(text(client.get(edit_url(result))))

    response = client.post(edit_url(result), data={**values, **changes})

    assert response.status_code == 422
    assert message in text(response)
    db.session.expire_all()
    assert db.session.get(Result, result.id).value == Decimal(12)


@pytest.mark.parametrize("path", [edit_url, delete_url])
def test_other_regions_staff_and_coaches_get_403(client, cast, make_practice, path):
    practice = make_practice(publish=True)
    result = measure(practice, cast)
    for person in (cast.other_staff, cast.coach):
        login(client, person)
        assert client.get(path(result)).status_code == 403
        csrf = session_token(client)
        assert client.post(path(result), data={"csrf_token": csrf, "value": "1"}).status_code == 403
    assert _db.session.get(Result, result.id).value == Decimal(12)


def test_a_result_of_another_practice_or_none_at_all_is_404(client, cast, make_practice):
    mine, other = make_practice("Mijn"), make_practice("Ander")
    foreign = measure(other, cast)
    login(client, cast.staff)
    assert client.get(f"/praktijken/{mine.id}/resultaten/{foreign.id}/bewerken").status_code == 404
    assert client.get(f"/praktijken/{mine.id}/resultaten/{foreign.id}/verwijderen").status_code == 404
    assert client.get(f"/praktijken/{mine.id}/resultaten/999999/bewerken").status_code == 404
    assert client.get(f"/praktijken/{mine.id}/resultaten/{2**40}/verwijderen").status_code == 404


def test_visitors_are_sent_to_sign_in(client, cast, make_practice):
    result = measure(make_practice(publish=True), cast)
    response = client.get(edit_url(result))
    assert response.status_code == 302 and "/inloggen" in response.headers["Location"]


def test_a_post_without_csrf_token_is_refused(client, cast, make_practice):
    practice = make_practice()
    result = measure(practice, cast)
    login(client, cast.staff)
    values = form_values(text(client.get(edit_url(result))))
    values.pop("csrf_token")
    assert client.post(edit_url(result), data={**values, "value": "99"}).status_code == 400
    assert client.post(delete_url(result), data={}).status_code == 400
    assert _db.session.get(Result, result.id).value == Decimal(12)


def test_delete_asks_on_a_page_of_its_own_then_deletes(client, db, cast, make_practice):
    practice = make_practice(publish=True)
    result = measure(practice, cast, value="41", unit="jongeren", narrative="Na de invoering")
    result_id = result.id
    login(client, cast.staff)

    page = client.get(delete_url(result))
    html = text(page)
    assert page.status_code == 200 and _db.session.get(Result, result_id) is not None
    assert "Resultaat verwijderen" in html and "Aantal thuiszitters" in html and "Na de invoering" in html
    deleted = client.post(delete_url(result), data={"csrf_token": form_values(html)["csrf_token"]})

    assert deleted.status_code == 302
    db.session.expire_all()
    assert db.session.get(Result, result_id) is None
    after = text(client.get(f"/praktijken/{practice.id}"))
    assert "Het resultaat is verwijderd." in after and "Nog geen resultaten gedeeld." in after


def test_rename_page_renames_and_says_it_merges(client, db, cast, make_practice):
    practice = make_practice()
    measure(practice, cast, indicator="Thuiszitrers", day=date(2023, 1, 1))
    measure(practice, cast, indicator="Thuiszitters", day=date(2024, 1, 1))
    path = f"/praktijken/{practice.id}/reeksen/hernoemen"
    login(client, cast.staff)

    page = text(client.get(path + "?reeks=Thuiszitrers"))
    values = form_values(page)
    response = client.post(path, data={**values, "new_name": "thuiszitters"}, follow_redirects=True)

    assert "samengevoegd" in page and values["series"] == "Thuiszitrers"
    assert response.status_code == 200 and "De reeks is hernoemd (1 metingen)." in text(response)
    assert set(db.session.scalars(select(Result.indicator))) == {"Thuiszitters"}


def test_rename_to_the_same_name_is_422(client, cast, make_practice):
    practice = make_practice()
    measure(practice, cast, indicator="Thuiszitters")
    path = f"/praktijken/{practice.id}/reeksen/hernoemen"
    login(client, cast.staff)
    values = form_values(text(client.get(path)))
    response = client.post(path, data={**values, "new_name": "Thuiszitters"})
    assert response.status_code == 422 and "Dit is al de naam van deze reeks." in text(response)


def test_practice_page_with_many_results_runs_a_fixed_number_of_queries(
    client, cast, make_practice, query_counter
):
    practice = make_practice(publish=True)
    login(client, cast.staff)

    def queries_for_page() -> int:
        with query_counter() as counter:
            assert client.get(f"/praktijken/{practice.id}").status_code == 200
        return counter.count

    measure(practice, cast)
    few = queries_for_page()
    for i in range(12):
        measure(practice, cast, indicator=f"Reeks {i % 4}", day=date(2020 + i % 5, 1 + i, 1))
    assert queries_for_page() == few


# --- import, API, search, digests -----------------------------------------------------------------------------


def test_an_imported_result_with_the_same_external_id_is_a_correction(db, cast, make_practice):
    from exchange.practices import transfer

    practice = make_practice(publish=True)
    practice.external_id = "praktijk-1"
    result = measure(practice, cast, external_id="meting-1")
    db.session.commit()
    doc = {
        "format": "jeugdkennis-practices",
        "version": 1,
        "practices": [
            {
                "external_id": "praktijk-1",
                "region": cast.region.code,
                "title": practice.title,
                "summary": practice.summary,
                "themes": [cast.theme.slug],
                "phase": cast.phases[0].slug,
                "status": "published",
                "results": [
                    {
                        "external_id": "meting-1",
                        "indicator": "Aantal thuiszitters",
                        "value": 15,
                        "measured_on": "2024-02-01",
                    }
                ],
            }
        ],
    }
    count = len(revisions(db, practice))

    report = transfer.import_practices(doc)
    db.session.commit()

    assert (report.results_added, report.results_updated) == (0, 1)
    db.session.expire_all()
    stored = db.session.get(Result, result.id)
    assert (stored.value, stored.measured_on) == (Decimal(15), date(2024, 2, 1))
    assert db.session.scalar(select(func.count(Result.id))) == 1
    notes = [r.note for r in revisions(db, practice)[count:]]
    assert notes == [
        "Resultaat 'Aantal thuiszitters' gewijzigd: waarde 12 → 15; datum 2024-01-01 → 2024-02-01"
    ]
    assert all(r.author_id is None for r in revisions(db, practice)[count:])  # the system actor


def test_the_api_shows_the_corrected_value_and_when(client, db, cast, make_practice):
    practice = make_practice(publish=True)
    result = measure(practice, cast)
    backdate(db, practice, result)

    results.update_result(cast.staff, result, data_of(result, value=Decimal("13.25")))
    db.session.commit()

    detail = client.get(f"/api/v1/practices/{practice.id}").get_json()
    [shown] = detail["results"]
    assert shown["value"] == 13.25 and shown["updated_at"] > LONG_AGO.isoformat()
    assert detail["updated_at"] > LONG_AGO.isoformat()
    listed = client.get(f"/api/v1/results?practice={practice.id}").get_json()
    assert listed["items"][0]["value"] == 13.25
    assert listed["items"][0]["updated_at"] == shown["updated_at"]


@pytest.fixture
def indexed(app, db, reference):
    """A built search index that follows every commit."""
    from werkzeug.datastructures import MultiDict

    from exchange.search import outbox, synonyms
    from exchange.search import queries as search_queries
    from exchange.search.parsing import read_request

    synonyms.load_defaults()
    db.session.commit()
    search_queries.current_index().ensure()
    outbox.apply_pending()

    def find(q: str) -> list[tuple[str, int]]:
        with app.test_request_context("/zoeken"):
            found = search_queries.search(None, read_request(MultiDict([("q", q)])))
        return [(hit.kind, hit.id) for hit in found.hits if hit.kind == "result"]

    return find


def test_search_finds_the_corrected_result_and_forgets_a_deleted_one(indexed, db, cast, make_practice):
    practice = make_practice(publish=True)
    result = measure(practice, cast, indicator="Wachttijd jeugdhulp")
    other = measure(practice, cast, indicator="Schoolverzuim", day=date(2023, 1, 1))
    other_id = other.id
    assert indexed("wachttijd") == [("result", result.id)]

    results.update_result(cast.staff, result, data_of(result, indicator="Doorlooptijd aanmelding"))
    db.session.commit()
    results.delete_result(cast.staff, other)
    db.session.commit()

    assert indexed("doorlooptijd") == [("result", result.id)]
    assert indexed("wachttijd") == []
    assert indexed("schoolverzuim") == []
    assert db.session.get(Result, other_id) is None


def test_digests_list_a_corrected_result_in_the_period_of_the_correction(db, cast, make_practice):
    from exchange.digests.content import collect_content
    from exchange.digests.periods import Frequency, period_containing

    practice = make_practice(publish=True)
    result = measure(practice, cast)
    backdate(db, practice, result)
    results.update_result(cast.staff, result, data_of(result, value=Decimal(14)))
    db.session.commit()

    content = collect_content(period_containing(Frequency.DAILY, datetime.now(UTC)))

    items = {i for items in content.by_theme.values() for i in items if i.practice_id == practice.id}
    [corrected] = items  # issue 16: the practice once, whatever else is new about it
    # Issue 16: the practice is listed once, with the corrected measurement under it.
    assert [(m.label, m.line) for m in corrected.results] == [
        ("Resultaat gecorrigeerd", "Aantal thuiszitters: 14")
    ]

"""People choose the language of their mail on their account page (Nederlands or English)."""

from __future__ import annotations

import pytest

from exchange.accounts.models import User


@pytest.mark.parametrize("language", ["en", "nl"])
def test_the_account_page_sets_the_language_of_ones_mail(client, csrf, auth, db, cast, language):
    cast.staff.language = "nl" if language == "en" else "en"
    db.session.commit()
    auth.login(cast.staff.email)
    response = client.post(
        "/account/gegevens",
        data={"csrf_token": csrf("/account"), "name": cast.staff.name, "language": language},
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(User, cast.staff.id).language == language


def test_an_unknown_language_is_refused_in_dutch(client, csrf, auth, db, cast):
    auth.login(cast.staff.email)
    response = client.post(
        "/account/gegevens", data={"csrf_token": csrf("/account"), "name": cast.staff.name, "language": "fr"}
    )
    assert response.status_code == 422 and "Kies Nederlands of Engels." in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, cast.staff.id).language == "nl"

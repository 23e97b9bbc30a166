"""Account services: passwords, invitations, one-time links, sign-in, self-service and administration."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from exchange.accounts.models import (
    AccountToken,
    AuditEvent,
    CoachingAssignment,
    FunctionaryTheme,
    PasswordResetRequest,
    Role,
    TokenPurpose,
    User,
)
from exchange.accounts.passwords import password_problems, verify_password
from exchange.accounts.services import (
    coaching,
    invitations,
    own_account,
    password_reset,
    people,
    sessions,
    tokens,
)
from exchange.accounts.twofactor.models import RecoveryCode, TwoFactor
from exchange.database import utcnow
from exchange.errors import Conflict, Invalid, LinkExpired, LinkInvalid, LinkUsed, NotAllowed
from exchange.policy import SYSTEM
from exchange.reference.models import Region, Theme
from tests.conftest import DEFAULT_PASSWORD

GOOD_PASSWORD = "paarden eten graag wortels"


def count(db, model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def events(db, action: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def region(db, code: str) -> Region:
    return db.session.scalar(select(Region).where(Region.code == code))


def theme(db, slug: str = "onderwijs-zorg") -> Theme:
    return db.session.scalar(select(Theme).where(Theme.slug == slug))


def link_token(message) -> str:
    """The one-time secret at the end of the link in a mail."""
    for line in message.body.splitlines():
        if line.startswith("http"):
            return line.rstrip("/").rsplit("/", 1)[1]
    raise AssertionError("no link in mail")


@pytest.fixture
def admin(reference, make_user):
    return make_user("admin", email="beheer@example.org")


# --- passwords --------------------------------------------------------------------------------------------------


def test_password_is_hashed_with_argon2id_and_email_lowercased(reference, db):
    user = invitations.create_user(SYSTEM, "Jan.Jansen@Example.ORG", Role.ADMIN, GOOD_PASSWORD)
    db.session.commit()
    assert user.email == "jan.jansen@example.org"
    assert user.password_hash.startswith("$argon2id$")
    assert GOOD_PASSWORD not in user.password_hash
    assert verify_password(user.password_hash, GOOD_PASSWORD)
    assert not verify_password(user.password_hash, GOOD_PASSWORD + "!")


@pytest.mark.parametrize(
    ("password", "fragment"),
    [
        ("kort", "minstens 12"),
        ("a" * 257, "hoogstens 256"),
        ("password1234", "gangbaar"),
        ("Wachtwoord2024!", "gangbaar"),
        ("qwertyuiop123", "gangbaar"),
        ("123456789012", "gangbaar"),
        ("aaaaaaaaaaaaaaaa", "gangbaar"),
        ("jan.jansen wil binnen", "naam of e-mailadres"),
    ],
)
def test_weak_passwords_are_refused(app_ctx, password, fragment):
    problems = password_problems(password, email="jan.jansen@example.org", name="Jan Jansen")
    assert problems and fragment in problems[0]


def test_a_passphrase_is_accepted(app_ctx):
    assert password_problems(GOOD_PASSWORD, email="jan@example.org", name="Jan") == []


# --- invitations ------------------------------------------------------------------------------------------------


def test_invitation_creates_account_without_password_and_mails_after_commit(admin, db, outbox):
    user = invitations.invite_user(
        admin, "Nieuw@Example.org", Role.STAFF, name="Nina", region=region(db, "JZ01")
    )
    assert outbox == []  # nothing leaves before the commit
    db.session.commit()
    assert user.password_hash is None and user.is_invited
    assert [m.recipients for m in outbox] == [["nieuw@example.org"]]
    raw = link_token(outbox[0])
    assert raw not in {
        t.token_hash for t in db.session.scalars(select(AccountToken))
    }  # only a hash is stored
    token = tokens.find_token(raw, TokenPurpose.INVITE)
    assert timedelta(days=6, hours=23) < token.expires_at - utcnow() <= timedelta(days=7)
    assert events(db, "invitation_sent")[0].details["region"] == "JZ01"


def test_invitation_mail_is_dropped_when_the_transaction_rolls_back(admin, db, outbox):
    invitations.invite_user(admin, "nieuw@example.org", Role.ADMIN)
    db.session.rollback()
    db.session.commit()
    assert outbox == []
    assert count(db, User, User.email == "nieuw@example.org") == 0


@pytest.mark.parametrize(
    ("email", "role", "region_code", "theme_slugs", "error", "field"),
    [
        ("a@example.org", Role.STAFF, None, [], Invalid, "region"),
        ("a@example.org", Role.FUNCTIONARY, "JZ01", [], Invalid, "region"),
        ("a@example.org", Role.ADMIN, "JZ01", [], Invalid, "region"),
        ("a@example.org", Role.STAFF, "JZ01", ["onderwijs-zorg"], Invalid, "themes"),
        ("geen-adres", Role.ADMIN, None, [], Invalid, "email"),
        ("a@@example.org", Role.ADMIN, None, [], Invalid, "email"),
        ("x" * 250 + "@example.org", Role.ADMIN, None, [], Invalid, "email"),
        ("beheer@example.org", Role.ADMIN, None, [], Conflict, "email"),
    ],
)
def test_bad_invitations_create_nothing(
    admin, db, outbox, email, role, region_code, theme_slugs, error, field
):
    before = count(db, User)
    with pytest.raises(error) as raised:
        invitations.invite_user(
            admin,
            email,
            role,
            region=region(db, region_code) if region_code else None,
            themes=[theme(db, s) for s in theme_slugs],
        )
    db.session.rollback()
    assert list(raised.value.details["fields"]) == [field]
    assert count(db, User) == before and outbox == []


def test_overlong_name_is_refused(admin, db):
    with pytest.raises(Invalid, match="te lang"):
        invitations.invite_user(admin, "a@example.org", Role.ADMIN, name="x" * 121)


@pytest.mark.parametrize("role", ["staff", "functionary"])
def test_only_administrators_invite(reference, db, make_user, role):
    actor = make_user(role)
    with pytest.raises(NotAllowed):
        invitations.invite_user(actor, "a@example.org", Role.ADMIN)


def test_accepting_an_invitation_sets_name_and_password_once(admin, db, outbox):
    invitations.invite_user(admin, "nieuw@example.org", Role.FUNCTIONARY, themes=[theme(db)])
    db.session.commit()
    raw = link_token(outbox[0])
    with pytest.raises(Invalid):
        invitations.accept_invitation(raw, "Nina", "kort")
    db.session.rollback()
    user = invitations.accept_invitation(raw, "Nina Nieuw", GOOD_PASSWORD)
    db.session.commit()
    assert user.name == "Nina Nieuw" and verify_password(user.password_hash, GOOD_PASSWORD)
    with pytest.raises(LinkUsed):
        invitations.accept_invitation(raw, "Iemand", GOOD_PASSWORD)
    assert len(events(db, "invitation_accepted")) == 1


def test_expired_and_unknown_invitation_links_are_refused(admin, db, outbox):
    invitations.invite_user(admin, "nieuw@example.org", Role.ADMIN)
    db.session.commit()
    raw = link_token(outbox[0])
    token = tokens.find_token(raw, TokenPurpose.INVITE)
    token.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    with pytest.raises(LinkExpired):
        invitations.accept_invitation(raw, "Nina", GOOD_PASSWORD)
    for bad in ["", "onbekend", raw[:-1], "x" * 500]:
        with pytest.raises(LinkInvalid):
            invitations.accept_invitation(bad, "Nina", GOOD_PASSWORD)
    with pytest.raises(LinkInvalid):  # a reset link is not an invitation
        tokens.find_token(raw, TokenPurpose.RESET)


def test_resending_an_invitation_retires_the_old_link(admin, db, outbox):
    user = invitations.invite_user(admin, "nieuw@example.org", Role.ADMIN)
    db.session.commit()
    invitations.resend_invitation(admin, user)
    db.session.commit()
    old, new = link_token(outbox[0]), link_token(outbox[1])
    with pytest.raises(LinkInvalid):
        tokens.find_token(old, TokenPurpose.INVITE)
    assert tokens.find_token(new, TokenPurpose.INVITE).user_id == user.id


# --- sign-in ----------------------------------------------------------------------------------------------------


def test_sign_in_records_the_login(reference, db, make_user):
    user = make_user("staff")
    assert sessions.sign_in(user.email.upper(), DEFAULT_PASSWORD, ip="10.0.0.1") is user
    db.session.commit()
    assert user.last_login_at is not None
    assert events(db, "login")[0].ip == "10.0.0.1"


def test_failures_look_the_same_whether_or_not_the_account_exists(reference, db, make_user):
    user = make_user("staff")
    with pytest.raises(sessions.LoginFailed) as wrong_password:
        sessions.sign_in(user.email, "verkeerd wachtwoord")
    with pytest.raises(sessions.LoginFailed) as unknown:
        sessions.sign_in("niemand@example.org", "verkeerd wachtwoord")
    with pytest.raises(sessions.LoginFailed) as malformed:
        sessions.sign_in("geen adres", "verkeerd wachtwoord")
    assert wrong_password.value.text() == unknown.value.text() == malformed.value.text()
    assert "klopt niet" in unknown.value.text()
    db.session.commit()
    failed = events(db, "login_failed")
    assert [e.details["reason"] for e in failed] == ["password", "unknown", "unknown"]
    assert all("verkeerd" not in str(e.details) for e in failed)  # passwords are never logged


def test_deactivated_account_learns_so_only_with_the_right_password(reference, db, make_user):
    user = make_user("staff", active=False)
    with pytest.raises(sessions.LoginFailed) as right:
        sessions.sign_in(user.email, DEFAULT_PASSWORD)
    with pytest.raises(sessions.LoginFailed) as wrong:
        sessions.sign_in(user.email, "verkeerd wachtwoord")
    assert "gedeactiveerd" in right.value.text() and "gedeactiveerd" not in wrong.value.text()


def test_invited_account_cannot_sign_in_before_setting_a_password(reference, db, make_user):
    user = make_user("staff", invited=True)
    with pytest.raises(sessions.LoginFailed):
        sessions.sign_in(user.email, "")


def test_old_hashes_are_upgraded_at_sign_in(reference, db, make_user, app):
    user = make_user("staff")
    old_hash = user.password_hash
    app.config["ARGON2_TIME_COST"] = 2
    sessions.sign_in(user.email, DEFAULT_PASSWORD)
    assert user.password_hash != old_hash and "t=2" in user.password_hash


# --- password reset and change ----------------------------------------------------------------------------------


def test_reset_for_an_unknown_address_is_silent(reference, db, outbox):
    password_reset.request_password_reset("niemand@example.org")
    db.session.commit()
    assert password_reset.handle_reset_requests() == 0
    assert outbox == [] and count(db, AccountToken) == 0 and count(db, PasswordResetRequest) == 0


def test_password_reset_works_once_and_ends_sessions(reference, db, make_user, outbox):
    user = make_user("staff")
    old_session = user.session_token
    password_reset.request_password_reset(user.email)
    db.session.commit()
    password_reset.handle_reset_requests()  # after the answer, in the view
    raw = link_token(outbox[0])
    password_reset.reset_password(raw, GOOD_PASSWORD)
    db.session.commit()
    assert verify_password(user.password_hash, GOOD_PASSWORD) and user.session_token != old_session
    with pytest.raises(LinkUsed):
        password_reset.reset_password(raw, "nog een ander lang wachtwoord")


def test_password_reset_link_is_short_lived(reference, db, make_user, outbox):
    user = make_user("staff")
    password_reset.request_password_reset(user.email)
    db.session.commit()
    password_reset.handle_reset_requests()  # after the answer, in the view
    token = db.session.scalar(select(AccountToken))
    assert token.expires_at - utcnow() <= timedelta(hours=1)
    token.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    with pytest.raises(LinkExpired):
        password_reset.reset_password(link_token(outbox[0]), GOOD_PASSWORD)


def test_change_password_needs_the_current_one(reference, db, make_user):
    user = make_user("functionary")
    with pytest.raises(Invalid) as wrong:
        own_account.change_password(user, user, "fout", GOOD_PASSWORD)
    assert list(wrong.value.details["fields"]) == ["current_password"]
    old_session = user.session_token
    own_account.change_password(user, user, DEFAULT_PASSWORD, GOOD_PASSWORD)
    assert user.session_token != old_session and len(events(db, "password_changed")) == 1


def test_nobody_changes_another_persons_password(reference, db, make_user):
    user, other = make_user("staff"), make_user("admin")
    with pytest.raises(NotAllowed):
        own_account.change_password(other, user, DEFAULT_PASSWORD, GOOD_PASSWORD)


# --- email change -----------------------------------------------------------------------------------------------


def test_email_change_is_confirmed_through_the_new_address(reference, db, make_user, outbox):
    user = make_user("staff", email="oud@example.org")
    own_account.request_email_change(user, user, "Nieuw@Example.org", DEFAULT_PASSWORD)
    db.session.commit()
    assert user.email == "oud@example.org"
    confirm, notice = outbox
    assert confirm.recipients == ["nieuw@example.org"] and notice.recipients == ["oud@example.org"]
    own_account.confirm_email_change(link_token(confirm))
    db.session.commit()
    assert user.email == "nieuw@example.org"
    with pytest.raises(LinkUsed):
        own_account.confirm_email_change(link_token(confirm))


def test_email_change_to_a_taken_address_reveals_nothing(reference, db, make_user, outbox):
    user = make_user("staff")
    other = make_user("staff", email="bezet@example.org")
    own_account.request_email_change(user, user, other.email, DEFAULT_PASSWORD)
    db.session.commit()
    assert [m.recipients for m in outbox] == [["bezet@example.org"]]
    assert "al een account" in outbox[0].body
    assert count(db, AccountToken) == 0


def test_email_change_fails_when_the_address_was_taken_meanwhile(reference, db, make_user, outbox):
    user = make_user("staff")
    own_account.request_email_change(user, user, "nieuw@example.org", DEFAULT_PASSWORD)
    db.session.commit()
    make_user("admin", email="nieuw@example.org")
    with pytest.raises(Conflict):
        own_account.confirm_email_change(link_token(outbox[0]))


def test_email_change_needs_the_password(reference, db, make_user):
    user = make_user("staff")
    with pytest.raises(Invalid):
        own_account.request_email_change(user, user, "nieuw@example.org", "fout")


# --- deleting one's account -------------------------------------------------------------------------------------


def test_deleting_an_account_anonymises_it(reference, db, make_user):
    coach = make_user("functionary", themes=["onderwijs-zorg"], coaches=[("JZ01", None)], name="Coen Coach")
    make_user("admin")
    assert (
        db.session.scalar(select(func.count()).select_from(TwoFactor).where(TwoFactor.user_id == coach.id))
        == 1
    )
    own_account.delete_own_account(coach, coach, DEFAULT_PASSWORD)
    db.session.commit()
    db.session.refresh(coach)
    # The anonymised row stays, so its second factor is deleted explicitly (no cascade).
    for model in (TwoFactor, RecoveryCode):
        assert (
            db.session.scalar(select(func.count()).select_from(model).where(model.user_id == coach.id)) == 0
        )
    assert coach.deleted_at is not None and not coach.is_active
    assert coach.name == "" and "example.org" not in coach.email and coach.password_hash is None
    assert coach.display_name == "Verwijderd account"
    assert count(db, CoachingAssignment) == 0 and count(db, FunctionaryTheme) == 0
    with pytest.raises(sessions.LoginFailed):
        sessions.sign_in("functionary1@example.org", DEFAULT_PASSWORD)


def test_the_last_administrator_cannot_leave(reference, db, make_user):
    admin = make_user("admin")
    with pytest.raises(Conflict):
        own_account.delete_own_account(admin, admin, DEFAULT_PASSWORD)
    with pytest.raises(Conflict):
        people.change_role(admin, admin, Role.STAFF, region(db, "JZ01"))


def test_deleting_needs_the_password(reference, db, make_user):
    user = make_user("staff")
    with pytest.raises(Invalid):
        own_account.delete_own_account(user, user, "fout")
    assert user.deleted_at is None


# --- administration of people -----------------------------------------------------------------------------------


def test_role_change_moves_region_and_drops_coaching(admin, db, make_user):
    coach = make_user("functionary", themes=["onderwijs-zorg"], coaches=[("JZ01", "onderwijs-zorg")])
    people.change_role(admin, coach, Role.STAFF, region(db, "JZ02"))
    db.session.commit()
    assert coach.role == Role.STAFF and coach.region.code == "JZ02"
    assert count(db, CoachingAssignment) == 0 and count(db, FunctionaryTheme) == 0
    event = events(db, "role_changed")[0]
    assert (event.details["old_role"], event.details["role"], event.details["region"]) == (
        "functionary",
        "staff",
        "JZ02",
    )
    people.change_role(admin, coach, Role.FUNCTIONARY)
    assert coach.region_id is None


def test_deactivation_ends_sessions_and_is_reversible(admin, db, make_user):
    user = make_user("staff")
    token = user.session_token
    people.deactivate_user(admin, user)
    db.session.commit()
    assert not user.active and user.session_token != token
    with pytest.raises(Conflict):
        people.deactivate_user(admin, user)
    with pytest.raises(Conflict):
        people.deactivate_user(admin, admin)
    people.reactivate_user(admin, user)
    assert user.active
    assert [e.action for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))][-2:] == [
        "user_deactivated",
        "user_reactivated",
    ]


def test_staff_cannot_manage_people(reference, db, make_user):
    staff, other = make_user("staff"), make_user("staff")
    for call in (
        lambda: people.deactivate_user(staff, other),
        lambda: people.change_role(staff, other, Role.ADMIN),
        lambda: coaching.link_theme(staff, other, theme(db)),
    ):
        with pytest.raises(NotAllowed):
            call()
    assert other.active and other.role == Role.STAFF


def test_assignments_need_a_linked_theme_and_are_not_doubled(admin, db, make_user):
    coach = make_user("functionary")
    jz01, t = region(db, "JZ01"), theme(db)
    with pytest.raises(Invalid):
        coaching.assign_functionary(admin, coach, jz01, t)
    coaching.link_theme(admin, coach, t)
    coaching.assign_functionary(admin, coach, jz01, t)
    with pytest.raises(Conflict):
        coaching.assign_functionary(admin, coach, jz01, t)
    db.session.rollback()
    staff = make_user("staff")
    with pytest.raises(Invalid):
        coaching.assign_functionary(admin, staff, jz01, None)


def test_all_themes_assignment_replaces_single_theme_ones(admin, db, make_user):
    coach = make_user("functionary", themes=["onderwijs-zorg"], coaches=[("JZ01", "onderwijs-zorg")])
    coaching.assign_functionary(admin, coach, region(db, "JZ01"), None)
    db.session.commit()
    assert [(a.region.code, a.theme_id) for a in coach.assignments] == [("JZ01", None)]
    with pytest.raises(Conflict):
        coaching.assign_functionary(admin, coach, region(db, "JZ01"), theme(db))


def test_unlinking_a_theme_ends_its_assignments(admin, db, make_user):
    coach = make_user(
        "functionary",
        themes=["onderwijs-zorg", "pleegzorg-gezinshuizen"],
        coaches=[("JZ01", "onderwijs-zorg"), ("JZ02", "pleegzorg-gezinshuizen"), ("JZ03", None)],
    )
    coaching.set_functionary_themes(admin, coach, [theme(db, "pleegzorg-gezinshuizen")])
    db.session.commit()
    assert sorted((a.region.code, a.theme_id is None) for a in coach.assignments) == [
        ("JZ02", False),
        ("JZ03", True),
    ]
    assert [t.slug for t in coach.themes] == ["pleegzorg-gezinshuizen"]
    assert events(db, "theme_unlinked")[0].details["assignments_removed"] == 1


def test_audit_log_never_holds_secrets(admin, db, outbox, make_user):
    user = invitations.invite_user(admin, "nieuw@example.org", Role.ADMIN)
    db.session.commit()
    raw = link_token(outbox[0])
    invitations.accept_invitation(raw, "Nina", GOOD_PASSWORD)
    sessions.sign_in("nieuw@example.org", GOOD_PASSWORD)
    own_account.change_password(user, user, GOOD_PASSWORD, "een ander lang wachtwoord")
    db.session.commit()
    dump = " ".join(str(e.details) for e in db.session.scalars(select(AuditEvent)))
    for secret in (raw, GOOD_PASSWORD, "een ander lang wachtwoord", user.password_hash):
        assert secret not in dump

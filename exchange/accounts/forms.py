"""Forms for signing in, one-time links and the account page. Services re-check everything that matters."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, HiddenField, PasswordField, RadioField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, EqualTo, InputRequired, Length, ValidationError

from exchange.accounts.services.rules import NAME_MAX
from exchange.forms import Form
from exchange.mail.addresses import EMAIL_MAX, EmailAddress

PASSWORD_FIELD_MAX = 256

_required = _l("Dit veld is verplicht.")
_too_long = _l("Hoogstens %(max)d tekens.")


def email_field(label=None):
    return EmailField(
        label or _l("E-mailadres"),
        validators=[
            DataRequired(message=_l("Vul een e-mailadres in.")),
            Length(max=EMAIL_MAX, message=_too_long),
            EmailAddress(),
        ],
        render_kw={"autocomplete": "email", "spellcheck": "false"},
    )


def password_field(label, autocomplete: str, *, message=None):
    return PasswordField(
        label,
        validators=[
            InputRequired(message=message or _l("Vul een wachtwoord in.")),
            Length(max=PASSWORD_FIELD_MAX, message=_too_long),
        ],
        render_kw={"autocomplete": autocomplete},
    )


def name_field():
    return StringField(
        _l("Naam"),
        validators=[DataRequired(message=_l("Vul uw naam in.")), Length(max=NAME_MAX, message=_too_long)],
        render_kw={"autocomplete": "name"},
    )


def new_password_pair():
    new = password_field(_l("Nieuw wachtwoord"), "new-password")
    confirm = PasswordField(
        _l("Herhaal het nieuwe wachtwoord"),
        validators=[
            InputRequired(message=_required),
            EqualTo("password", message=_l("De wachtwoorden verschillen.")),
        ],
        render_kw={"autocomplete": "new-password"},
    )
    return new, confirm


class LoginForm(Form):
    email = email_field()
    password = password_field(_l("Wachtwoord"), "current-password")
    remember = BooleanField(_l("Ingelogd blijven op dit apparaat"))
    next = HiddenField()


class ForgotPasswordForm(Form):
    email = email_field()


class ResetPasswordForm(Form):
    password, confirm = new_password_pair()


class AcceptInvitationForm(Form):
    name = name_field()
    password, confirm = new_password_pair()


class LanguageField(RadioField):
    """Nederlands or English; anything else is refused with a Dutch message (not WTForms' English one).
    Left out (an older form, a script that only changes the name), the stored language stays."""

    def pre_validate(self, form) -> None:
        if self.data not in (None, "") and self.data not in {choice.value for choice in self.choices}:
            raise ValidationError(_l("Kies Nederlands of Engels."))


class ProfileForm(Form):
    name = name_field()
    language = LanguageField(
        _l("Taal van e-mails van Jeugdkennis"),
        choices=[SelectChoice("nl", _l("Nederlands")), SelectChoice("en", _l("Engels"))],
        validate_choice=False,
    )


class ChangePasswordForm(Form):
    current_password = password_field(_l("Huidig wachtwoord"), "current-password")
    password, confirm = new_password_pair()


class ChangeEmailForm(Form):
    email = email_field(_l("Nieuw e-mailadres"))
    password = password_field(_l("Uw wachtwoord (ter bevestiging)"), "current-password")


class DeleteAccountForm(Form):
    password = password_field(_l("Uw wachtwoord (ter bevestiging)"), "current-password")
    confirm = BooleanField(
        _l("Ik begrijp dat mijn account wordt verwijderd en dat dit niet ongedaan kan worden gemaakt."),
        validators=[DataRequired(message=_l("Vink aan dat u uw account wilt verwijderen."))],
    )

"""Forms of the second factor: the code step, setting up, new recovery codes and turning it off."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, StringField
from wtforms.validators import DataRequired, Length

from exchange.accounts.forms import password_field
from exchange.accounts.twofactor.services import CODE_FIELD_MAX
from exchange.forms import Form


def code_field(label=None, description=None):
    return StringField(
        label or _l("Code uit uw app"),
        description=description,
        validators=[
            DataRequired(message=_l("Vul de code in.")),
            Length(max=CODE_FIELD_MAX, message=_l("Hoogstens %(max)d tekens.")),
        ],
        render_kw={"autocomplete": "one-time-code", "spellcheck": "false", "autocapitalize": "off"},
    )


class CodeForm(Form):
    code = code_field(
        _l("Code"),
        _l("De zescijferige code uit uw authenticator-app, of een van uw herstelcodes."),
    )
    remember_device = BooleanField(_l("Onthoud dit apparaat 30 dagen"))


class SetupForm(Form):
    password = password_field(_l("Uw wachtwoord (ter bevestiging)"), "current-password")
    code = code_field(description=_l("De zescijferige code die uw app nu toont."))


class ConfirmWithCodeForm(Form):
    """New recovery codes, or turning the second factor off: password and a current code."""

    password = password_field(_l("Uw wachtwoord (ter bevestiging)"), "current-password")
    code = code_field()

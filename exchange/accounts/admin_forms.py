"""Forms of the administration pages for people and coaching: invite, role, themes, assignments."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from exchange.accounts.forms import email_field
from exchange.accounts.models import ROLE_LABELS, Role
from exchange.accounts.services.rules import NAME_MAX
from exchange.fields import IntMultipleField, OptionalIntSelect
from exchange.forms import Form

_required = _l("Dit veld is verplicht.")
_too_long = _l("Hoogstens %(max)d tekens.")
_bad_choice = _l("Kies een van de mogelijkheden.")


def role_choices() -> list[tuple[str, str]]:
    return [(role.value, str(ROLE_LABELS[role]).capitalize()) for role in Role]


class InviteForm(Form):
    email = email_field()
    name = StringField(
        _l("Naam (optioneel)"), validators=[Optional(), Length(max=NAME_MAX, message=_too_long)]
    )
    role = SelectField(
        _l("Rol"),
        choices=role_choices,
        validators=[DataRequired(message=_required)],
        invalid_choice_message=_bad_choice,
    )
    region = OptionalIntSelect(_l("Regio (alleen voor regiomedewerkers)"), validate_choice=True)
    themes = IntMultipleField(_l("Thema's (alleen voor themafunctionarissen)"), validate_choice=True)


class RoleForm(Form):
    role = SelectField(
        _l("Rol"),
        choices=role_choices,
        validators=[DataRequired(message=_required)],
        invalid_choice_message=_bad_choice,
    )
    region = OptionalIntSelect(_l("Regio (alleen voor regiomedewerkers)"), validate_choice=True)


class ThemesForm(Form):
    themes = IntMultipleField(_l("Thema's"), validate_choice=True)


class AssignmentForm(Form):
    region = OptionalIntSelect(
        _l("Regio"), validate_choice=True, validators=[DataRequired(message=_required)]
    )
    theme = OptionalIntSelect(_l("Thema"), validate_choice=True)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # The person's page also holds the role form with its own "region": ids must be unique (names stay).
        self.region.id, self.theme.id = "assignment-region", "assignment-theme"

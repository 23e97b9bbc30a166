"""Forms of the administration pages for reference data: regions, plans, allocations, themes, phases."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
    URLField,
)
from wtforms.validators import URL, DataRequired, Length, NumberRange, Optional, Regexp, ValidationError

from exchange.fields import IntMultipleField, MultiCheckboxField, OptionalIntSelect, TextAreaField
from exchange.forms import Form

_required = _l("Dit veld is verplicht.")
_too_long = _l("Hoogstens %(max)d tekens.")
_bad_choice = _l("Kies een van de mogelijkheden.")
SLUG_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
# Region fields an administrator can flag as not yet verified (shown to administrators as "niet geverifieerd").
VERIFIABLE_REGION_FIELDS = ("display_name", "central_municipality", "municipalities")


class LinesField(TextAreaField):
    """A list of names edited as text, one per line: the list is shown one per line and read back as a list.

    A plain TextAreaField filled from a list attribute shows `['a', 'b']` and saves it back as one item.
    """

    def process_data(self, value):
        self.data = [str(item) for item in value] if isinstance(value, (list, tuple)) else value

    def process_formdata(self, valuelist):
        if valuelist:
            self.data = [line.strip() for line in valuelist[0].splitlines() if line.strip()]

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return "\n".join(self.data or [])


def _text_length(maximum: int):
    def check(form, field):
        if len("\n".join(field.data or [])) > maximum:
            raise ValidationError(_too_long % {"max": maximum})

    return check


class RegionForm(Form):
    display_name = StringField(
        _l("Weergavenaam"), validators=[DataRequired(message=_required), Length(max=120, message=_too_long)]
    )
    display_name_note = TextAreaField(
        _l("Toelichting op de naam"), validators=[Length(max=2000, message=_too_long)]
    )
    central_municipality = StringField(
        _l("Centrale gemeente"), validators=[Optional(), Length(max=120, message=_too_long)]
    )
    municipalities = LinesField(
        _l("Gemeenten (één per regel)"),
        validators=[DataRequired(message=_required), _text_length(10000)],
    )
    unverified = MultiCheckboxField(
        _l("Nog niet geverifieerd"),
        invalid_choice_message=_bad_choice,
        choices=[
            SelectChoice("display_name", _l("Weergavenaam")),
            SelectChoice("central_municipality", _l("Centrale gemeente")),
            SelectChoice("municipalities", _l("Gemeenten")),
        ],
    )


class ThemeForm(Form):
    slug = StringField(
        _l("Korte naam in de URL (slug)"),
        validators=[
            DataRequired(message=_required),
            Length(max=80, message=_too_long),
            Regexp(SLUG_PATTERN, message=_l("Alleen kleine letters, cijfers en koppeltekens.")),
        ],
    )
    name = StringField(
        _l("Naam"), validators=[DataRequired(message=_required), Length(max=200, message=_too_long)]
    )
    name_en = StringField(_l("Naam (Engels)"), validators=[Optional(), Length(max=200, message=_too_long)])
    description = TextAreaField(_l("Beschrijving"), validators=[Length(max=5000, message=_too_long)])
    description_en = TextAreaField(
        _l("Beschrijving (Engels)"), validators=[Length(max=5000, message=_too_long)]
    )
    action_line = OptionalIntSelect(_l("Actielijn"), validate_choice=True)
    position = IntegerField(
        _l("Volgorde"),
        default=0,
        validators=[Optional(), NumberRange(min=0, max=10000, message=_l("Kies een getal van 0 tot 10000."))],
    )
    verified = BooleanField(_l("Geverifieerd"))
    note = TextAreaField(_l("Notitie (alleen zichtbaar voor beheerders)"), validators=[Length(max=2000)])


class PhaseForm(Form):
    name = StringField(
        _l("Naam"), validators=[DataRequired(message=_required), Length(max=80, message=_too_long)]
    )
    name_en = StringField(_l("Naam (Engels)"), validators=[Optional(), Length(max=80, message=_too_long)])
    guiding_question = TextAreaField(_l("Leidende vraag"), validators=[Length(max=2000, message=_too_long)])
    guiding_question_en = TextAreaField(
        _l("Leidende vraag (Engels)"), validators=[Length(max=2000, message=_too_long)]
    )
    description = TextAreaField(_l("Beschrijving"), validators=[Length(max=5000, message=_too_long)])
    description_en = TextAreaField(
        _l("Beschrijving (Engels)"), validators=[Length(max=5000, message=_too_long)]
    )
    verified = BooleanField(_l("Geverifieerd"))
    source_note = TextAreaField(_l("Bronvermelding"), validators=[Length(max=2000, message=_too_long)])


_year = [Optional(), NumberRange(min=2000, max=2100, message=_l("Kies een jaartal tussen 2000 en 2100."))]


class PlanForm(Form):
    title = StringField(_l("Titel"), validators=[Optional(), Length(max=300, message=_too_long)])
    period_start = IntegerField(_l("Eerste jaar"), validators=_year)
    period_end = IntegerField(_l("Laatste jaar"), validators=_year)
    summary = TextAreaField(_l("Samenvatting"), validators=[Length(max=5000, message=_too_long)])
    url = URLField(
        _l("Link naar het plan"),
        validators=[
            Optional(),
            Length(max=500, message=_too_long),
            URL(require_tld=True, message=_l("Vul een volledige link in, beginnend met https://.")),
        ],
    )
    approved_on = DateField(_l("Goedgekeurd op"), validators=[Optional()])
    action_lines = IntMultipleField(_l("Actielijnen die het plan adresseert"), validate_choice=True)
    verified = BooleanField(_l("Geverifieerd"))

    def validate_period_end(self, field):
        if field.data and self.period_start.data and field.data < self.period_start.data:
            raise ValidationError(_l("Het laatste jaar ligt voor het eerste jaar."))


class AllocationForm(Form):
    basis = SelectField(
        _l("Soort bedrag"),
        choices=[
            SelectChoice("annual", _l("per jaar")),
            SelectChoice("total", _l("totaal over de hele periode")),
        ],
        invalid_choice_message=_bad_choice,
        validators=[DataRequired(message=_required)],
    )
    amount_eur = IntegerField(
        _l("Bedrag in euro's (afgerond)"),
        validators=[
            Optional(),
            NumberRange(min=0, max=10**10, message=_l("Vul een bedrag van 0 of meer in.")),
        ],
    )
    approx_label = StringField(
        _l("Bedrag zoals de bron het noemt"),
        validators=[DataRequired(message=_required), Length(max=120, message=_too_long)],
    )
    note = TextAreaField(_l("Toelichting"), validators=[Length(max=2000, message=_too_long)])
    verified = BooleanField(_l("Geverifieerd"))

"""Forms for practices, cycle moves, results and feedback. Choices come from the database, so a tampered
value is rejected as an invalid choice."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation

from flask_babel import lazy_gettext as _l
from wtforms import DateField, HiddenField, SelectField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, Email, InputRequired, Length, Optional, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from exchange.fields import TextAreaField
from exchange.forms import Form
from exchange.practices.profile_forms import ProfileFields
from exchange.practices.services import LIMITS, MAX_LINKS, MIN_EXPLANATION
from exchange.routing import whole_number

REQUIRED = _l("Dit veld is verplicht.")


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class DutchDecimalField(StringField):
    """A number typed the Dutch way (12,5) or the international way (12.5)."""

    def process_formdata(self, valuelist):
        self.data = None
        self.raw = (valuelist[0] if valuelist else "").strip()
        if not self.raw:
            return
        text = self.raw.replace(" ", "")
        if "," in text:
            text = text.replace(".", "").replace(",", ".")
        try:
            number = Decimal(text)
        except InvalidOperation:
            self.process_errors.append(_l("Vul een getal in, bijvoorbeeld 12,5."))
            return
        if not number.is_finite() or abs(number) >= Decimal("1e10"):
            self.process_errors.append(_l("Vul een getal in, bijvoorbeeld 12,5."))
            return
        self.data = number

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return "" if self.data is None else format(self.data.normalize(), "f").replace(".", ",")


def parse_links(text: str) -> list[tuple[str, str]]:
    """One link per line: 'Title | https://...' or just the URL."""
    links = []
    for line in (text or "").splitlines():
        line = line.strip()
        if not line:
            continue
        title, sep, url = line.rpartition("|")
        if not sep:
            title, url = "", line
        links.append((title.strip(), url.strip()))
    return links


def not_in_future(form, field):
    if field.data and field.data > date.today():
        raise ValidationError(_l("De datum mag niet in de toekomst liggen."))


class PracticeForm(ProfileFields, Form):
    title = StringField(_l("Titel"), validators=[DataRequired(REQUIRED), Length(max=LIMITS["title"])])
    summary = TextAreaField(
        _l("Korte samenvatting"),
        description=_l("Eén of twee zinnen; verschijnt in overzichten en de e-mail met nieuws."),
        validators=[DataRequired(REQUIRED), Length(max=LIMITS["summary"])],
    )
    body = TextAreaField(
        _l("Beschrijving"),
        description=_l(
            "U kunt Markdown gebruiken: **vet**, *cursief*, lijstjes met -, koppen met ##, links als [tekst](https://...)."
        ),
        validators=[Optional(), Length(max=LIMITS["body"])],
    )
    themes = MultiCheckboxField(
        _l("Thema's"), coerce=int, validators=[DataRequired(_l("Kies minstens één thema."))]
    )
    action_lines = MultiCheckboxField(_l("Actielijnen"), coerce=int, validators=[Optional()])
    phase = SelectField(_l("Fase in de ontwikkelcirkel"), coerce=int, validators=[InputRequired(REQUIRED)])
    target_group = StringField(_l("Doelgroep"), validators=[Optional(), Length(max=LIMITS["target_group"])])
    contact_name = StringField(
        _l("Contactpersoon"), validators=[Optional(), Length(max=LIMITS["contact_name"])]
    )
    contact_email = StringField(
        _l("E-mailadres contactpersoon"),
        validators=[
            Optional(),
            Length(max=LIMITS["contact_email"]),
            Email(_l("Vul een geldig e-mailadres in."), check_deliverability=False),
        ],
    )
    period_start = DateField(_l("Startdatum"), validators=[Optional()])
    period_end = DateField(_l("Einddatum"), validators=[Optional()])
    links = TextAreaField(
        _l("Links naar documenten"),
        description=_l("Eén per regel: Titel | https://..."),
        validators=[Optional(), Length(max=MAX_LINKS * 720)],
    )
    revision = HiddenField()

    def validate_period_end(self, field):
        if field.data and self.period_start.data and field.data < self.period_start.data:
            raise ValidationError(_l("Het einde ligt vóór het begin."))

    def validate_links(self, field):
        links = parse_links(field.data)
        if len(links) > MAX_LINKS:
            raise ValidationError(_l("Maximaal %(n)s links.", n=MAX_LINKS))
        for title, url in links:
            if not url.startswith(("https://", "http://")) or " " in url or len(url) > LIMITS["link_url"]:
                raise ValidationError(_l("Deze link is niet geldig: %(url)s", url=url[:80]))
            if len(title) > LIMITS["link_title"]:
                raise ValidationError(_l("Een linktitel is te lang."))

    def validate_revision(self, field):
        if field.data and whole_number(field.data, low=0) is None:
            raise ValidationError(_l("Het formulier is gewijzigd. Laad de pagina opnieuw."))


class NewPracticeForm(PracticeForm):
    """A new practice also says when it started: the date of its first step in the cycle."""

    started_on = DateField(
        _l("Gestart op"),
        description=_l(
            "De datum waarop het praktijkvoorbeeld in deze fase begon; dat mag vóór vandaag liggen, niet "
            "erna. Ligt deze datum vóór de startdatum (of is er geen startdatum), dan wordt dit de startdatum."
        ),
        default=date.today,
        validators=[Optional(), not_in_future],
    )


class MoveForm(Form):
    phase = SelectField(
        _l("Nieuwe fase"),
        description=_l(
            "Voorgesteld is de volgende fase van de cirkel; na de laatste begint de cirkel opnieuw."
        ),
        coerce=int,
        validators=[InputRequired(REQUIRED)],
    )
    explanation = TextAreaField(
        _l("Waarom deze stap?"),
        description=_l("Bijvoorbeeld: 'De pilot is afgerond; we gaan nu meten wat het oplevert.'"),
        validators=[DataRequired(REQUIRED), Length(min=MIN_EXPLANATION, max=LIMITS["explanation"])],
    )
    moved_on = DateField(
        _l("Datum"),
        description=_l(
            "Wanneer de stap gezet is. Dat mag vóór vandaag liggen, ook vóór de registratie op dit platform, "
            "maar niet vóór de vorige stap."
        ),
        validators=[DataRequired(REQUIRED), not_in_future],
    )


class ResultForm(Form):
    indicator = StringField(
        _l("Indicator"),
        description=_l("Wat is gemeten, bijvoorbeeld 'Aantal thuiszitters' of 'Doelrealisatie'."),
        validators=[DataRequired(REQUIRED), Length(max=LIMITS["indicator"])],
    )
    value = DutchDecimalField(_l("Waarde"), validators=[InputRequired(REQUIRED)])
    unit = StringField(
        _l("Eenheid"),
        description=_l("Bijvoorbeeld %, jongeren, dagen."),
        validators=[Optional(), Length(max=LIMITS["unit"])],
    )
    baseline = DutchDecimalField(_l("Nulmeting"), validators=[Optional()])
    target = DutchDecimalField(_l("Streefwaarde"), validators=[Optional()])
    measured_on = DateField(_l("Datum van meting"), validators=[DataRequired(REQUIRED), not_in_future])
    phase = SelectField(_l("Fase"), coerce=int, validators=[InputRequired(REQUIRED)])
    narrative = TextAreaField(
        _l("Wat betekent dit?"), validators=[Optional(), Length(max=LIMITS["narrative"])]
    )


class FeedbackForm(Form):
    body = TextAreaField(
        _l("Bericht"),
        validators=[DataRequired(_l("Schrijf eerst een bericht.")), Length(max=LIMITS["feedback"])],
    )


class RenameSeriesForm(Form):
    series = SelectField(_l("Reeks"), validators=[InputRequired(REQUIRED)])
    new_name = StringField(
        _l("Nieuwe naam"),
        description=_l(
            "Kiest u de naam van een andere reeks van dit praktijkvoorbeeld, dan worden de twee reeksen "
            "samengevoegd tot één reeks."
        ),
        validators=[DataRequired(REQUIRED), Length(max=LIMITS["indicator"])],
    )

"""Forms for subscribing, requesting links and managing a subscription. Services re-check what matters."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import EmailField, HiddenField, RadioField, SelectMultipleField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from exchange.digests.models import Frequency
from exchange.forms import Form
from exchange.i18n import localized
from exchange.mail.addresses import EMAIL_MAX, EmailAddress

FREQUENCY_CHOICES = [
    SelectChoice(Frequency.DAILY.value, _l("Dagelijks")),
    SelectChoice(Frequency.WEEKLY.value, _l("Wekelijks")),
    SelectChoice(Frequency.MONTHLY.value, _l("Maandelijks")),
]


class MultiCheckboxField(SelectMultipleField):
    """Checkboxes for a multiple choice (rendered as a fieldset by the field macro)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def pre_validate(self, form) -> None:
        known = {str(choice.value) for choice in self.choices or []}
        for value in self.data or []:
            if str(value) not in known:
                raise ValidationError(
                    _l("Kies uit de lijst; '%(value)s' bestaat niet.", value=str(value)[:80])
                )


def email_field():
    return EmailField(
        _l("E-mailadres"),
        validators=[
            DataRequired(message=_l("Vul een e-mailadres in.")),
            Length(max=EMAIL_MAX, message=_l("Hoogstens %(max)d tekens.")),
            EmailAddress(),
        ],
        render_kw={"autocomplete": "email", "spellcheck": "false"},
    )


class ChoiceRadioField(RadioField):
    """Radio buttons that refuse an unknown value with a Dutch message."""

    def pre_validate(self, form) -> None:
        if self.data not in {choice.value for choice in self.choices or []}:
            raise ValidationError(_l("Kies een van de mogelijkheden."))


def frequency_field():
    return ChoiceRadioField(
        _l("Hoe vaak?"),
        choices=FREQUENCY_CHOICES,
        default=Frequency.WEEKLY.value,
        validators=[DataRequired(message=_l("Kies hoe vaak u een e-mail wilt."))],
    )


class ChoiceForm(Form):
    """Themes, optional regions and a frequency. `themes`/`regions` carry slugs."""

    themes = MultiCheckboxField(
        _l("Thema's"), validators=[DataRequired(message=_l("Kies ten minste één thema."))]
    )
    regions = MultiCheckboxField(
        _l("Alleen deze regio's (optioneel)"),
        description=_l("Kiest u geen regio, dan krijgt u nieuws uit alle regio's."),
    )
    frequency = frequency_field()
    consent_version = HiddenField()

    def set_choices(self, themes, regions) -> None:
        self.themes.choices = [SelectChoice(t.slug, localized(t, "name")) for t in themes]
        self.regions.choices = [SelectChoice(r.slug, r.display_name) for r in regions]


class LanguageRadioField(RadioField):
    """Nederlands or English; left out (an older form), the page's language is used by the view."""

    def pre_validate(self, form) -> None:
        if self.data not in (None, "") and self.data not in {c.value for c in self.choices or []}:
            raise ValidationError(_l("Kies Nederlands of Engels."))


def language_field():
    return LanguageRadioField(
        _l("Taal van de e-mails"),
        choices=[SelectChoice("nl", _l("Nederlands")), SelectChoice("en", _l("Engels"))],
        validate_choice=False,
    )


class SubscribeForm(ChoiceForm):
    email = email_field()
    language = language_field()


class ManageForm(Form):
    """The manage page: the themes followed (add or remove), their regions and the language of the mails."""

    themes = MultiCheckboxField(
        _l("Thema's die u volgt"), validators=[DataRequired(message=_l("Kies ten minste één thema."))]
    )
    regions = MultiCheckboxField(
        _l("Alleen deze regio's (optioneel)"),
        description=_l("Kiest u geen regio, dan krijgt u nieuws uit alle regio's."),
    )
    language = language_field()
    consent_version = HiddenField()

    set_choices = ChoiceForm.set_choices


class LinkRequestForm(Form):
    email = email_field()

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        # /abonnementen shows this form under the subscribe form: ids on a page must be unique (the field's
        # name stays "email").
        self.email.id = "link-email"


class FrequencyForm(Form):
    frequency = frequency_field()

"""Form fields shared by the forms of several domains."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import SelectField, SelectMultipleField
from wtforms import TextAreaField as _TextAreaField
from wtforms.widgets import CheckboxInput, ListWidget

_bad_choice = _l("Kies een van de mogelijkheden.")


def _int_or_none(value):
    if value in (None, "", "None"):
        return None
    return int(value)


def OptionalIntSelect(label, **kwargs):
    """A select of ids whose empty choice ("") means none."""
    return SelectField(
        label,
        coerce=_int_or_none,
        invalid_value_message=_bad_choice,
        invalid_choice_message=_bad_choice,
        **kwargs,
    )


class MultiCheckboxField(SelectMultipleField):
    """A list of checkboxes (rendered as a fieldset by templates/_macros/forms.html)."""

    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def IntMultipleField(label, **kwargs):
    """Checkboxes holding ids."""
    return MultiCheckboxField(
        label, coerce=int, invalid_value_message=_bad_choice, invalid_choice_message=_bad_choice, **kwargs
    )


class TextAreaField(_TextAreaField):
    """A text area whose line breaks are kept as "\\n".

    Browsers send a textarea's line breaks as CRLF, so without this an unchanged save of text stored with
    "\\n" (imported, seeded, or typed before) would rewrite every line and count as a change.
    """

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        if isinstance(self.data, str):
            self.data = self.data.replace("\r\n", "\n").replace("\r", "\n")

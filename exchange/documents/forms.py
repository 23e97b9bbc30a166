"""Forms for documents: describe one (title, kind, date, language) and, when adding, the file itself."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import DateField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from exchange.documents.models import LANGUAGES, Kind
from exchange.forms import Form

REQUIRED = _l("Dit veld is verplicht.")

KIND_LABELS = {
    Kind.PLAN: _l("Plan"),
    Kind.EVALUATION: _l("Evaluatie"),
    Kind.FACTSHEET: _l("Factsheet"),
    Kind.PRESENTATION: _l("Presentatie"),
    Kind.OTHER: _l("Anders"),
}
# Each language by its own name (as language pickers do), so these are not translated.
LANGUAGE_LABELS = {
    "nl": "Nederlands",
    "en": "English",
    "fy": "Frysk",
    "de": "Deutsch",
    "fr": "Français",
    "tr": "Türkçe",
    "ar": "العربية",
    "pl": "Polski",
}


class DocumentForm(Form):
    title = StringField(
        _l("Titel"),
        validators=[DataRequired(REQUIRED), Length(max=200)],
        description=_l(
            "Bijvoorbeeld ‘Evaluatie 2021’; zo heet het document in de lijst en in zoekresultaten."
        ),
    )
    kind = SelectField(
        _l("Soort"),
        choices=[SelectChoice(kind.value, label) for kind, label in KIND_LABELS.items()],
        validators=[DataRequired(REQUIRED)],
    )
    document_date = DateField(_l("Datum van het document"), validators=[DataRequired(REQUIRED)])
    language = SelectField(
        _l("Taal"), choices=[SelectChoice(code, LANGUAGE_LABELS[code]) for code in LANGUAGES], default="nl"
    )


class UploadForm(DocumentForm):
    file = FileField(
        _l("Bestand"),
        description=_l("PDF, Word (DOCX), ODT, Excel (XLSX), ODS, CSV, PNG of JPEG; hoogstens 20 MB."),
    )

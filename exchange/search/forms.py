"""Forms of the search administration page."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from exchange.forms import Form


class SynonymForm(Form):
    terms = StringField(
        _l("Woorden met dezelfde betekenis"),
        validators=[DataRequired(), Length(max=500)],
        description=_l(
            "Gescheiden door komma's, bijvoorbeeld: jeugdhulp, jeugdzorg. Een woord mag uit meer woorden bestaan. "
            "Met '>' vinden de woorden ervoor ook de smallere woorden erna, iets lager gerangschikt: "
            "jongeren > jongvolwassenen."
        ),
    )
    note = StringField(_l("Toelichting"), validators=[Length(max=200)])

"""The profile part of the practice edit form (issue 17), mixed into forms.PracticeForm."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import FieldList, Form, FormField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional, ValidationError

from exchange.fields import TextAreaField
from exchange.practices.profile import (
    AGE_MAX,
    AGE_MIN,
    EVIDENCE_LEVELS,
    LIMITS,
    MAX_PARTNERS,
    PARTICIPATION_LEVELS,
    PARTNER_KINDS,
    ProfileData,
)

EMPTY_PARTNER_ROWS = 3
_bad_choice = _l("Kies een van de mogelijkheden.")
FUND_CHOICES = {"": _l("Niet ingevuld"), "ja": _l("Ja"), "nee": _l("Nee")}


class WholeNumberField(StringField):
    """A whole number typed in a text box (inputmode numeric): empty is None, anything else a Dutch error."""

    def __init__(self, label=None, validators=None, *, digits: int = 4, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.digits = digits

    def process_formdata(self, valuelist):
        self.data = None
        raw = (valuelist[0] if valuelist else "").strip().replace(".", "").replace(" ", "")
        if not raw:
            return
        # ASCII digits only: str.isdigit() also accepts '²', which int() refuses.
        if not raw.isascii() or not raw.isdigit() or len(raw) > self.digits:
            self.process_errors.append(_l("Vul een geheel getal in, zonder letters of tekens."))
            return
        self.data = int(raw)

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return "" if self.data is None else str(self.data)


def _select(label, choices: dict, empty, **kwargs):
    return SelectField(
        label,
        choices=[SelectChoice("", empty), *(SelectChoice(k, v) for k, v in choices.items())],
        validate_choice=True,
        default="",
        invalid_choice_message=_bad_choice,
        **kwargs,
    )


class PartnerForm(Form):
    """One row of the partners list: a name (with suggestions) and a kind. An empty row is ignored."""

    name = StringField(_l("Naam organisatie"), validators=[Optional(), Length(max=LIMITS["partner_name"])])
    kind = _select(_l("Soort"), PARTNER_KINDS, _l("Kies een soort"))


class ProfileFields:
    """The profile fields of the practice form; `profile_data()` reads them into a ProfileData."""

    age_from = WholeNumberField(
        _l("Leeftijd van"),
        description=_l("In jaren, %(a)s tot en met %(b)s.", a=AGE_MIN, b=AGE_MAX),
        digits=3,
    )
    age_to = WholeNumberField(_l("Leeftijd tot en met"), digits=3)
    partners = FieldList(FormField(PartnerForm), label=_l("Partners"), max_entries=MAX_PARTNERS + 10)
    participation_level = _select(
        _l("Jongerenparticipatie"),
        PARTICIPATION_LEVELS,
        _l("Niet ingevuld"),
        description=_l("Hoe jongeren of ouders betrokken waren, van geïnformeerd tot mede-eigenaar."),
    )
    participation_note = TextAreaField(
        _l("Toelichting op de participatie"),
        validators=[Optional(), Length(max=LIMITS["participation_note"])],
    )
    evidence_level = _select(
        _l("Mate van onderbouwing"),
        EVIDENCE_LEVELS,
        _l("Niet ingevuld"),
        description=_l("Het niveau in het erkenningstraject voor interventies."),
    )
    evidence_url = StringField(
        _l("Link naar de databank"),
        description=_l("De pagina van de interventie in de databank; begint met https://."),
        validators=[Optional(), Length(max=LIMITS["evidence_url"])],
    )
    evidence_year = WholeNumberField(_l("Jaar van beoordeling"), digits=4)
    cost_indication = StringField(
        _l("Kostenindicatie"),
        description=_l("Bijvoorbeeld: € 1.200 per jongere per jaar."),
        validators=[Optional(), Length(max=LIMITS["cost_indication"])],
    )
    fund_used = _select(
        _l("Geld uit het Transformatiefonds?"),
        {"ja": FUND_CHOICES["ja"], "nee": FUND_CHOICES["nee"]},
        FUND_CHOICES[""],
    )
    fund_amount_eur = WholeNumberField(
        _l("Bedrag uit het Transformatiefonds (euro)"),
        description=_l("Niet meer dan de toekenning van de regio."),
        digits=10,
    )

    def validate_age_from(self, field):
        if field.data is not None and not AGE_MIN <= field.data <= AGE_MAX:
            raise ValidationError(
                _l("Vul een leeftijd van %(a)s tot en met %(b)s jaar in.", a=AGE_MIN, b=AGE_MAX)
            )

    def validate_age_to(self, field):
        if field.data is not None and not AGE_MIN <= field.data <= AGE_MAX:
            raise ValidationError(
                _l("Vul een leeftijd van %(a)s tot en met %(b)s jaar in.", a=AGE_MIN, b=AGE_MAX)
            )
        low = self.age_from.data
        if field.data is not None and low is not None and AGE_MIN <= low <= AGE_MAX and field.data < low:
            raise ValidationError(_l("De leeftijd 'tot' ligt onder de leeftijd 'van'."))

    def validate_evidence_url(self, field):
        url = (field.data or "").strip()
        if url and (not url.startswith("https://") or len(url) <= 8 or any(c.isspace() for c in url)):
            raise ValidationError(_l("De link naar de databank moet beginnen met https:// (zonder spaties)."))

    def validate_partners(self, field):
        rows = [(e.form.name.data or "", e.form.kind.data or "") for e in field.entries]
        filled = [(n, k) for n, k in rows if n.strip()]
        if len(filled) > MAX_PARTNERS:
            raise ValidationError(_l("Maximaal %(n)s partners.", n=MAX_PARTNERS))
        if any(not k for _, k in filled):
            raise ValidationError(_l("Kies voor elke partner een soort organisatie."))
        if any(k and not n.strip() for n, k in rows):
            raise ValidationError(_l("Vul de naam in van elke partner waarvan u de soort koos."))

    def fill_profile(self, practice) -> None:
        """Fill the profile fields from a stored practice (GET), with empty partner rows to add more."""
        for name in ("age_from", "age_to", "evidence_year", "fund_amount_eur"):
            getattr(self, name).data = getattr(practice, name)
        for name in ("participation_level", "evidence_level"):
            getattr(self, name).data = getattr(practice, name) or ""
        for name in ("participation_note", "evidence_url", "cost_indication"):
            getattr(self, name).data = getattr(practice, name) or ""
        self.fund_used.data = {None: "", True: "ja", False: "nee"}[practice.fund_used]
        self.set_partner_rows([(o.name, o.kind) for o in practice.partners])

    def set_partner_rows(self, partners: list[tuple[str, str]]) -> None:
        while self.partners.entries:
            self.partners.pop_entry()
        for name, kind in [*partners, *[("", "")] * EMPTY_PARTNER_ROWS]:
            self.partners.append_entry({"name": name, "kind": kind})

    def profile_data(self) -> ProfileData:
        partners = [
            (e.form.name.data or "", e.form.kind.data or "")
            for e in self.partners.entries
            if (e.form.name.data or "").strip()
        ]
        return ProfileData(
            age_from=self.age_from.data,
            age_to=self.age_to.data,
            partners=partners,
            participation_level=self.participation_level.data or None,
            participation_note=self.participation_note.data or "",
            evidence_level=self.evidence_level.data or None,
            evidence_url=(self.evidence_url.data or "").strip(),
            evidence_year=self.evidence_year.data,
            cost_indication=self.cost_indication.data or "",
            fund_used={"ja": True, "nee": False}.get(self.fund_used.data or ""),
            fund_amount_eur=self.fund_amount_eur.data,
        )

"""The data dictionary: every column of the dump's CSV files (and the keys of results.json), in one place.

`datapackage.json` (Frictionless Data Package) and `README.md` in the dump are generated from these
definitions, and the CSV writers take their column order from them, so the dictionary cannot drift.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # Frictionless table-schema type: string, integer, number, boolean, date, datetime
    nl: str
    en: str
    required: bool = True


@dataclass(frozen=True)
class Table:
    name: str  # resource name; files are <name>.csv
    title: str
    nl: str
    en: str
    columns: tuple[Column, ...]
    primary_key: tuple[str, ...] = ()


LIST_SEPARATOR = ";"

# The practice profile (issue 17); its partners are in partners.csv.
PROFILE_COLUMNS = (
    Column(
        "age_from", "integer", "Doelgroep: leeftijd vanaf (jaren, 0-99).", "Target age from (years).", False
    ),
    Column(
        "age_to",
        "integer",
        "Doelgroep: leeftijd tot en met (jaren, 0-99).",
        "Target age to, inclusive.",
        False,
    ),
    Column(
        "participation_level",
        "string",
        "Jongerenparticipatie: geinformeerd, geraadpleegd, adviseur, coproducent of mede-eigenaar.",
        "Youth participation, from informed (geinformeerd) to co-owner (mede-eigenaar).",
        False,
    ),
    Column(
        "participation_note", "string", "Toelichting op de participatie.", "About the participation.", False
    ),
    Column(
        "evidence_level",
        "string",
        "Mate van onderbouwing (erkenningstraject interventies): niet-beoordeeld, goed-beschreven, "
        "goed-onderbouwd, eerste-aanwijzingen, goede-aanwijzingen of sterke-aanwijzingen (effectief volgens ...).",
        "Evidence level in the Dutch recognition system for interventions (same values).",
        False,
    ),
    Column("evidence_url", "string", "Link naar de databank (https).", "Link to the databank entry.", False),
    Column("evidence_year", "integer", "Jaar van de beoordeling.", "Year of the assessment.", False),
    Column(
        "cost_indication", "string", "Kostenindicatie (vrije tekst).", "Cost indication (free text).", False
    ),
    Column(
        "fund_used",
        "boolean",
        "Ging er geld uit het Transformatiefonds in; leeg als niet ingevuld.",
        "Whether Transformatiefonds money went into it; empty when not said.",
        False,
    ),
    Column(
        "fund_amount_eur",
        "integer",
        "Bedrag uit het Transformatiefonds (euro), hoogstens de toekenning van de regio.",
        "Amount from the Transformatiefonds (euros), at most the region's allocation.",
        False,
    ),
)

PRACTICES = Table(
    "practices",
    "Praktijkvoorbeelden / Practices",
    "Eén rij per gepubliceerd praktijkvoorbeeld.",
    "One row per published practice.",
    (
        Column(
            "id",
            "integer",
            "Id op Jeugdkennis (ook in de API en in /praktijken/<id>).",
            "Id on Jeugdkennis (also in the API and /praktijken/<id>).",
        ),
        Column(
            "external_id",
            "string",
            "Id in het uitwisselformaat: het externe id, of jeugdkennis:<id>.",
            "Id in the exchange format: the external id, or jeugdkennis:<id>.",
        ),
        Column("title", "string", "Titel.", "Title."),
        Column("summary", "string", "Korte samenvatting.", "Short summary."),
        Column(
            "body",
            "string",
            "Beschrijving in Markdown (kan regeleinden bevatten).",
            "Description in Markdown (may contain line breaks).",
            required=False,
        ),
        Column(
            "region_code",
            "string",
            "CBS-code van de jeugdzorgregio (JZ01-JZ42).",
            "CBS code of the youth-care region.",
        ),
        Column("region_slug", "string", "Slug van de regio (zoals in /regios/<slug>).", "Region slug."),
        Column("region_name", "string", "Naam van de regio.", "Region name."),
        Column(
            "themes",
            "string",
            f"Slugs van de thema's, gescheiden door '{LIST_SEPARATOR}'.",
            f"Theme slugs separated by '{LIST_SEPARATOR}'.",
        ),
        Column(
            "action_lines",
            "string",
            f"Nummers van de actielijnen, gescheiden door '{LIST_SEPARATOR}'.",
            f"Action line numbers separated by '{LIST_SEPARATOR}'.",
            required=False,
        ),
        Column(
            "phase", "string", "Huidige fase van de ontwikkelcirkel (slug).", "Current cycle phase (slug)."
        ),
        Column("phase_name", "string", "Naam van die fase.", "Name of that phase."),
        Column("target_group", "string", "Doelgroep.", "Target group.", required=False),
        Column(
            "contact_name",
            "string",
            "Contactpersoon zoals op de pagina.",
            "Contact person as on the page.",
            required=False,
        ),
        Column(
            "contact_email",
            "string",
            "E-mailadres van de contactpersoon zoals op de pagina.",
            "Contact address as on the page.",
            required=False,
        ),
        Column(
            "period_start",
            "date",
            "Begin van de looptijd (JJJJ-MM-DD).",
            "Start of the period.",
            required=False,
        ),
        Column(
            "period_end", "date", "Einde van de looptijd (JJJJ-MM-DD).", "End of the period.", required=False
        ),
        *PROFILE_COLUMNS,
        Column(
            "published_at",
            "datetime",
            "Gepubliceerd op (UTC, ISO 8601).",
            "Published at (UTC).",
            required=False,
        ),
        Column("updated_at", "datetime", "Laatst bijgewerkt (UTC, ISO 8601).", "Last updated (UTC)."),
        Column("result_count", "integer", "Aantal resultaten (zie results.csv).", "Number of results."),
        Column(
            "is_demo",
            "boolean",
            "true voor fictieve demonstratie-inhoud.",
            "true for fictitious demo content.",
        ),
        Column("url", "string", "Adres van de pagina.", "URL of the page."),
        Column("api_url", "string", "Adres in de API.", "URL in the API."),
    ),
    primary_key=("id",),
)

RESULTS = Table(
    "results",
    "Resultaten / Results",
    "Eén rij per resultaat (meting) van een gepubliceerd praktijkvoorbeeld.",
    "One row per result (measurement) of a published practice.",
    (
        Column("id", "integer", "Id van het resultaat.", "Result id."),
        Column("practice_id", "integer", "Id van het praktijkvoorbeeld (practices.csv).", "Practice id."),
        Column(
            "practice_external_id",
            "string",
            "external_id van het praktijkvoorbeeld.",
            "Practice external_id.",
        ),
        Column("practice_title", "string", "Titel van het praktijkvoorbeeld.", "Practice title."),
        Column("region_code", "string", "CBS-code van de regio.", "Region CBS code."),
        Column(
            "indicator",
            "string",
            "Wat er gemeten is; één indicator door de tijd vormt een reeks.",
            "What was measured; one indicator over time forms a series.",
        ),
        Column("value", "number", "Gemeten waarde (decimale punt).", "Measured value (decimal point)."),
        Column("unit", "string", "Eenheid, bijvoorbeeld % of aantal.", "Unit.", required=False),
        Column("baseline", "number", "Nulmeting, als bekend.", "Baseline, if known.", required=False),
        Column("target", "number", "Streefwaarde, als bekend.", "Target, if known.", required=False),
        Column("measured_on", "date", "Datum van de meting.", "Date of measurement."),
        Column("phase", "string", "Fase waarin gemeten is (slug).", "Phase in which it was measured (slug)."),
        Column("narrative", "string", "Toelichting.", "Explanation.", required=False),
        Column(
            "recorded_at", "datetime", "Vastgelegd op Jeugdkennis (UTC).", "Recorded on Jeugdkennis (UTC)."
        ),
        Column(
            "url",
            "string",
            "Pagina van het praktijkvoorbeeld, bij de resultaten.",
            "Page of the practice, at its results.",
        ),
    ),
    primary_key=("id",),
)

CYCLE_STEPS = Table(
    "cycle_steps",
    "Stappen door de ontwikkelcirkel / Cycle steps",
    "Eén rij per stap van een gepubliceerd praktijkvoorbeeld naar een fase, oudste eerst.",
    "One row per move of a published practice to a phase, oldest first.",
    (
        Column("practice_id", "integer", "Id van het praktijkvoorbeeld.", "Practice id."),
        Column(
            "from_phase",
            "string",
            "Fase ervoor (slug); leeg bij de eerste stap.",
            "Previous phase (slug); empty for the first step.",
            required=False,
        ),
        Column("to_phase", "string", "Nieuwe fase (slug).", "New phase (slug)."),
        Column("moved_on", "date", "Datum van de stap.", "Date of the move."),
        Column("explanation", "string", "Waarom.", "Why."),
    ),
)

PARTNERS = Table(
    "partners",
    "Partners / Partners",
    "Eén rij per partnerorganisatie van een gepubliceerd praktijkvoorbeeld, in de volgorde van de pagina.",
    "One row per partner organisation of a published practice, in page order.",
    (
        Column("practice_id", "integer", "Id van het praktijkvoorbeeld.", "Practice id."),
        Column("position", "integer", "Volgorde (vanaf 0).", "Order (from 0)."),
        Column(
            "organisation_id",
            "integer",
            "Id van de organisatie (gedeeld tussen praktijken).",
            "Organisation id.",
        ),
        Column("name", "string", "Naam van de organisatie.", "Organisation name."),
        Column(
            "kind",
            "string",
            "Soort: gemeente, aanbieder, school, huisartsenpraktijk, jeugdzorgregio, jongerenorganisatie of anders.",
            "Kind: municipality, provider, school, GP practice, youth-care region, young people's organisation, other.",
        ),
    ),
    primary_key=("practice_id", "organisation_id"),
)

DOCUMENTS = Table(
    "documents",
    "Documenten / Documents",
    "Eén rij per document bij een gepubliceerd praktijkvoorbeeld; het bestand staat in de map documents/.",
    "One row per document of a published practice; the file is in the folder documents/.",
    (
        Column("practice_id", "integer", "Id van het praktijkvoorbeeld.", "Practice id."),
        Column("title", "string", "Titel van het document.", "Document title."),
        Column(
            "kind",
            "string",
            "Soort: plan, evaluatie, factsheet, presentatie of anders.",
            "Kind: plan, evaluation, factsheet, presentation or other.",
        ),
        Column("date", "date", "Datum van het document.", "Date of the document."),
        Column("language", "string", "Taal (ISO 639-1).", "Language (ISO 639-1)."),
        Column("filename", "string", "Oorspronkelijke bestandsnaam.", "Original file name."),
        Column("media_type", "string", "Bestandstype (MIME).", "Media type."),
        Column("size", "integer", "Grootte in bytes.", "Size in bytes."),
        Column("sha256", "string", "SHA-256-controlegetal van het bestand.", "SHA-256 checksum of the file."),
        Column("file", "string", "Het bestand in deze dump.", "The file in this dump."),
    ),
)

TABLES = (PRACTICES, RESULTS, CYCLE_STEPS, PARTNERS, DOCUMENTS)

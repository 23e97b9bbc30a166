"""schemathesis against the app in-process (WSGI): every GET operation of the OpenAPI document, fuzzed with valid
(positive) and invalid (negative) input, must never give a server error or an answer that breaks the document.

Bounded for the normal suite and CI: FUZZ_MAX_EXAMPLES examples per operation and mode (default 25), a per-
request deadline and derandomized generation (the same cases every run). docs/api.md says how to run it
longer with random cases. Runs with the rest of the suite; `pytest -m fuzz` runs only this.
"""

from __future__ import annotations

import os
import time
from datetime import timedelta

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import positive_data_acceptance

from exchange.api.openapi.paths import OPERATIONS
from tests.world.public import build_world

MAX_EXAMPLES = int(os.environ.get("FUZZ_MAX_EXAMPLES", "25"))
DEADLINE = timedelta(milliseconds=int(os.environ.get("FUZZ_DEADLINE_MS", "5000")))
RANDOM = os.environ.get("FUZZ_RANDOM", "") not in ("", "0")
# The whole run must stay well under two minutes on a CI machine with the default bound.
BUDGET_SECONDS = float(os.environ.get("FUZZ_BUDGET_SECONDS", "100"))

pytestmark = pytest.mark.fuzz


def valid_input_is_accepted(ctx, response, case):
    """positive_data_acceptance, except the one refusal the document announces for valid-looking input: a page
    number past the last page (the last page depends on the data, so the schema cannot bound it)."""
    meta = case.meta
    if meta is None or not meta.generation.mode.is_positive or response.status_code != 400:
        return
    error = (response.json() or {}).get("error", {})
    problems = error.get("details", {}).get("parameters", {})
    past_last_page = set(problems) == {"page"} and problems["page"]["en"].startswith("out of range")
    assert past_last_page, f"Valid input refused with 400: {error}"
    return


@pytest.fixture
def fuzz_app(app, reference, make_user):
    """The app with published, draft and archived practices, a theme contact, and no rate limit in the way."""
    build_world(reference)
    make_user("functionary", themes=["onderwijs-zorg"], name="Fleur Functionaris")
    app.config["API_RATE_LIMIT"] = "1000000 per minute"
    return app


def test_the_api_survives_the_fuzzer(fuzz_app):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", fuzz_app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert {op.method.upper() for op in operations} == {"GET"}
    # schemathesis leaves out the operation that serves the document itself (it has just read it).
    labels = {op.label for op in operations}
    assert labels == {f"GET {op.path}" for op in OPERATIONS if op.path != "/openapi.json"}
    started = time.monotonic()
    failures: list[str] = []
    runs = 0

    for operation in operations:
        modes = [GenerationMode.POSITIVE]
        if operation.query or operation.path_parameters:
            modes.append(GenerationMode.NEGATIVE)
        for mode in modes:

            @settings(
                max_examples=MAX_EXAMPLES,
                deadline=DEADLINE,
                derandomize=not RANDOM,
                database=None,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=list(HealthCheck),
            )
            @given(case=operation.as_strategy(generation_mode=mode))
            def fuzz(case):
                nonlocal runs
                runs += 1
                response = case.call()
                case.validate_response(
                    response,
                    excluded_checks=[positive_data_acceptance],
                    additional_checks=[valid_input_is_accepted],
                )

            try:
                fuzz()
            except Exception as error:  # noqa: BLE001 - every operation is tried; all failures are reported together
                failures.append(f"{operation.label} ({mode.value}):\n{error}")

    elapsed = time.monotonic() - started
    assert not failures, "\n\n".join(failures)
    assert runs >= len(operations), f"only {runs} cases generated"
    assert elapsed < BUDGET_SECONDS, f"fuzzing took {elapsed:.0f} s for {runs} cases"

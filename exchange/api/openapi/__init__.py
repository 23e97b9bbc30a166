"""The OpenAPI 3.1 document of the JSON API (/api/v1/openapi.json) and the API page generated from it (/api).

The document is built in Python, one concern per module:

- `parameters`: the query parameters of every endpoint (`PARAMETERS`, also used to refuse undocumented
  parameters) and the allowed values read from the reference tables at request time (`reference_enums`);
- `schemas`: the component schemas, one closed object per answer;
- `paths`: the operations (`OPERATIONS`) with their parameters, headers and error responses;
- `document`: the whole document around them (`build_document`, `current_document`);
- `views`: the two routes, JSON and the human-readable page.

Tests validate the document, check that every /api/v1 route is in it, and let schemathesis compare real
answers with it (tests/api/test_openapi.py, tests/api/test_schemathesis.py).
"""

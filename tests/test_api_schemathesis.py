"""Schemathesis fuzzes every operation of the served OpenAPI 3.1 document: no server errors, and
responses match the document (status codes, content types, schemas)."""

from __future__ import annotations

import os

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.adminkit import POSTGRES_ONLY, claim_codes_for, quick_member, review_invoice
from tests.claimkit import code, new_batch
from tests.test_api import token_for

EXAMPLES_PER_OPERATION = int(os.environ.get("INAAM_SCHEMATHESIS_EXAMPLES", "15"))
"""Per operation; set INAAM_SCHEMATHESIS_EXAMPLES=500 for a long run."""
CALLS: list[str] = []


def _campaign_and_handoff(app, member_id: int) -> None:
    """A draft campaign and an open handoff (ids 1), so their operations meet real objects too."""
    from sqlalchemy import select

    from campaigns.audience import Filters
    from campaigns.service import create_campaign
    from handoff.service import open_handoff
    from storage.db import sessions
    from storage.models import Contact

    with sessions(app).begin() as db:
        create_campaign(db, name="Masons in Lucknow", filters=Filters(cities=["Lucknow"]),
                        program=app.config["PROGRAM"], templates=app.config["TEMPLATES"], template="campaign_offer",
                        variables={"offer": "Double points"})
        open_handoff(db, db.scalar(select(Contact).where(Contact.member_id == member_id)), reason="dispute",
                     claim_ref="C1")


@POSTGRES_ONLY
def test_api_conforms_to_its_openapi_document(app, user) -> None:
    mid = quick_member(app, user.phone)
    batch = new_batch(app, points=10, regions=["9"])
    claim_codes_for(app, mid, [code(app, batch, 1)])
    review_invoice(app, mid)
    _campaign_and_handoff(app, mid)
    headers = {"Authorization": f"Bearer {token_for(app, ['read', 'write'])}"}
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    checks = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 30
    failures: list[str] = []
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, database=None, derandomize=True,
                  suppress_health_check=list(HealthCheck))
        def run(case: schemathesis.Case) -> None:
            CALLS.append(case.method)
            case.headers = {**(case.headers or {}), **headers}
            case.call_and_validate(checks=checks)

        try:
            run()
        except Exception as exc:  # collect every operation's failure, then report them together
            failures.append(f"{operation.label}: {exc}")
    assert not failures, "\n\n".join(failures)
    assert len(CALLS) > 100, CALLS

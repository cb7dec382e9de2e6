"""The client requirement catalogue, and its checks and the evaluation as pure functions of journal entries (no
server): each entry here is made by the journal's own redaction of a request."""

from __future__ import annotations

import base64
import json
import re
from datetime import datetime
from typing import Any

import jwt
from support import REPO, fixture, paytronix_headers, vip_token

from balancekit.requirements import Level
from mockserver import APIS
from mockserver.client_verdict.catalogue import ClientRequirement
from mockserver.client_verdict.evaluation import MAX_FINDINGS, evaluate
from mockserver.client_verdict.selection import Selection
from mockserver.journal.facts import RequestFacts

SEEDS = REPO / "specs" / "seeds"
PREFIXES = {"vip-connect": "CLIENT-VIP-", "paytronix": "CLIENT-PTX-", "valkyrie": "CLIENT-VALK-"}
SEED_SOURCE = re.compile(r'(?P<seed>\d{3}_[0-9a-f]{16}\.txt): "(?P<quote>.+)"', re.DOTALL)
FACTS = RequestFacts(frozenset().union(*(api.identity_fields for api in APIS)))
TIME = "2026-12-01T12:00:00.000000Z"
EPOCH = datetime.fromisoformat(TIME).timestamp()
VALK = fixture("valkyrie")


def entry(
    api: str,
    operation: str | None,
    *,
    method: str = "POST",
    headers: dict[str, str] | None = None,
    body: Any = None,
    query: str = "",
    **fields: Any,
) -> dict[str, Any]:
    """A journal entry as the journal writes it, for a request with these parts."""
    raw_headers = [(name.lower().encode(), value.encode("latin-1")) for name, value in (headers or {}).items()]
    raw_body = json.dumps(body).encode() if body is not None else b""
    request = FACTS(method, f"/{api}/x", query.encode(), raw_headers, raw_body)
    recorded = {"seq": 1, "time": TIME, "api": api, "operation": operation, "case": None, "forced": False}
    recorded.update(documented_case=None, fault=None, status=200, correlation_id=None, conformed=True)
    recorded.update(validation_errors=[], error_kind=None, request=request, worker=1)
    recorded.update(fields)
    return recorded


def requirement_of(requirement_id: str) -> ClientRequirement:
    return next(item for api in APIS for item in api.client_requirements if item.requirement.id == requirement_id)


def judged(requirement_id: str, recorded: dict[str, Any]) -> list[str] | None:
    # Through JSON and back, as the admin API hands entries over.
    return requirement_of(requirement_id).check(json.loads(json.dumps(recorded)))


def collapse(text: str) -> str:
    return " ".join(text.split())


def all_requirements() -> list[ClientRequirement]:
    return [item for api in APIS for item in api.client_requirements]


def test_each_client_requirement_has_a_unique_id_of_its_api_and_a_source_of_its_level() -> None:
    ids = [item.requirement.id for item in all_requirements()]
    assert len(ids) == len(set(ids))
    for api in APIS:
        for item in api.client_requirements:
            requirement = item.requirement
            assert requirement.api == api.name and requirement.id.startswith(PREFIXES[api.name]), requirement
            quoted = SEED_SOURCE.fullmatch(requirement.source)
            if requirement.level is Level.MUST:
                # A MUST quotes its API's seed, word for word.
                assert quoted, requirement
                assert collapse(quoted["quote"]) in collapse((SEEDS / quoted["seed"]).read_text(encoding="utf-8"))
            else:
                assert not quoted and requirement.source.startswith(("https://", "decision: ")), requirement


def test_the_readme_lists_the_client_catalogue_as_the_code_has_it() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    table = "\n".join(
        ["| Id | Level | What the client must do | Source |", "|---|---|---|---|"]
        + [
            f"| `{item.requirement.id}` | {item.requirement.level.value} | {item.requirement.title} | "
            f"{_source_cell(item.requirement.source)} |"
            for item in all_requirements()
        ]
    )
    assert table in readme, f"README.md's client catalogue should read:\n{table}"


def _source_cell(source: str) -> str:
    quoted = SEED_SOURCE.fullmatch(source)
    if quoted:
        return f'seed `{quoted["seed"]}`: "{quoted["quote"]}"'
    return source


# Each check on the entries that hold it and on those that break it.
GOOD_JWT = {"Authorization": f"Bearer {vip_token()}"}


def _token(**claims: Any) -> dict[str, str]:
    return {"Authorization": f"Bearer {vip_token(**claims)}"}


def test_the_vip_jwt_checks_read_the_journaled_header_and_claims() -> None:
    lookup = {"VipAccountNumber": "7210988860"}
    good = entry("vip-connect", "accountLookup", headers=GOOD_JWT, body=lookup)
    for requirement_id in ("CLIENT-VIP-JWT", "CLIENT-VIP-JWT-HS256", "CLIENT-VIP-JWT-ISS", "CLIENT-VIP-JWT-AUD",
                           "CLIENT-VIP-JWT-EXP", "CLIENT-VIP-JWT-NOT-EXPIRED", "CLIENT-VIP-ONE-FORM"):  # fmt: skip
        assert judged(requirement_id, good) == [], requirement_id
    assert judged("CLIENT-VIP-JWT", entry("vip-connect", "accountLookup")) == ["no Authorization header"]
    assert judged("CLIENT-VIP-JWT", entry("vip-connect", None, headers={"Authorization": "Bearer opaque"})) == [
        "the bearer token is not a JWT (header.claims.signature)"
    ]
    hs512 = jwt.encode({"iss": "x", "aud": "vip-api", "exp": EPOCH + 60}, b"k" * 64, algorithm="HS512")
    assert judged("CLIENT-VIP-JWT-HS256", entry("vip-connect", None, headers={"Authorization": f"Bearer {hs512}"}))
    assert judged("CLIENT-VIP-JWT-ISS", entry("vip-connect", None, headers=_token(iss=None)))
    assert judged("CLIENT-VIP-JWT-AUD", entry("vip-connect", None, headers=_token(aud="vip-api-prod")))
    assert judged("CLIENT-VIP-JWT-AUD", entry("vip-connect", None, headers=_token(aud=["other", "vip-api-qa"]))) == []
    assert judged("CLIENT-VIP-JWT-EXP", entry("vip-connect", None, headers=_token(exp=None)))
    # Not expired at the time of the request: the entry's time, not the evaluation's.
    at_the_second = entry("vip-connect", None, headers=_token(exp=int(EPOCH)))
    assert judged("CLIENT-VIP-JWT-NOT-EXPIRED", at_the_second)
    assert judged("CLIENT-VIP-JWT-NOT-EXPIRED", {**at_the_second, "time": "2026-12-01T11:59:59.000000Z"}) == []
    # Without a JWT the claim checks do not apply; the JWT requirement alone reports it.
    assert judged("CLIENT-VIP-JWT-EXP", entry("vip-connect", None)) is None


def test_a_hostile_exp_claim_is_judged_without_failing() -> None:
    header = base64.urlsafe_b64encode(b'{"alg":"HS256"}').rstrip(b"=").decode()
    claims = base64.urlsafe_b64encode(b'{"exp":-1' + b"0" * 400 + b"}").rstrip(b"=").decode()
    hostile = entry("vip-connect", None, headers={"Authorization": f"Bearer {header}.{claims}.sig"})
    assert judged("CLIENT-VIP-JWT-NOT-EXPIRED", hostile)


def test_a_finding_quotes_a_long_claim_cut() -> None:
    long_list = _token(aud=[f"aud-{n}" for n in range(99)])
    problems = judged("CLIENT-VIP-JWT-AUD", entry("vip-connect", None, headers=long_list))
    assert problems and problems[0].startswith("the JWT's aud is ['aud-0', ") and "..., not 'vip-api'" in problems[0]
    assert len(problems[0]) < 140


def test_the_vip_lookup_form_check() -> None:
    both = {"VipAccountNumber": "7210988860", "IdType": "SS", "IdNumber": "543083512"}
    assert judged("CLIENT-VIP-ONE-FORM", entry("vip-connect", "accountLookup", body=both)) == [
        "the body sends both VipAccountNumber and ID details (IdType, IdNumber)"
    ]
    assert judged("CLIENT-VIP-ONE-FORM", entry("vip-connect", "accountLookup", body={"ProductType": "online"}))
    # A body the journal could not keep says nothing either way.
    omitted = entry("vip-connect", "accountLookup")
    omitted["request"]["body"] = {"omitted": "the entry would be over 16384 bytes"}
    assert judged("CLIENT-VIP-ONE-FORM", omitted) is None


def test_the_paytronix_checks() -> None:
    oauth = {"authentication": "oauth", "merchantId": 777777, "access_token": "t" * 40}
    post = entry("paytronix", "postAccountInformation", headers=paytronix_headers(), body=oauth)
    for requirement_id in ("CLIENT-PTX-BASIC", "CLIENT-PTX-AUTH-TYPE", "CLIENT-PTX-STYLE-FIELDS"):
        assert judged(requirement_id, post) == [], requirement_id
    assert judged("CLIENT-PTX-GUEST-NOT-GET", post) is None
    bearer = entry("paytronix", "postAccountInformation", headers={"Authorization": "Bearer x"}, body=oauth)
    assert judged("CLIENT-PTX-BASIC", bearer) == ["the Authorization scheme is 'bearer', not Basic"]
    guest_get = entry(
        "paytronix", "getAccountInformation", method="GET", headers=paytronix_headers(),
        query="authentication=guest&merchantId=777777&username=GuestREST&password=p",
    )  # fmt: skip
    assert judged("CLIENT-PTX-GUEST-NOT-GET", guest_get) == ["the guest password is sent in the GET query string"]
    assert judged("CLIENT-PTX-STYLE-FIELDS", guest_get) == []
    assert guest_get["request"]["query"]["password"]["withheld"] is True
    card = entry("paytronix", "postAccountInformation", body={"authentication": "card", "merchantId": 1})
    assert judged("CLIENT-PTX-STYLE-FIELDS", card) == [
        "card authentication without printedCardNumber, registrationCode"
    ]
    assert judged("CLIENT-PTX-AUTH-TYPE", entry("paytronix", "postAccountInformation", body={"authentication": "B2B"}))


def test_the_valkyrie_checks() -> None:
    headers = {
        "Authorization": f"Bearer {VALK['api_token']}",
        "X-Player-Token": VALK["sessions"]["active"]["token"],
        "X-Correlation-ID": "run-1",
    }
    good = entry("valkyrie", "getBalance", method="GET", headers=headers, query="provider=evolution")
    for requirement in (item for item in all_requirements() if item.requirement.api == "valkyrie"):
        assert requirement.check(good) == [], requirement.requirement.id
    short = entry("valkyrie", "getBalance", method="GET", headers={**headers, "X-Player-Token": "x" * 41})
    assert judged("CLIENT-VALK-PLAYER-TOKEN", short) == ["the X-Player-Token is 41 characters long, not 32 to 40"]
    assert judged("CLIENT-VALK-PROVIDER", short) == ["no provider query parameter"]
    assert judged("CLIENT-VALK-CORRELATION-ID", entry("valkyrie", "getBalance", method="GET"))
    # A request to a path the API does not serve is judged only by its conformance to the spec.
    stray = entry("valkyrie", None, conformed=False, validation_errors=["No operation is served at this path."])
    assert [item.check(stray) for item in all_requirements() if item.requirement.api == "valkyrie"] == [
        None, None, None, None, ["No operation is served at this path."]
    ]  # fmt: skip


def _valkyrie(**fields: Any) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {VALK['api_token']}", "X-Player-Token": "t" * 40, "X-Correlation-ID": "c"}
    return entry("valkyrie", "getBalance", method="GET", headers=headers, query="provider=evolution", **fields)


def test_the_verdict_counts_musts_required_cases_and_shoulds_when_strict() -> None:
    valkyrie = [api for api in APIS if api.name == "valkyrie"]

    def verdict(entries: list[dict[str, Any]], **options: Any) -> dict[str, Any]:
        report = evaluate(entries, valkyrie, Selection(**options), generated=TIME, journal={})
        return dict(report["verdict"])

    ok = _valkyrie(documented_case="ok")
    assert verdict([ok], require="valkyrie:ok")["exit_code"] == 0
    assert verdict([ok])["exit_code"] == 1  # the default requires every case the seed lists
    assert verdict([], require="none")["exit_code"] == 2
    no_correlation = _valkyrie(documented_case="ok")
    del no_correlation["request"]["headers"]["x-correlation-id"]
    assert verdict([no_correlation], require="none")["must_broken"] == 1
    basic = _valkyrie()
    basic["request"]["credentials"] = {"scheme": "basic", "user": "u", "password_length": 3}
    assert verdict([basic], require="none")["exit_code"] == 0
    assert verdict([basic], require="none", strict=True)["exit_code"] == 1


def test_findings_are_bounded_and_counted() -> None:
    entries = [_valkyrie(conformed=False, validation_errors=[f"problem {n}"]) for n in range(MAX_FINDINGS + 5)]
    report = evaluate(entries, APIS, Selection(require="none"), generated=TIME, journal={})
    conforms = next(result for result in report["requirements"] if result["id"] == "CLIENT-VALK-CONFORMS")
    assert (conforms["requests_broken"], len(conforms["findings"])) == (MAX_FINDINGS + 5, MAX_FINDINGS)
    assert report["selection"]["apis"] == ["valkyrie"]


def test_entries_of_an_api_the_sandbox_does_not_serve_are_left_out() -> None:
    report = evaluate([{"api": "elsewhere", "time": TIME}], APIS, Selection(), generated=TIME, journal={})
    assert (report["requests"], report["apis"], report["verdict"]["exit_code"]) == (0, [], 2)

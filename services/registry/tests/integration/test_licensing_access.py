"""Who may read and write licences, contracts and certificates: the whole matrix.

The bureau writes; supervisors (government systems, inspection agencies) read everything; a
maintenance company reads its own licence, the contracts it holds and its workers'
certificates; a filling station its own licence and its fillers' certificates; a use unit none
of them (403). Another organisation's record answers 404, like a missing one.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass

import httpx
import pytest

import licensing_factories as make
from tzsb_common.auth import CallerKind
from tzsb_common.testing import TokenFactory


@dataclass
class World:
    company: str
    other_company: str
    station: str
    paths: dict[str, str]
    """Record name → its path: licence_a/b/s, contract_a/b, certificate_a/b/s."""


@pytest.fixture
async def world(client: httpx.AsyncClient, tokens: TokenFactory) -> World:
    company = await make.organisation(client, tokens, "maintenance_company")
    other_company = await make.organisation(client, tokens, "maintenance_company")
    station = await make.organisation(client, tokens, "filling_station")
    use_unit = await make.organisation(client, tokens, "use_unit")
    bureau = tokens.bureau()
    paths: dict[str, str] = {}

    async def post(path: str, body: dict[str, object], key: str) -> str:
        answer = await client.post(path, json=body, headers=bureau)
        assert answer.status_code == 201, answer.text
        return str(answer.json()[key])

    for name, body in (
        ("licence_a", make.licence(company)),
        ("licence_b", make.licence(other_company)),
        ("licence_s", make.licence(station, kind="filling", scope=["LPG"])),
    ):
        paths[name] = f"/api/v1/licences/{await post('/api/v1/licences', body, 'id')}"
    for name, holder in (("contract_a", company), ("contract_b", other_company)):
        code = await make.elevator(client, tokens, use_unit)
        contract_id = await post("/api/v1/contracts", make.contract(holder, [code]), "id")
        paths[name] = f"/api/v1/contracts/{contract_id}"
    for name, employer in (
        ("certificate_a", company),
        ("certificate_b", other_company),
        ("certificate_s", station),
    ):
        number = await post("/api/v1/certificates", make.certificate(employer), "number")
        paths[name] = f"/api/v1/certificates/{number}"
    return World(company, other_company, station, paths)


ALL_RECORDS = (
    "licence_a", "licence_b", "licence_s", "contract_a", "contract_b",
    "certificate_a", "certificate_b", "certificate_s",
)  # fmt: skip
SUPERVISOR = dict.fromkeys(ALL_RECORDS, 200)
EXPECTED_READS: dict[CallerKind, dict[str, int]] = {
    CallerKind.bureau: SUPERVISOR,
    CallerKind.government_system: SUPERVISOR,
    CallerKind.inspection_agency: SUPERVISOR,
    CallerKind.maintenance_company: {  # as company "a"
        "licence_a": 200, "licence_b": 404, "licence_s": 404,
        "contract_a": 200, "contract_b": 404,
        "certificate_a": 200, "certificate_b": 404, "certificate_s": 404,
    },
    CallerKind.filling_station: {  # as the station
        "licence_a": 404, "licence_b": 404, "licence_s": 200,
        "contract_a": 403, "contract_b": 403,
        "certificate_a": 404, "certificate_b": 404, "certificate_s": 200,
    },
    CallerKind.use_unit: dict.fromkeys(ALL_RECORDS, 403),
}  # fmt: skip


def _headers(tokens: TokenFactory, kind: CallerKind, world: World) -> dict[str, str]:
    own = {
        CallerKind.maintenance_company: world.company,
        CallerKind.filling_station: world.station,
    }.get(kind)
    if own is None:
        return tokens.headers(kind)
    return make.caller(tokens, kind, own)


@pytest.mark.parametrize("kind", list(EXPECTED_READS), ids=lambda k: k.value)
async def test_who_reads_which_record(
    client: httpx.AsyncClient, tokens: TokenFactory, world: World, kind: CallerKind
) -> None:
    headers = _headers(tokens, kind, world)
    answers = {
        name: (await client.get(world.paths[name], headers=headers)).status_code
        for name in ALL_RECORDS
    }
    assert answers == EXPECTED_READS[kind]


@pytest.mark.parametrize("kind", list(EXPECTED_READS), ids=lambda k: k.value)
async def test_lists_show_a_caller_only_what_it_may_read(
    client: httpx.AsyncClient, tokens: TokenFactory, world: World, kind: CallerKind
) -> None:
    headers = _headers(tokens, kind, world)
    readable = {name for name, status in EXPECTED_READS[kind].items() if status == 200}
    for feature, key in (("licences", "id"), ("contracts", "id"), ("certificates", "number")):
        answer = await client.get(f"/api/v1/{feature}", headers=headers)
        expected = {
            world.paths[name].rsplit("/", 1)[1]
            for name in readable
            if name.startswith(feature.removesuffix("s"))
        }
        if not expected and kind in (CallerKind.use_unit, CallerKind.filling_station):
            assert answer.status_code == 403, feature
            continue
        assert answer.status_code == 200, (feature, answer.text)
        assert {str(item[key]) for item in answer.json()["items"]} == expected, feature


@pytest.mark.parametrize(
    "kind", [CallerKind.maintenance_company, CallerKind.filling_station], ids=lambda k: k.value
)
async def test_asking_a_list_for_another_organisation_is_forbidden(
    client: httpx.AsyncClient, tokens: TokenFactory, world: World, kind: CallerKind
) -> None:
    headers = _headers(tokens, kind, world)
    for path, parameter in (
        ("/api/v1/licences", "organisation_id"),
        ("/api/v1/certificates", "employer_id"),
    ):
        answer = await client.get(path, params={parameter: world.other_company}, headers=headers)
        assert answer.status_code == 403, path


@pytest.mark.parametrize(
    "headers_for",
    [
        lambda t: t.headers(CallerKind.government_system, scopes=("registry:write",)),
        lambda t: t.headers(CallerKind.inspection_agency),
        lambda t: t.headers(CallerKind.maintenance_company),
        lambda t: t.headers(CallerKind.filling_station),
        lambda t: t.headers(CallerKind.use_unit),
    ],
    ids=["government_system", "inspection_agency", "maintenance_company", "filling_station",
         "use_unit"],
)  # fmt: skip
async def test_only_the_bureau_writes_and_others_are_refused_before_their_body_is_read(
    client: httpx.AsyncClient,
    tokens: TokenFactory,
    world: World,
    headers_for: Callable[[TokenFactory], dict[str, str]],
) -> None:
    headers = headers_for(tokens)
    some_id = uuid.uuid4()
    for method, path in (
        ("POST", "/api/v1/licences"),
        ("POST", f"{world.paths['licence_a']}/suspend"),
        ("POST", f"{world.paths['licence_a']}/reinstate"),
        ("POST", f"{world.paths['licence_a']}/revoke"),
        ("POST", "/api/v1/contracts"),
        ("POST", f"{world.paths['contract_a']}/terminate"),
        ("POST", f"/api/v1/contracts/{some_id}/terminate"),
        ("POST", "/api/v1/certificates"),
        ("PATCH", world.paths["certificate_a"]),
    ):
        answer = await client.request(
            method,
            path,
            content=b"{not json",
            headers={**headers, "Content-Type": "application/json"},
        )
        assert answer.status_code == 403, (method, path, answer.text)


async def test_every_endpoint_needs_a_token(client: httpx.AsyncClient, world: World) -> None:
    for path in ("/api/v1/licences", "/api/v1/contracts", "/api/v1/certificates",
                 *world.paths.values()):  # fmt: skip
        assert (await client.get(path)).status_code == 401, path

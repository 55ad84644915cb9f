"""Evidence (整改证据) on a hazard: stored with its SHA-256 and size, the same file once, a size
limit from settings (413) and photos and PDFs only (415); downloaded as uploaded."""

from __future__ import annotations

import base64
import hashlib
import uuid
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from hazard_steps import JPEG, Walk
from tzsb_common.testing import TokenFactory

LIMIT = 4096


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"evidence_max_bytes": LIMIT}


@pytest.fixture
async def walk(app: FastAPI, client: httpx.AsyncClient, tokens: TokenFactory) -> Walk:
    return await Walk(app, client, tokens, bureau_id=uuid.uuid4()).seed()


async def test_an_upload_is_stored_with_its_hash_and_size_and_downloads_unchanged(
    walk: Walk,
) -> None:
    hazard = await walk.open()

    uploaded = await walk.evidence(hazard["id"])
    evidence = uploaded.json()
    download = await walk.client.get(
        f"/api/v1/hazards/{hazard['id']}/evidence/{evidence['id']}", headers=walk.bureau
    )
    listed = await walk.client.get(f"/api/v1/hazards/{hazard['id']}/evidence", headers=walk.unit)
    after = await walk.client.get(f"/api/v1/hazards/{hazard['id']}", headers=walk.bureau)

    assert uploaded.status_code == 201, uploaded.text
    assert evidence["sha256"] == hashlib.sha256(JPEG).hexdigest()
    assert evidence["size_bytes"] == len(JPEG)
    assert evidence["content_type"] == "image/jpeg"
    assert evidence["filename"] == "整改后照片.jpg"
    assert evidence["uploaded_by"] == str(walk.unit_id)
    assert download.status_code == 200
    assert download.content == JPEG
    assert download.headers["content-type"] == "image/jpeg"
    digest = base64.b64encode(hashlib.sha256(JPEG).digest()).decode()
    assert download.headers["repr-digest"] == f"sha-256=:{digest}:"
    assert [e["id"] for e in listed.json()["items"]] == [evidence["id"]]
    assert after.json()["evidence_count"] == 1
    assert after.json()["version"] == hazard["version"] + 1


async def test_the_same_file_twice_is_one_piece_of_evidence(walk: Walk) -> None:
    hazard = await walk.open()
    pdf = b"%PDF-1.7\n" + b"0" * 500

    first = await walk.evidence(hazard["id"], pdf, "application/pdf")
    again = await walk.evidence(hazard["id"], pdf, "application/pdf")
    other = await walk.evidence(hazard["id"], pdf + b"1", "application/pdf")

    assert first.status_code == 201
    assert again.status_code == 200
    assert again.json()["id"] == first.json()["id"]
    assert other.status_code == 201
    assert other.json()["id"] != first.json()["id"]


async def test_a_file_over_the_limit_is_refused_and_nothing_is_stored(walk: Walk) -> None:
    hazard = await walk.open()

    at_limit = await walk.evidence(hazard["id"], b"\xff\xd8" + b"a" * (LIMIT - 2))
    over = await walk.evidence(hazard["id"], b"\xff\xd8" + b"b" * (LIMIT - 1))
    listed = await walk.client.get(f"/api/v1/hazards/{hazard['id']}/evidence", headers=walk.unit)

    assert at_limit.status_code == 201
    assert over.status_code == 413
    assert over.headers["content-type"] == "application/problem+json"
    assert over.json()["max_bytes"] == LIMIT
    assert len(listed.json()["items"]) == 1


async def test_only_photos_and_pdfs_are_taken_and_never_an_empty_file(walk: Walk) -> None:
    hazard = await walk.open()

    html = await walk.evidence(hazard["id"], b"<html></html>", "text/html")
    empty = await walk.evidence(hazard["id"], b"", "image/png")

    assert html.status_code == 415
    assert html.json()["code"] == "evidence_type_not_allowed"
    assert empty.status_code == 422


async def test_a_closed_hazard_takes_no_more_evidence_and_strangers_none_at_all(
    walk: Walk, tokens: TokenFactory
) -> None:
    closed = await walk.hazard_in("closed")
    open_one = await walk.open()
    stranger = Walk(walk.app, walk.client, tokens, bureau_id=walk.bureau_id)

    late = await walk.evidence(closed["id"], b"\x89PNG" + b"x" * 50, "image/png")
    foreign = await stranger.evidence(open_one["id"])

    assert late.status_code == 409
    assert late.json()["code"] == "hazard_closed"
    assert foreign.status_code == 404

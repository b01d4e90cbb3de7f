"""The sandbox's attachment operations over real HTTP: multipart upload, list, metadata, download, delete."""
# ruff: noqa: F811 - pytest fixtures imported from api_fixtures are redefined as test arguments

import os

import pytest

from tests.sandbox.api_fixtures import desk  # noqa: F401 - fixture

pytestmark = pytest.mark.django_db(databases=["default", "sandbox"], transaction=True)


def _upload(desk, ticket_id, data, *, name="report.bin", params=None):
    return desk.client.post(
        f"/tickets/{ticket_id}/attachments",
        files={"file": (name, data, "application/octet-stream")},
        params=params,
    )


def test_upload_then_download_returns_the_same_bytes(desk):
    ticket = desk.new_ticket()
    payload = os.urandom(50_000) + b"\x00\xff end"
    response = _upload(desk, ticket["id"], payload, params={"isPublic": "true"})
    assert response.status_code == 200, response.text
    attachment = response.json()
    assert attachment["name"] == "report.bin"
    assert attachment["size"] == str(len(payload))
    assert attachment["isPublic"] is True
    download = desk.client.get(f"/tickets/{ticket['id']}/attachments/{attachment['id']}/content")
    assert download.status_code == 200
    assert download.content == payload
    assert download.headers["Content-Disposition"].startswith("attachment;")


def test_large_upload_is_stored_on_disk_and_still_byte_identical(desk):
    ticket = desk.new_ticket()
    payload = os.urandom(1_500_000)
    attachment = _upload(desk, ticket["id"], payload).json()
    download = desk.client.get(f"/tickets/{ticket['id']}/attachments/{attachment['id']}/content")
    assert download.content == payload
    assert desk.client.delete(f"/tickets/{ticket['id']}/attachments/{attachment['id']}").status_code == 204


def test_seed_path_downloads_and_json_accept_gives_metadata(desk):
    ticket = desk.new_ticket()
    attachment = _upload(desk, ticket["id"], b"hello").json()
    path = f"/tickets/{ticket['id']}/attachments/{attachment['id']}"
    assert desk.client.get(path).content == b"hello"
    metadata = desk.client.get(path, headers={"Accept": "application/json"}).json()
    assert metadata["id"] == attachment["id"]
    assert metadata["href"].endswith(f"{path}/content")


def test_list_delete_and_attachment_count(desk):
    ticket = desk.new_ticket()
    base = f"/tickets/{ticket['id']}/attachments"
    assert desk.client.get(base).status_code == 204
    first = _upload(desk, ticket["id"], b"one", name="one.txt").json()
    _upload(desk, ticket["id"], b"two", name="two.txt", params={"isPublic": "false"})
    names = [a["name"] for a in desk.client.get(base).json()["data"]]
    assert names == ["one.txt", "two.txt"]
    assert desk.client.get(f"/tickets/{ticket['id']}").json()["attachmentCount"] == "2"
    assert desk.client.delete(f"{base}/{first['id']}").status_code == 204
    assert desk.client.get(f"{base}/{first['id']}/content").status_code == 404
    assert desk.client.get(f"/tickets/{ticket['id']}").json()["attachmentCount"] == "1"


def test_upload_without_file_field_or_with_bad_flag_is_422(desk):
    ticket = desk.new_ticket()
    response = desk.client.post(f"/tickets/{ticket['id']}/attachments", files={"other": ("a", b"x")})
    assert response.status_code == 422
    assert response.json()["errors"][0]["fieldName"] == "/file"
    assert _upload(desk, ticket["id"], b"x", params={"isPublic": "perhaps"}).status_code == 422


def test_upload_over_the_size_limit_is_refused(desk, settings):
    settings.SANDBOX_MAX_ATTACHMENT_BYTES = 10
    ticket = desk.new_ticket()
    response = _upload(desk, ticket["id"], b"x" * 11)
    assert response.status_code == 413
    assert response.json()["errors"][0]["fieldName"] == "/file"


def test_attachment_of_another_ticket_is_404(desk):
    first = desk.new_ticket()
    second = desk.new_ticket()
    attachment = _upload(desk, first["id"], b"secret").json()
    assert (
        desk.client.get(f"/tickets/{second['id']}/attachments/{attachment['id']}/content").status_code == 404
    )

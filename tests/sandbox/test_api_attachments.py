"""The sandbox's files over real HTTP as TicketAttachment.json and Upload.json have them: multipart upload,
list (include=creator), update, download from the href, delete, and POST /uploads."""
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
    assert desk.client.delete(f"/tickets/{ticket['id']}/attachments/{attachment['id']}").status_code == 200


def test_metadata_href_downloads_with_the_same_auth(desk):
    ticket = desk.new_ticket()
    attachment = _upload(desk, ticket["id"], b"hello").json()
    assert attachment["href"].startswith("http")
    assert desk.client.get(attachment["href"]).content == b"hello"
    anonymous = desk.client_with("not-a-token", org_id=str(desk.org.pk))
    assert anonymous.get(attachment["href"]).status_code == 401


def test_get_on_an_attachment_is_not_a_desk_method(desk):
    ticket = desk.new_ticket()
    attachment = _upload(desk, ticket["id"], b"hello").json()
    response = desk.client.get(f"/tickets/{ticket['id']}/attachments/{attachment['id']}")
    assert response.status_code == 405
    assert response.json()["errorCode"] == "METHOD_NOT_ALLOWED"


def test_seed_path_downloads_and_json_accept_gives_metadata(desk, settings):
    settings.SANDBOX_REFERENCE_FORMS = True
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
    deleted = desk.client.delete(f"{base}/{first['id']}")
    assert deleted.status_code == 200 and deleted.content == b""
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


def test_list_includes_the_creator_and_refuses_other_includes(desk):
    ticket = desk.new_ticket()
    _upload(desk, ticket["id"], b"one")
    base = f"/tickets/{ticket['id']}/attachments"
    item = desk.client.get(base, params={"include": "creator"}).json()["data"][0]
    assert item["creator"]["id"] == str(desk.agent.pk)
    assert item["creator"]["email"] == desk.agent.email
    assert "creator" not in desk.client.get(base).json()["data"][0]
    assert desk.client.get(base, params={"include": "author"}).status_code == 422
    assert desk.client.get(base, params={"sortBy": "-createdTime"}).status_code == 200
    assert desk.client.get(base, params={"sortBy": "name"}).status_code == 422


def test_patch_changes_is_public_and_answers_an_empty_200(desk):
    ticket = desk.new_ticket()
    attachment = _upload(desk, ticket["id"], b"one").json()
    path = f"/tickets/{ticket['id']}/attachments/{attachment['id']}"
    response = desk.client.patch(path, json={"isPublic": True})
    assert response.status_code == 200 and response.content == b""
    assert desk.client.get(f"/tickets/{ticket['id']}/attachments").json()["data"][0]["isPublic"] is True
    assert desk.client.patch(path, json={"name": "x"}).status_code == 422


def test_uploads_answer_an_id_name_size_and_href(desk):
    response = desk.client.post("/uploads", files={"file": ("a.png", b"\x89PNG", "image/png")})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["id"].isdigit() and body["name"] == "a.png" and body["size"] == "4"
    assert body["creatorId"] == str(desk.agent.pk)
    assert desk.client.get(body["href"]).content == b"\x89PNG"
    missing = desk.client.post("/uploads", files={"other": ("a", b"x")})
    assert missing.status_code == 422
    assert missing.json()["errors"][0]["fieldName"] == "/file"


def test_uploads_need_the_basic_create_scope(desk):
    client = desk.client_with(desk.token_for(["Desk.tickets.ALL"]), org_id=str(desk.org.pk))
    response = client.post("/uploads", files={"file": ("a.txt", b"x", "text/plain")})
    assert response.status_code == 403
    assert response.json()["errorCode"] == "SCOPE_MISMATCH"

"""Photos and documents: under MEDIA_ROOT by default, in an S3-compatible bucket (MinIO on the
bureau's machines) when STORAGE_BACKEND=s3, and served only through the app either way.

The bucket here is a small S3 endpoint on loopback that keeps objects in memory and records
each request, so the test sees what django-storages and boto3 really send: the bucket in the
path (as MinIO wants), the key under S3_PREFIX, requests signed with the configured key.
"""

import http.server
import json
import os
import subprocess
import sys
import threading

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.urls import reverse

from safecampus.config import storage
from safecampus.core.attachments import attach_photo
from safecampus.hazards import services
from tests import factories as f
from tests.hazards.helpers import photo

S3_ENV = ("STORAGE_BACKEND", "S3_BUCKET", "S3_ENDPOINT_URL", "S3_ACCESS_KEY_ID")
S3_ENV += ("S3_SECRET_ACCESS_KEY", "S3_REGION", "S3_ADDRESSING_STYLE", "S3_PREFIX")
S3_ENV += ("S3_CA_BUNDLE",)


def storage_of(**environ) -> subprocess.CompletedProcess:
    """STORAGES["default"] as a fresh server start computes it."""
    clean = {k: v for k, v in os.environ.items() if k not in S3_ENV}
    clean.update(environ)
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import json, safecampus.config.settings as s; "
            "print(json.dumps(s.STORAGES['default'])); print(s.MEDIA_ROOT)",
        ],
        capture_output=True,
        text=True,
        env=clean,
        timeout=60,
    )


def test_files_stay_on_this_machine_unless_told_otherwise(tmp_path):
    result = storage_of(SAFECAMPUS_VAR_DIR=str(tmp_path))
    assert result.returncode == 0, result.stderr
    chosen, media_root = result.stdout.splitlines()
    assert json.loads(chosen) == {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    assert media_root == str(tmp_path / "media")


def test_s3_backend_is_chosen_with_its_bucket_endpoint_and_keys():
    result = storage_of(
        STORAGE_BACKEND="s3",
        S3_BUCKET="safecampus-files",
        S3_ENDPOINT_URL="http://minio.bureau.internal:9000",
        S3_ACCESS_KEY_ID="safecampus",
        S3_SECRET_ACCESS_KEY="minio-secret-key",
        S3_PREFIX="/prod/",
    )
    assert result.returncode == 0, result.stderr
    chosen = json.loads(result.stdout.splitlines()[0])
    assert chosen["BACKEND"] == "storages.backends.s3.S3Storage"
    options = chosen["OPTIONS"]
    assert options["bucket_name"] == "safecampus-files"
    assert options["endpoint_url"] == "http://minio.bureau.internal:9000"
    assert options["addressing_style"] == "path"  # MinIO's default
    assert options["location"] == "prod"
    assert (options["access_key"], options["secret_key"]) == ("safecampus", "minio-secret-key")
    assert options["default_acl"] is None  # never public-read


@pytest.mark.parametrize(
    ("environ", "fragment"),
    [
        ({"STORAGE_BACKEND": "s3"}, "needs S3_BUCKET"),
        ({"STORAGE_BACKEND": "ftp"}, "STORAGE_BACKEND='ftp' is not one of"),
        (
            {"STORAGE_BACKEND": "s3", "S3_BUCKET": "b", "S3_ACCESS_KEY_ID": "k"},
            "Set both S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY",
        ),
        (
            {"STORAGE_BACKEND": "s3", "S3_BUCKET": "b", "S3_ADDRESSING_STYLE": "dns"},
            "S3_ADDRESSING_STYLE='dns' is not one of",
        ),
    ],
)
def test_an_incomplete_s3_setting_stops_startup_naming_the_variable(environ, fragment):
    result = storage_of(**environ)
    assert result.returncode != 0
    assert fragment in result.stderr


# ------------------------------------------------------------------------ a bucket on loopback


class Bucket(http.server.ThreadingHTTPServer):
    """The part of the S3 API django-storages uses to save and read a file."""

    def __init__(self):
        self.objects: dict[str, bytes] = {}
        self.requests: list[tuple[str, str, str]] = []  # method, path, Authorization
        super().__init__(("127.0.0.1", 0), BucketHandler)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


def _dechunk(data: bytes) -> bytes:
    """A body sent with Content-Encoding: aws-chunked (size;signature CRLF data CRLF ...)."""
    out, rest = b"", data
    while rest:
        header, rest = rest.split(b"\r\n", 1)
        size = int(header.split(b";")[0], 16)
        if size == 0:
            break
        out, rest = out + rest[:size], rest[size + 2 :]
    return out


class BucketHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def _record(self):
        self.server.requests.append(
            (self.command, self.path.split("?")[0], self.headers.get("Authorization", ""))
        )
        return self.path.split("?")[0]

    def _answer(self, status: int, body: bytes = b"", headers=None, send_body=True):
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if send_body:
            self.wfile.write(body)

    def do_PUT(self):
        key = self._record()
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        if "aws-chunked" in (self.headers.get("Content-Encoding") or ""):
            body = _dechunk(body)
        self.server.objects[key] = body
        self._answer(200, headers={"ETag": '"stored"'})

    def _object(self, send_body: bool):
        key = self._record()
        if key not in self.server.objects:
            error = b"<Error><Code>NoSuchKey</Code><Message>none</Message></Error>"
            return self._answer(404, error, {"Content-Type": "application/xml"}, send_body)
        data = self.server.objects[key]
        headers = {
            "ETag": '"stored"',
            "Content-Type": "application/octet-stream",
            "Last-Modified": "Mon, 04 May 2026 08:00:00 GMT",
        }
        wanted = self.headers.get("Range")
        if wanted and send_body:
            start, end = wanted.split("=")[1].split("-")
            end = min(int(end or len(data) - 1), len(data) - 1)
            headers["Content-Range"] = f"bytes {start}-{end}/{len(data)}"
            return self._answer(206, data[int(start) : end + 1], headers)
        if not send_body:  # HEAD: the length of the object, no body
            self.send_response(200)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            return None
        return self._answer(200, data, headers)

    def do_GET(self):
        self._object(send_body=True)

    def do_HEAD(self):
        self._object(send_body=False)

    def log_message(self, *args):
        pass


@pytest.fixture
def bucket(monkeypatch):
    server = Bucket()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    for name, value in {
        "STORAGE_BACKEND": "s3",
        "S3_BUCKET": "safecampus-files",
        "S3_ENDPOINT_URL": server.url,
        "S3_ACCESS_KEY_ID": "safecampus",
        "S3_SECRET_ACCESS_KEY": "minio-secret-key",
        "S3_REGION": "us-east-1",
        "S3_PREFIX": "prod",
    }.items():
        monkeypatch.setenv(name, value)
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def s3_settings(bucket, settings):
    settings.STORAGES = {**settings.STORAGES, "default": storage.default_storage()}
    yield bucket


def test_a_file_saved_to_s3_lands_in_the_bucket_by_path_and_reads_back(s3_settings):
    bucket = s3_settings
    name = storages["default"].save("attachments/2026/05/a.jpg", ContentFile(b"\xff\xd8photo"))
    assert name == "attachments/2026/05/a.jpg"
    assert bucket.objects == {"/safecampus-files/prod/attachments/2026/05/a.jpg": b"\xff\xd8photo"}
    method, _path, authorization = bucket.requests[0]
    assert method == "PUT"
    assert "Credential=safecampus/" in authorization  # signed with the configured key
    with storages["default"].open(name, "rb") as handle:
        assert handle.read() == b"\xff\xd8photo"


@pytest.mark.django_db
def test_a_hazard_photo_goes_to_the_bucket_and_is_served_only_in_scope(
    s3_settings, client, world, tmp_path, settings
):
    bucket = s3_settings
    settings.MEDIA_ROOT = tmp_path / "media"
    teacher = f.user_with_role("teacher", world.school_a1)
    hazard = services.hazard_report(
        school=world.school_a1, by=teacher, description="围墙裂缝", category="building"
    )
    stored = attach_photo(upload=photo(), to=hazard, kind="before", by=teacher)
    key = f"/safecampus-files/prod/{stored.file.name}"
    assert key in bucket.objects
    assert not (tmp_path / "media").exists()  # nothing written on the app server

    client.force_login(f.user_with_role("bureau_staff", world.county_a))
    answer = client.get(reverse("attachment", args=[stored.token]))
    assert answer.status_code == 200
    assert b"".join(answer.streaming_content) == bucket.objects[key]
    assert "private" in answer["Cache-Control"]

    client.force_login(f.user_with_role("bureau_staff", world.county_b))
    assert client.get(reverse("attachment", args=[stored.token])).status_code == 404

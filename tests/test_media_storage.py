"""Where guide images are stored: the filesystem under MEDIA_ROOT by default, an S3-compatible
bucket (django-storages) when AWS_STORAGE_BUCKET_NAME is set. The settings are read in a fresh
process, as a deployment reads them."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from .conftest import ROOT

READ = """
import json, django
from django.conf import settings
django.setup()
from django.core.files.storage import storages
print(json.dumps({
    "backend": settings.STORAGES["default"]["BACKEND"],
    "options": settings.STORAGES["default"].get("OPTIONS", {}),
    "class": type(storages["default"]).__name__,
    "media_root": str(settings.MEDIA_ROOT),
}))
"""


def storage_settings(**environ: str) -> dict:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("AWS_", "DJANGO_MEDIA"))
    }
    env |= {"DJANGO_SETTINGS_MODULE": "alphacode.settings", **environ}
    result = subprocess.run(
        [sys.executable, "-c", READ], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_images_go_to_the_filesystem_by_default() -> None:
    found = storage_settings(DJANGO_MEDIA_ROOT="/srv/alphacode-media")
    assert found["backend"] == "django.core.files.storage.FileSystemStorage"
    assert found["media_root"] == "/srv/alphacode-media"


def test_a_bucket_name_puts_images_in_a_private_s3_compatible_bucket() -> None:
    found = storage_settings(
        AWS_STORAGE_BUCKET_NAME="alphacode-images",
        AWS_S3_ENDPOINT_URL="https://s3.example.net",
        AWS_S3_REGION_NAME="eu-west-1",
    )
    assert found["backend"] == "storages.backends.s3.S3Storage"
    assert found["class"] == "S3Storage"  # django-storages is installed and loads
    assert found["options"] == {
        "bucket_name": "alphacode-images",
        "endpoint_url": "https://s3.example.net",
        "region_name": "eu-west-1",
        "default_acl": "private",
        "querystring_auth": True,
        "file_overwrite": False,
    }

"""Where photos and documents are kept: a folder on this machine, or an S3-compatible bucket.

One server keeps them under MEDIA_ROOT. Several app servers cannot share a local folder, so a
cluster keeps them in object storage (MinIO on the bureau's own machines, or any S3 service)
through django-storages. Either way the files are only ever read through the app's own
attachment view, which checks who may see them: the bucket stays private, no public or
pre-signed URL is handed out, and nothing in the pages links to the bucket.
"""

from django.core.exceptions import ImproperlyConfigured

from safecampus.config import env

BACKENDS = ("filesystem", "s3")
ADDRESSING_STYLES = ("path", "virtual", "auto")


def default_storage() -> dict:
    """The STORAGES["default"] entry chosen by STORAGE_BACKEND and the S3_* variables."""
    if env.env_choice("STORAGE_BACKEND", "filesystem", BACKENDS) == "filesystem":
        return {"BACKEND": "django.core.files.storage.FileSystemStorage"}
    bucket = env._raw("S3_BUCKET")
    if not bucket:
        raise ImproperlyConfigured("STORAGE_BACKEND=s3 needs S3_BUCKET (the bucket's name).")
    options = {
        "bucket_name": bucket,
        "endpoint_url": env._raw("S3_ENDPOINT_URL") or None,
        "region_name": env._raw("S3_REGION") or None,
        # MinIO and most on-premises stores answer at one host name: bucket in the path.
        "addressing_style": env.env_choice("S3_ADDRESSING_STYLE", "path", ADDRESSING_STYLES),
        "signature_version": "s3v4",
        "location": (env._raw("S3_PREFIX") or "").strip("/"),
        "default_acl": None,  # the bucket's own policy: private
        "querystring_auth": True,  # any URL that leaked would expire, never be public
        "querystring_expire": 300,
        "file_overwrite": True,  # names are random tokens: no existence check per upload
    }
    access_key, secret_key = env._raw("S3_ACCESS_KEY_ID"), env._raw("S3_SECRET_ACCESS_KEY")
    if bool(access_key) != bool(secret_key):
        raise ImproperlyConfigured(
            "Set both S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY, or neither (then boto3 finds "
            "credentials itself: AWS_* variables, a profile or the machine's role)."
        )
    if access_key:
        options["access_key"] = access_key
        options["secret_key"] = secret_key
    ca_bundle = env._raw("S3_CA_BUNDLE")
    if ca_bundle:
        options["verify"] = ca_bundle  # a private CA for an intranet MinIO over HTTPS
    return {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": options}

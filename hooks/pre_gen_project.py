"""Refuse answers that would give a broken project, before cookiecutter writes anything for good.

Each check returns a one-line message naming the problem and the fix; the first failure is printed and the
hook exits non-zero, so cookiecutter removes the half-made folder.
"""

import json
import keyword
import re
import sys
from urllib.parse import urlparse

PROJECT_SLUG: str = {{ cookiecutter.project_slug | tojson }}
PACKAGE_NAME: str = {{ cookiecutter.package_name | tojson }}
DVC_REMOTE_URL: str = {{ cookiecutter.dvc_remote_url | tojson }}
RUNNER: str = {{ cookiecutter.runner | tojson }}
CLOUD_REGION: str = {{ cookiecutter.cloud_region | tojson }}
CLOUD_MACHINE_TYPE: str = {{ cookiecutter.cloud_machine_type | tojson }}
CLOUD_SPOT: bool = json.loads({{ cookiecutter.cloud_spot | tojson | tojson }})
CLOUD_GPU: str = {{ cookiecutter.cloud_gpu | tojson }}

SLUG_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
PACKAGE_PATTERN = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
CLOUD_REMOTE_SCHEMES = ("s3", "gs", "azure")
# `gs:/bucket` or `s3:bucket`: a scheme (two letters or more, so not a Windows drive) and a colon, but not `://`.
SCHEME_WITHOUT_SLASHES = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]+:(?!//)")
# Cloud settings become `cml runner launch` arguments in a workflow's shell step: letters, digits and . _ + -.
CLOUD_VALUE_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._+-]*")
SPOT_RUNNERS = ("aws", "gcp", "azure")
NO_GPU = "nogpu"
# What CML's Kubernetes machines accept as a type (terraform-provider-iterative, iterative/kubernetes/provider.go,
# getInstanceType): a named size, or CORES-MEMORY in MB with an optional +GPU_MODEL*COUNT. A cloud_gpu answer is
# appended to the type as "+GPU", which only the named sizes take.
KUBERNETES_SIZES = ("s", "m", "l", "xl")
KUBERNETES_CUSTOM_TYPE = re.compile(r"[0-9]+-[0-9]+(\+[A-Za-z0-9._-]+\*[1-9][0-9]*)?")


def check_project_slug(slug: str) -> str | None:
    """A slug names the repository and the distribution: no spaces, slashes or other punctuation."""
    if SLUG_PATTERN.fullmatch(slug):
        return None
    return (
        f"project_slug {slug!r} is not a valid repository name: "
        "use letters, digits, '-', '_' or '.', starting with a letter or digit"
    )


def check_package_name(name: str) -> str | None:
    """The package is imported by every stage (`python -m <package>.train`), so it must be an identifier."""
    if not PACKAGE_PATTERN.fullmatch(name):
        return (
            f"package_name {name!r} is not a Python identifier: "
            "use ASCII letters, digits and '_', not starting with a digit"
        )
    if keyword.iskeyword(name):
        return f"package_name {name!r} is a Python keyword: choose another name, such as '{name}_model'"
    return None


def check_dvc_remote_url(url: str) -> str | None:
    """DVC must be able to use the remote, and the project installs the DVC plugin for its scheme only."""
    if not url.strip():
        return "dvc_remote_url is empty: give an s3://, gs:// or azure:// URL, or a local folder"
    parsed = urlparse(url)
    if "://" not in url:
        if SCHEME_WITHOUT_SLASHES.match(url):
            scheme, rest = url.split(":", 1)
            return f"dvc_remote_url {url!r} is a URL without its two slashes: write {scheme}://{rest.lstrip('/')}"
        return None  # a local folder: DVC takes any path
    if parsed.scheme not in CLOUD_REMOTE_SCHEMES:
        return (
            f"dvc_remote_url {url!r} has an unsupported scheme {parsed.scheme!r}: "
            "use s3://bucket/path, gs://bucket/path, azure://container/path, or a local folder"
        )
    if not parsed.netloc:
        return f"dvc_remote_url {url!r} names no bucket: write it as {parsed.scheme}://<bucket>/<path>"
    return None


def check_kubernetes_machine_type(machine_type: str, gpu: str) -> str | None:
    """A type the Kubernetes machine refuses would fail only once CI launches it: refuse it here instead."""
    if machine_type in KUBERNETES_SIZES:
        return None
    if not KUBERNETES_CUSTOM_TYPE.fullmatch(machine_type):
        return (
            f"cloud_machine_type {machine_type!r} is not a Kubernetes machine type: "
            "use s, m, l or xl, or CORES-MEMORY_MB such as 4-16000 (with a GPU: 4-16000+nvidia-tesla-t4*1)"
        )
    if gpu != NO_GPU:
        return (
            f"cloud_gpu {gpu!r} cannot be added to the custom type {machine_type!r}: "
            f"answer '{NO_GPU}' and give the GPU in the type, such as {machine_type.split('+')[0]}+{gpu}*1"
        )
    return None


def check_cloud_settings(runner: str, region: str, machine_type: str, spot: bool, gpu: str) -> str | None:
    """Cloud settings go into `cml runner launch` flags: plain words, and only where they mean something."""
    plain_words = {"cloud_region": region, "cloud_machine_type": machine_type, "cloud_gpu": gpu}
    if runner == "kubernetes":
        problem = check_kubernetes_machine_type(machine_type, gpu)
        if problem:
            return problem
        del plain_words["cloud_machine_type"]  # checked against the provider's own types above
    for option, value in plain_words.items():
        if not CLOUD_VALUE_PATTERN.fullmatch(value):
            allowed = "letters, digits, '.', '_', '+' or '-'"
            return f"{option} {value!r} must be one word of {allowed}, such as 'us-east' or 'm'"
    if spot and runner not in SPOT_RUNNERS:
        return f"cloud_spot applies to runner aws, gcp or azure, not {runner}: answer 'no', or choose one of those"
    if gpu != NO_GPU and runner == "github-hosted":
        return f"cloud_gpu {gpu!r} needs a cloud runner: answer '{NO_GPU}', or choose aws, gcp, azure or kubernetes"
    return None


def main() -> int:
    """Run every check; report the first failure on one line."""
    problems = (
        check_project_slug(PROJECT_SLUG),
        check_package_name(PACKAGE_NAME),
        check_dvc_remote_url(DVC_REMOTE_URL),
        check_cloud_settings(RUNNER, CLOUD_REGION, CLOUD_MACHINE_TYPE, CLOUD_SPOT, CLOUD_GPU),
    )
    for problem in problems:
        if problem:
            sys.stderr.write(f"error: {problem}\n")
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Refuse answers that would give a broken project, as soon as they are given, with one line and no traceback.

cookiecutter loads this Jinja extension (`_extensions` in cookiecutter.json) and renders the `__check_*` keys
right after the questions they follow, through the `refuse_bad_answers` filter. A pre-generation hook could
make the same checks only after every question, and cookiecutter prints its own traceback after a failing
hook; an exception of the type cookiecutter reports on one line, raised while the answers are read, stops it
before it writes anything, with exit code 1 and just the message.
"""

import keyword
import re
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlparse

from cookiecutter.exceptions import FailedHookException
from jinja2 import Environment
from jinja2.ext import Extension

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


class BadAnswer(FailedHookException):
    """An answer that would give a broken project: cookiecutter's command line prints its message, alone."""


def names_problem(answers: Mapping[str, Any]) -> str | None:
    return check_project_slug(answers["project_slug"]) or check_package_name(answers["package_name"])


def cloud_problem(answers: Mapping[str, Any]) -> str | None:
    return check_cloud_settings(
        answers["runner"],
        answers["cloud_region"],
        answers["cloud_machine_type"],
        bool(answers["cloud_spot"]),
        answers["cloud_gpu"],
    )


def remote_problem(answers: Mapping[str, Any]) -> str | None:
    return check_dvc_remote_url(answers["dvc_remote_url"])


# Each group of checks, by the name its `__check_<name>` key in cookiecutter.json gives the filter.
CHECKS: dict[str, Callable[[Mapping[str, Any]], str | None]] = {
    "names": names_problem,
    "cloud": cloud_problem,
    "remote": remote_problem,
}


def refuse_bad_answers(answers: Mapping[str, Any], group: str) -> str:
    """Render as nothing when the group's answers are good; raise BadAnswer with one line otherwise."""
    problem = CHECKS[group](answers)
    if problem:
        raise BadAnswer(f"error: {problem}")
    return ""


class AnswerChecks(Extension):
    """Adds the `refuse_bad_answers` filter to cookiecutter's Jinja environment."""

    def __init__(self, environment: Environment) -> None:
        super().__init__(environment)
        environment.filters["refuse_bad_answers"] = refuse_bad_answers

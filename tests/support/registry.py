"""A container registry on 127.0.0.1 for the deploy rehearsal: Debian's docker-registry (the reference registry).

`make test` unpacks the Debian package into tools/registry rather than installing it, since the package starts a
daemon on every interface. Here it serves plain HTTP from a folder of the test's own, with no authentication,
and answers the registry API (`/v2/`), which the test reads to see what the deploy pushed.
"""

import contextlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from .helpers import TEMPLATE_DIR
from .processes import HOST, answers, free_port, running

REGISTRY = TEMPLATE_DIR / "tools" / "registry" / "usr" / "bin" / "docker-registry"
MANIFEST_TYPES = "application/vnd.docker.distribution.manifest.v2+json, application/vnd.oci.image.manifest.v1+json"


@dataclass(frozen=True)
class Registry:
    address: str  # host:port, as an image name starts

    def get(self, path: str, accept: str | None = None) -> httpx.Response:
        headers = {"Accept": accept} if accept else {}
        return httpx.get(f"http://{self.address}/v2/{path}", headers=headers, timeout=10)

    def tags(self, repository: str) -> list[str]:
        response = self.get(f"{repository}/tags/list")
        return (response.json().get("tags") or []) if response.status_code == 200 else []

    def image_config(self, repository: str, tag: str) -> dict[str, Any]:
        """The pushed image's configuration (its labels under config.Labels), through the manifest."""
        manifest = self.get(f"{repository}/manifests/{tag}", accept=MANIFEST_TYPES)
        assert manifest.status_code == 200, manifest.text
        digest = manifest.json()["config"]["digest"]
        return json.loads(self.get(f"{repository}/blobs/{digest}").content)


@contextlib.contextmanager
def running_registry(folder: Path) -> Iterator[Registry]:
    if not REGISTRY.is_file():
        raise AssertionError(f"{REGISTRY} is missing: `make test` unpacks Debian's docker-registry there")
    port = free_port()
    config = folder / "registry.yml"
    settings = {
        "version": 0.1,
        "log": {"level": "warn"},
        "storage": {"filesystem": {"rootdirectory": str(folder / "storage")}},
        "http": {"addr": f"{HOST}:{port}"},
    }
    config.write_text(json.dumps(settings), encoding="utf-8")  # JSON is YAML
    with running([REGISTRY, "serve", config], folder / "registry.log", folder, {"PATH": "/usr/bin:/bin"}) as process:
        if not answers(process, f"http://{HOST}:{port}/v2/"):
            raise AssertionError("the registry did not start:\n" + (folder / "registry.log").read_text()[-3000:])
        yield Registry(f"{HOST}:{port}")

"""The machines of a rehearsal's clouds: what the `cml` stand-in launches, the cloud CLIs' stand-ins list and remove.

`cml runner launch --cloud=X` creates, through terraform-provider-iterative, a machine named by
`utils.SetId` (iterative/utils/helpers.go): `cml-<name>-<salt>-<hash>`, the name lowercased with every run of other
characters turned into "-" and cut to 28 characters (task/common/identifier.go). What the provider makes beside
it, and where the `--cloud-metadata` pairs go, is per cloud (iterative/<cloud>/provider.go,
`ResourceMachineCreate`):
- aws: an EC2 instance tagged Name and Id (the machine's name) plus the metadata, and a key pair of that name;
- gcp: a Compute Engine instance of that name labelled with the metadata, and two firewall rules
  `<name>-ingress` and `<name>-egress` that target it by tag;
- azure: a resource group of that name tagged with the metadata, holding the machine and its network;
- kubernetes: a job of that name whose labels (and annotations) are the metadata.

The state is one JSON file, $CLOUD_STATE_FILE: a list of machines, each a mapping with `cloud`, `name`, `region`,
`metadata`, `launched` (seconds since 1970) and, for gcp, `firewall_rules`. A test may write it directly to
stand for machines launched before. Launches run at once (one job per experiment), so a launch or a removal
changes the file under a lock, and each write goes through a temporary file of its own.
"""

import fcntl
import hashlib
import json
import os
import re
import secrets
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

Machine = dict[str, Any]
NAME_LENGTH = 28  # task/common/identifier.go: maximumLongLength - shortLength - len("tpi---")
# iterative/gcp/provider.go, `getRegion`: the zone a Google Cloud machine of a generic region is created in.
GCP_ZONES = {
    "us-east": "us-east1-c",
    "us-west": "us-west1-b",
    "eu-north": "europe-north1-a",
    "eu-west": "europe-west1-d",
}


def state_file() -> Path:
    return Path(os.environ["CLOUD_STATE_FILE"])


def load() -> list[Machine]:
    path = state_file()
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else []


def save(machines: list[Machine]) -> None:
    path = state_file()
    temporary = path.with_suffix(f".{os.getpid()}.tmp")
    temporary.write_text(json.dumps(machines, indent=2), encoding="utf-8")
    temporary.replace(path)


@contextmanager
def locked() -> Iterator[None]:
    """Hold the state's lock while reading and rewriting it, so that concurrent launches keep each other's machine."""
    with state_file().with_suffix(".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def machine_id(name: str) -> str:
    """`cml-<normalized name>-<salt>-<hash>` as terraform-provider-iterative names it (the digests differ)."""
    normalized = re.sub(r"[^a-z0-9]+", "-", name.lower())[:NAME_LENGTH].strip("-")
    salt = secrets.token_hex(4)
    return f"cml-{normalized}-{salt}-{hashlib.sha256((normalized + salt).encode()).hexdigest()[:8]}"


def launch(cloud: str, name: str, region: str, metadata: dict[str, str]) -> Machine:
    machine: Machine = {
        "cloud": cloud,
        "name": machine_id(name),
        "region": GCP_ZONES.get(region, region) if cloud == "gcp" else region,
        "metadata": metadata,
        "launched": int(time.time()),
    }
    if cloud == "gcp":
        machine["firewall_rules"] = [f"{machine['name']}-ingress", f"{machine['name']}-egress"]
    with locked():
        save([*load(), machine])
    return machine


def machines_of(cloud: str) -> list[Machine]:
    return [machine for machine in load() if machine["cloud"] == cloud]


def remove(cloud: str, name: str) -> bool:
    """Remove the machine; False when the cloud holds none of that name."""
    with locked():
        machines = load()
        kept = [machine for machine in machines if not (machine["cloud"] == cloud and machine["name"] == name)]
        save(kept)
    return len(kept) != len(machines)


def parse_options(arguments: list[str], switches: set[str]) -> tuple[list[str], dict[str, list[str]]]:
    """Positional words and options (`--x=v`, `--x v`, or a switch `--x`), each option's values in order."""
    words: list[str] = []
    options: dict[str, list[str]] = {}
    index = 0
    while index < len(arguments):
        argument = arguments[index]
        if argument.startswith("--"):
            name, has_value, value = argument[2:].partition("=")
            if not has_value and name not in switches and index + 1 < len(arguments):
                value = arguments[index + 1]
                index += 1
            options.setdefault(name, []).append(value)
        else:
            words.append(argument)
        index += 1
    return words, options


def refuse(message: str, code: int = 1) -> None:
    sys.stderr.write(f"{message}\n")
    sys.exit(code)

"""Containers without a registry: podman with an image store of its own, and a Debian base made with debootstrap.

Facts this relies on (podman 4.3.1, runc 1.1.5 and debootstrap from Debian bookworm, no Docker engine, no base image
that can be pulled):
- `--root`/`--runroot`/`--tmpdir` of its own isolate a test from every other podman user of the machine; everything
  in that store was made by the test, so the test can remove all of it.
- Containers need the nofile/nproc ulimits (else "error setting rlimit"), and crun refuses hosts whose cgroups are in
  hybrid mode: CONTAINERS_CONF points at a file that sets both the ulimits and runc when runc is installed.
- pip inside a build verifies the package index's certificate with the host's CA bundle only (a build secret).
"""

import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REQUIRED_TOOLS = ("podman", "debootstrap", "tar")
DEBIAN_SUITE = "bookworm"
DEBIAN_PACKAGES = "python3,python3-venv,python3-pip,ca-certificates"
DEFAULT_DEBIAN_MIRROR = "http://deb.debian.org/debian"
CA_BUNDLE_CANDIDATES = ("PIP_CERT", "SSL_CERT_FILE", "REQUESTS_CA_BUNDLE")
DEFAULT_CA_BUNDLE = Path("/etc/ssl/certs/ca-certificates.crt")
ULIMITS = ("nofile=1024:1024", "nproc=1024:1024")

# No proxy for the published port on loopback, whatever the environment says.
_LOCAL = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def missing_tools() -> list[str]:
    """What this machine lacks to build and run images (`make test` installs it), as a list of reasons."""
    missing = [f"{tool} is not installed" for tool in REQUIRED_TOOLS if shutil.which(tool) is None]
    if os.geteuid() != 0:
        missing.append("debootstrap and podman's isolated store need root")
    return missing


@dataclass(frozen=True)
class Podman:
    """podman on a store under `folder`: images and containers made here are seen by no one else.

    Its run-time state goes to `state`, a short folder under the system's temporary folder: podman refuses a
    runroot longer than 50 characters, which a pytest folder is. `remove_everything` deletes it.
    """

    folder: Path
    state: Path

    @classmethod
    def isolated(cls, parent: Path) -> "Podman":
        """A store in a new folder under `parent`: podman binds a store to the run-time folder it was first used
        with, so no store is ever shared, not even with one that an earlier, interrupted process left there."""
        parent.mkdir(parents=True, exist_ok=True)
        folder = Path(tempfile.mkdtemp(prefix="podman-", dir=parent))
        settings = ["[containers]", "default_ulimits = [" + ", ".join(f'"{limit}"' for limit in ULIMITS) + "]"]
        if shutil.which("runc"):
            settings += ["", "[engine]", 'runtime = "runc"']
        (folder / "containers.conf").write_text("\n".join(settings) + "\n", encoding="utf-8")
        return cls(folder, Path(tempfile.mkdtemp(prefix="podman-test-")))

    def command(self, *args: str | Path) -> list[str]:
        places = {"--root": self.folder / "store", "--runroot": self.state / "run", "--tmpdir": self.state / "tmp"}
        options = [str(part) for option, place in places.items() for part in (option, place)]
        return ["podman", *options, *(str(arg) for arg in args)]

    def env(self) -> dict[str, str]:
        return {**os.environ, "CONTAINERS_CONF": str(self.folder / "containers.conf")}

    def run(
        self, *args: str | Path, check: bool = True, timeout: float = 300, stdin: Any = None
    ) -> subprocess.CompletedProcess[str]:
        """One podman command; on failure (with `check`), the assertion shows its output."""
        command = self.command(*args)
        result = subprocess.run(
            command, env=self.env(), stdin=stdin, capture_output=True, text=True, timeout=timeout, check=False
        )
        if check:
            output = f"{result.stdout[-3000:]}\n{result.stderr[-5000:]}"
            assert result.returncode == 0, f"{' '.join(command)} failed:\n{output}"
        return result

    def inspect_image(self, image: str) -> dict[str, Any]:
        return json.loads(self.run("image", "inspect", image).stdout)[0]

    def remove_everything(self) -> None:
        """Containers and images of this store (all made by the test), then the store's own mount."""
        containers = self.run("ps", "--all", "--quiet", check=False).stdout.split()
        if containers:
            self.run("rm", "--force", "--time", "2", *containers, check=False)
        images = self.run("images", "--all", "--quiet", check=False).stdout.split()
        if images:
            self.run("rmi", "--force", *dict.fromkeys(images), check=False)
        # The overlay driver bind-mounts its folder onto itself and leaves it mounted when podman exits; each podman
        # process that found it unmounted (the API service too) mounts it once more.
        overlay = self.folder / "store" / "overlay"
        while overlay.is_dir() and os.path.ismount(overlay):
            if subprocess.run(["umount", str(overlay)], check=False, capture_output=True).returncode != 0:
                break
        remove_unmounted_tree(self.state)


def mounts_under(folder: Path) -> list[str]:
    """Mount points inside `folder`, deepest first."""
    points = [line.split()[1] for line in Path("/proc/self/mounts").read_text(encoding="utf-8").splitlines()]
    return sorted((point for point in points if point.startswith(f"{folder}/")), reverse=True)


def remove_unmounted_tree(folder: Path) -> None:
    """Delete `folder` after unmounting what is mounted in it; never delete through a mount that stays."""
    for point in mounts_under(folder):
        subprocess.run(["umount", point], check=False, capture_output=True)
    if not mounts_under(folder):
        shutil.rmtree(folder, ignore_errors=True)


def debian_mirror() -> str:
    """The Debian mirror the host's apt uses (a deb822 `URIs:` line ending in /debian), else deb.debian.org."""
    if mirror := os.environ.get("DEBIAN_MIRROR"):
        return mirror
    for sources in sorted(Path("/etc/apt/sources.list.d").glob("*.sources")):
        for line in sources.read_text(encoding="utf-8", errors="replace").splitlines():
            if line.startswith("URIs:"):
                for uri in line.split()[1:]:
                    if uri.rstrip("/").endswith("/debian"):
                        return uri
    return DEFAULT_DEBIAN_MIRROR


class BaseImageBuild:
    """A minimal Debian with python3 (3.11 in bookworm), made with debootstrap in the background (about 1-3 min).

    Creating it returns at once, so the caller can render and train meanwhile; `finish` waits, imports the tree as
    an image and deletes the tree; `close` stops and cleans up whatever happened.
    """

    def __init__(self, folder: Path) -> None:
        self.rootfs = folder / "rootfs"
        self.log = folder / "debootstrap.log"
        self.started = time.monotonic()
        command = ["debootstrap", "--variant=minbase", f"--include={DEBIAN_PACKAGES}", DEBIAN_SUITE]
        with self.log.open("w", encoding="utf-8") as log:
            self.process = subprocess.Popen(
                [*command, str(self.rootfs), debian_mirror()],
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group, so `close` stops dpkg and the rest with it
            )

    def finish(self, podman: Podman, name: str, timeout: float = 900) -> float:
        """Import the finished tree as `name`; returns the seconds since debootstrap started."""
        try:
            code = self.process.wait(timeout=max(1.0, timeout - (time.monotonic() - self.started)))
        except subprocess.TimeoutExpired:
            self.close()
            raise
        if code != 0:
            self.close()
            raise AssertionError(f"debootstrap failed ({code}):\n{self.log.read_text(encoding='utf-8')[-3000:]}")
        for leftover in [*self.rootfs.glob("var/cache/apt/archives/*.deb"), *self.rootfs.glob("var/lib/apt/lists/*_*")]:
            leftover.unlink()
        tar = subprocess.Popen(["tar", "--numeric-owner", "-C", str(self.rootfs), "-c", "."], stdout=subprocess.PIPE)
        try:
            podman.run("import", "-", name, stdin=tar.stdout, timeout=600)
        finally:
            assert tar.stdout is not None
            tar.stdout.close()
            tar.wait()
        self.close()
        return time.monotonic() - self.started

    def close(self) -> None:
        """Stop debootstrap if it still runs and delete the tree (safe to call more than once)."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        remove_unmounted_tree(self.rootfs)


def host_ca_bundle() -> Path | None:
    """The CA bundle the host's pip trusts (this machine's package index is reached through an intercepting proxy)."""
    for variable in CA_BUNDLE_CANDIDATES:
        if (value := os.environ.get(variable)) and Path(value).is_file():
            return Path(value)
    return DEFAULT_CA_BUNDLE if DEFAULT_CA_BUNDLE.is_file() else None


def http(method: str, url: str, body: Any = None, timeout: float = 10) -> tuple[int, Any]:
    """Status and JSON body (or text) of one request; a connection error is status 0."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method, headers={"Content-Type": "application/json"})
    try:
        with _LOCAL.open(request, timeout=timeout) as response:
            status, text = response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        status, text = error.code, error.read().decode()
    except (OSError, urllib.error.URLError):
        return 0, None
    try:
        return status, json.loads(text)
    except ValueError:
        return status, text


def wait_for_status(
    method: str, url: str, body: Any = None, status: int = 200, timeout: float = 60
) -> tuple[float, Any]:
    """Poll until the request answers `status`; returns when (time.monotonic()) and the answer's body."""
    deadline = time.monotonic() + timeout
    last: tuple[int, Any] = (0, None)
    while time.monotonic() < deadline:
        last = http(method, url, body, timeout=5)
        if last[0] == status:
            return time.monotonic(), last[1]
        time.sleep(0.05)
    raise AssertionError(f"{method} {url} did not answer {status} within {timeout} s; last answer: {last}")

"""`make test`'s first step, scripts/install_system_packages.sh, against stand-in commands: it installs exactly
what is missing with apt, and runs no apt-get at all when nothing is."""

import os
import shutil
import stat
import subprocess
from pathlib import Path

from ..support.helpers import TEMPLATE_DIR

SCRIPT = TEMPLATE_DIR / "scripts/install_system_packages.sh"
# The commands the suite needs, as the script looks for them (npm stands for Node.js).
TOOLS = ("git", "make", "npm", "podman", "buildah", "debootstrap", "prometheus", "wrk", "runc")
# Real commands the script itself uses.
UTILITIES = ("dirname", "env")


def write_recorder(folder: Path, name: str, log: Path) -> None:
    """A stand-in that appends its name, DEBIAN_FRONTEND and arguments to the log, and succeeds."""
    path = folder / name
    path.write_text(f'#!/bin/bash\necho "{name} ${{DEBIAN_FRONTEND:-}} $*" >> "{log}"\n', encoding="utf-8")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)


def machine(tmp_path: Path, present: tuple[str, ...]) -> tuple[Path, dict[str, str], Path]:
    """A copy of the script in a checkout with the registry unpacked, and a PATH of stand-ins for `present`."""
    checkout = tmp_path / "checkout"
    (checkout / "scripts").mkdir(parents=True)
    shutil.copy(SCRIPT, checkout / "scripts")
    registry = checkout / "tools/registry/usr/bin/docker-registry"
    registry.parent.mkdir(parents=True)
    registry.write_text("", encoding="utf-8")
    registry.chmod(0o755)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    log = tmp_path / "calls.log"
    for name in (*present, "apt-get", "sudo", "sh", "rm"):
        write_recorder(bin_dir, name, log)
    for name in UTILITIES:
        (bin_dir / name).symlink_to(shutil.which(name) or f"/usr/bin/{name}")
    return checkout, {"PATH": str(bin_dir), "HOME": str(tmp_path)}, log


def run_script(checkout: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    bash = shutil.which("bash") or "/bin/bash"
    return subprocess.run(
        [bash, checkout / "scripts/install_system_packages.sh"], env=env, capture_output=True, text=True, check=False
    )


def test_with_everything_installed_it_only_looks(tmp_path: Path) -> None:
    checkout, env, log = machine(tmp_path, TOOLS)
    result = run_script(checkout, env)
    assert result.returncode == 0, result.stderr
    assert result.stdout + result.stderr == ""
    assert not log.exists(), "no apt-get, no sudo when nothing is missing"


def test_a_missing_tool_is_installed_with_apt_and_nothing_else(tmp_path: Path) -> None:
    checkout, env, log = machine(tmp_path, tuple(tool for tool in TOOLS if tool not in ("wrk", "npm")))
    result = run_script(checkout, env)
    assert result.returncode == 0, result.stderr
    apt = [line for line in log.read_text(encoding="utf-8").splitlines() if line.startswith(("apt-get", "sudo"))]
    install = "install -y -qq --no-install-recommends nodejs npm wrk"
    if os.geteuid() == 0:
        assert apt == ["apt-get  update -qq", f"apt-get noninteractive {install}"]
    else:
        assert apt == ["sudo  apt-get update -qq", f"sudo  env DEBIAN_FRONTEND=noninteractive apt-get {install}"]
    assert "installing nodejs npm wrk" in result.stdout

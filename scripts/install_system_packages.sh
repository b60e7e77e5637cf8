#!/usr/bin/env bash
# What the template's test suite needs from the system, installed with apt (Debian, Ubuntu) when missing.
# `make test` runs this first; when everything is there it only looks, so it takes no time and runs no apt-get.
# Not root: each command that needs root runs through sudo, which asks for your password.
set -euo pipefail
cd "$(dirname "$0")/.."

as_root() {
  if ((EUID == 0)); then "$@"; else sudo "$@"; fi
}

missing=()
command -v git >/dev/null || missing+=(git)
command -v make >/dev/null || missing+=(make)
command -v npm >/dev/null || missing+=(nodejs npm)
# The serving image is built and run with podman from a debootstrap base; Prometheus scrapes the running API;
# wrk drives the serving benchmark.
command -v podman >/dev/null || missing+=(podman)
command -v buildah >/dev/null || missing+=(buildah)
command -v debootstrap >/dev/null || missing+=(debootstrap)
command -v prometheus >/dev/null || missing+=(prometheus)
command -v wrk >/dev/null || missing+=(wrk)
# podman's default runtime (crun) cannot run containers on cgroup hosts in hybrid mode; runc can.
command -v runc >/dev/null || missing+=(runc)
# The deploy rehearsal pushes to a registry on 127.0.0.1: Debian's docker-registry, unpacked rather than
# installed, as its package would start a registry daemon listening on every interface.
registry=tools/registry/usr/bin/docker-registry

if ((${#missing[@]} == 0)) && [[ -x $registry ]]; then
  exit 0
fi
if ((EUID != 0)) && ! command -v sudo >/dev/null; then
  echo "error: the tests need ${missing[*]:-docker-registry} from apt: run this as root, or install sudo" >&2
  exit 1
fi
command -v apt-get >/dev/null || {
  echo "error: no apt-get here: install ${missing[*]:-docker-registry} with this system's package manager" >&2
  exit 1
}

echo "install_system_packages: updating apt's package lists"
as_root apt-get update -qq
if ((${#missing[@]})); then
  echo "install_system_packages: installing ${missing[*]}"
  # Installed packages must not start their services (Prometheus would listen on every interface): a
  # policy-rc.d that refuses every start, for the duration of the install only.
  policy=/usr/sbin/policy-rc.d
  if [[ ! -e $policy ]]; then
    as_root sh -c "printf '#!/bin/sh\nexit 101\n' >$policy && chmod +x $policy"
    trap 'as_root rm -f "$policy"' EXIT
  fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
if [[ ! -x $registry ]]; then
  echo "install_system_packages: unpacking docker-registry into tools/registry"
  download=$(mktemp -d)
  (cd "$download" && apt-get download docker-registry 2>/dev/null)
  dpkg-deb -x "$download"/docker-registry_*.deb tools/registry
  rm -rf "$download"
fi

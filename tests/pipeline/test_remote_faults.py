"""The S3 server dies in the middle of `dvc push`: DVC says so plainly, loses nothing, and a second push finishes.

A remote that goes away mid-upload (a crash, a network cut, a restarted MinIO) is the usual way a push fails in
practice. What a user needs then is a clear error rather than a traceback, a local cache they can push again
from, and a remote that a retried push completes, with no truncated object that DVC would take for a good one
and never send again. These tests kill a SeaweedFS server of their own (not the session one) with SIGKILL part
way through a push, then start a new server on the same data folder, push again, and pull everything into a
fresh clone.

"Part way" is made, not timed: DVC pushes through a relay (gated_relay.py) that lets a fixed number of object
uploads through and holds the next ones unanswered, so the server is killed while the push is still waiting on
it, with exactly that many objects on the remote. The relay then drops every connection and stops listening, as
the dead server would. The default project is pushed with a generated data folder of a few hundred small random
files beside it, so most objects are still to send. That push alone runs with AWS_MAX_ATTEMPTS=1: with botocore's
default retries DVC still fails the same way, with the same messages, but only after minutes of retrying each
object left to send.
"""

import hashlib
import json
import os
import random
import re
import signal
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

import psutil
import pytest
import yaml

from ..support.gated_relay import gated_relay
from ..support.helpers import VENV_BIN, commit_all, render, run, stages_run
from ..support.remote import STAGES, dvc, files, fresh_clone, pipeline_files, point_at_server
from ..support.runs import set_tool_identity
from ..support.s3_server import START_ATTEMPTS, S3Server, launched, log_tail, wait_until_ready

pytestmark = pytest.mark.slow

BUCKET = "ct-faults"
REMOTE_PREFIX = "faults"
OBJECTS_PREFIX = f"{REMOTE_PREFIX}/files/md5/"
ACCESS_KEY_ID = "faults-access-key"
SECRET_ACCESS_KEY = "faults-secret-key"
BULK = "data/bulk"
BULK_FILES = 240
BULK_FILE_BYTES = 16 * 1024
OBJECTS_BEFORE_THE_CUT = 15  # so a few objects are on the remote, and most are not
# botocore's default (5 attempts, random exponential backoff) spends up to 15 s on each object left to send once
# the server is gone, and DVC tries every one: over three minutes here. One attempt makes it give up in seconds.
FAIL_FAST = {"AWS_MAX_ATTEMPTS": "1"}
PUSH_TIMEOUT_S = 60.0
TRACEBACK = "Traceback (most recent call last)"
LAST_ERROR = re.compile(
    r"ERROR: (failed to push data to the cloud - \d+ files failed to upload"
    r"|unexpected error - Could not connect to the endpoint URL: .*)"
)


@dataclass(frozen=True)
class InterruptedPush:
    """A project whose `dvc push --run-cache` was cut off by killing the server, and what was seen of it."""

    project: Path
    server_dir: Path
    endpoint_url: str
    returncode: int
    log: str
    cache_before: dict[str, str]
    keys_before_kill: frozenset[str]


@contextmanager
def serving(data_dir: Path) -> Iterator[tuple[subprocess.Popen[bytes], S3Server]]:
    """`weed mini` on whatever `data_dir` holds (nothing at first), answering on fresh ports; stopped on exit."""
    failures: list[str] = []
    for attempt in range(1, START_ATTEMPTS + 1):
        with launched(data_dir, BUCKET, ACCESS_KEY_ID, SECRET_ACCESS_KEY, reuse=True) as (process, server):
            if wait_until_ready(process, server):
                yield process, server
                return
            failures.append(f"attempt {attempt} (exit code {process.poll()}):\n{log_tail(server.log_path)}")
    raise RuntimeError("weed mini did not start:\n" + "\n\n".join(failures))


def crash(process: subprocess.Popen[bytes]) -> None:
    """SIGKILL the whole server at once: nothing is flushed, no connection closed, no request finished.

    A killed `weed mini` cannot remove its Unix sockets, and some are in /tmp (seaweedfs-<server>-grpc-<port>.sock,
    with no flag to move them): they are removed here instead.
    """
    sockets = [conn.laddr for conn in psutil.Process(process.pid).net_connections(kind="unix") if conn.laddr]
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    for path in sockets:
        Path(path).unlink(missing_ok=True)


def md5_of(path: Path) -> str:
    return hashlib.md5(path.read_bytes()).hexdigest()


def cache_snapshot(project: Path) -> dict[str, str]:
    """The md5 of every file in the project's DVC cache (objects and run entries), by path in the cache."""
    root = project / ".dvc/cache"
    return {str(path.relative_to(root)): md5_of(path) for path in sorted(root.rglob("*")) if path.is_file()}


def tracked_md5s(project: Path) -> set[str]:
    """Every object the project's outputs need: each md5 in dvc.lock and the .dvc files, and in their .dir lists."""
    stages = yaml.safe_load((project / "dvc.lock").read_text())["stages"].values()
    outs = [out for stage in stages for out in stage["outs"]]
    for dvc_file in (path for path in project.rglob("*.dvc") if path.is_file()):  # not the .dvc folder
        outs += yaml.safe_load(dvc_file.read_text())["outs"]
    md5s = {out["md5"] for out in outs}
    for md5 in [md5 for md5 in md5s if md5.endswith(".dir")]:
        md5s |= {entry["md5"] for entry in json.loads(cache_object(project, md5).read_text())}
    return md5s


def cache_object(project: Path, md5: str) -> Path:
    return project / ".dvc/cache/files/md5" / md5[:2] / md5[2:]


def remote_object_keys(server: S3Server) -> set[str]:
    return set(server.keys(OBJECTS_PREFIX))


def pushed_count(log: str) -> int:
    match = re.search(r"^(\d+) files? pushed", log, re.MULTILINE)
    assert match, log
    return int(match.group(1))


def add_bulk_data(project: Path) -> None:
    """A folder of random (so incompressible) but reproducible files, tracked by DVC and committed."""
    folder = project / BULK
    folder.mkdir(parents=True)
    generator = random.Random(20240601)
    for index in range(BULK_FILES):
        (folder / f"part-{index:04d}.bin").write_bytes(generator.randbytes(BULK_FILE_BYTES))
    run([VENV_BIN / "dvc", "add", BULK], cwd=project)
    commit_all(project, "Bulk data")


@pytest.fixture(scope="module")
def interrupted_push(tmp_path_factory: pytest.TempPathFactory) -> Iterator[InterruptedPush]:
    """Render, reproduce, add the bulk data, commit; start a push and SIGKILL the server once some objects are in."""
    with pytest.MonkeyPatch.context() as patch:
        set_tool_identity(patch)
        root = tmp_path_factory.mktemp("faults")
        project = render(root, dvc_remote_url=f"s3://{BUCKET}/{REMOTE_PREFIX}")
        assert stages_run(run([VENV_BIN / "dvc", "repro"], cwd=project).stdout) == STAGES
        commit_all(project, "First model")
        add_bulk_data(project)
        cache_before = cache_snapshot(project)

        server_dir = root / "s3-server"
        push_log = root / "interrupted-push.log"
        with (
            serving(server_dir) as (process, server),
            gated_relay(server.endpoint_url, "PUT", f"/{BUCKET}/{OBJECTS_PREFIX}", OBJECTS_BEFORE_THE_CUT) as relay,
        ):
            env = point_at_server(project, replace(server, endpoint_url=relay.url))
            with push_log.open("wb") as output:
                push = subprocess.Popen(
                    [str(VENV_BIN / "dvc"), "push", "--run-cache"],
                    cwd=project,
                    env={**env, **FAIL_FAST},
                    stdin=subprocess.DEVNULL,
                    stdout=output,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            try:
                holding = relay.wait_until_holding(PUSH_TIMEOUT_S)
                assert holding, f"the push never sent object {OBJECTS_BEFORE_THE_CUT + 1}:\n{push_log.read_text()}"
                keys = remote_object_keys(server)
                crash(process)
                relay.cut()
                returncode = push.wait(timeout=PUSH_TIMEOUT_S)
            finally:
                if push.poll() is None:
                    os.killpg(push.pid, signal.SIGKILL)
                    push.wait()
        yield InterruptedPush(
            project=project,
            server_dir=server_dir,
            endpoint_url=relay.url,
            returncode=returncode,
            log=push_log.read_text(),
            cache_before=cache_before,
            keys_before_kill=frozenset(keys),
        )


def test_interrupted_push_fails_clearly_and_leaves_the_cache_intact(interrupted_push: InterruptedPush) -> None:
    """The push exits non-zero with DVC's own one-line error, no traceback; the local cache is byte for byte as it was.

    The cache is what the user pushes again from: a failed upload must neither remove nor rewrite any of it.
    """
    pushed = interrupted_push
    assert pushed.returncode != 0, pushed.log
    assert TRACEBACK not in pushed.log
    # One line per object it could not send, naming the server it could not reach; then, depending on which
    # object was in flight when the server died, a count of the failures or the last connection error again.
    unreachable = f'Could not connect to the endpoint URL: "{pushed.endpoint_url}/{BUCKET}/{OBJECTS_PREFIX}'
    errors = [line for line in pushed.log.splitlines() if line.startswith("ERROR:")]
    assert errors, pushed.log
    assert all(unreachable in line or LAST_ERROR.fullmatch(line) for line in errors), pushed.log
    assert LAST_ERROR.fullmatch(errors[-1]), pushed.log
    assert any(unreachable in line for line in errors), pushed.log

    assert cache_snapshot(pushed.project) == pushed.cache_before
    needed = tracked_md5s(pushed.project)
    assert len(needed) > BULK_FILES
    for md5 in needed:
        path = cache_object(pushed.project, md5)
        assert path.is_file(), md5
        assert md5_of(path) == md5.removesuffix(".dir"), md5
    # The push was cut off part way: the objects the relay let through had arrived, and no other.
    assert len(pushed.keys_before_kill) == OBJECTS_BEFORE_THE_CUT


def test_push_after_restart_completes_and_a_fresh_clone_gets_every_byte(
    interrupted_push: InterruptedPush, tmp_path: Path
) -> None:
    """A server restarted on the same data keeps what arrived; a second push sends only the rest, and a clone pulls
    every output byte for byte, so no object was left truncated on the remote by the kill.
    """
    project = interrupted_push.project
    with serving(interrupted_push.server_dir) as (_, server):
        assert server.listening_hosts() == {"127.0.0.1"}
        survived = remote_object_keys(server)
        assert interrupted_push.keys_before_kill <= survived

        env = point_at_server(project, server)  # the restarted server has new ports: a new endpoint
        log = dvc(project, env, "push", "--run-cache")

        objects = {
            OBJECTS_PREFIX + name.removeprefix("files/md5/")
            for name in cache_snapshot(project)
            if name.startswith("files/md5/")
        }
        assert remote_object_keys(server) == objects
        assert len(server.keys(f"{REMOTE_PREFIX}/runs/")) == len(STAGES)
        # Exactly what was missing went up (DVC counts the run entries too): nothing that had arrived was sent again.
        assert pushed_count(log) == len(objects) - len(survived) + len(STAGES)

        clone, clone_env = fresh_clone(project, tmp_path / "clone", server)
        dvc(clone, clone_env, "pull")

        assert files(clone / BULK) == files(project / BULK)
        assert pipeline_files(clone) == pipeline_files(project)
        assert stages_run(dvc(clone, clone_env, "repro")) == []
        assert run(["git", "status", "--porcelain"], cwd=clone).stdout == ""

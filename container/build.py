"""`make image`: build the container image `pixazo-mock:<version>` (the Dockerfile at the root).

1. Docker: `dockerd` from Debian's `docker.io` (installed with apt when missing and running
   as root), started in the background when none answers.
2. The base: `$BASE` if given; else `python:3.12-slim` when it is here or can be pulled;
   else a Debian bookworm base made with debootstrap (container/base.sh), made once and
   reused. It says which.
3. The wheelhouse (build/image/wheels): the toolkit's wheel built here, and every dependency
   as a binary wheel for the base's Python and this machine's architecture, from the package
   index: nothing is downloaded during `docker build`.
4. `docker build` with build/image as its whole context.

    python container/build.py [--base IMAGE] [--tag NAME]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.procs import find_or_install  # noqa: E402  (the repository's own helper)
from mock_gateway import __version__  # noqa: E402

CONTEXT = ROOT / "build" / "image"
SLIM = "python:3.12-slim"
DEBIAN_BASE = "pixazo-mock-base:bookworm"
TAG = f"pixazo-mock:{__version__}"
# redis needs it on Python < 3.11.3 (Debian bookworm has 3.11.2): unused where not needed.
MICRO_MARKED = ("async-timeout>=4.0.3",)


def say(text: str) -> None:
    print(f"image: {text}", flush=True)


def run(*args: str, quiet: bool = False, timeout: float = 900) -> subprocess.CompletedProcess[str]:
    try:
        found = subprocess.run(args, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        if quiet:
            raise
        sys.exit(f"image: {' '.join(args[:3])} ... took over {timeout:g} s; stopped")
    if found.returncode != 0 and not quiet:
        why = (found.stderr or found.stdout)[-3000:]
        sys.exit(f"image: {' '.join(args[:3])} ... failed:\n{why}")
    return found


def docker_ready() -> bool:
    try:
        return run("docker", "info", quiet=True, timeout=20).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def ensure_docker() -> None:
    """A docker client and a daemon that answers (installing and starting them if need be:
    one already answering, local or DOCKER_HOST, is used as it is)."""
    if shutil.which("docker") and docker_ready():
        return
    find_or_install("dockerd", "docker.io", say)
    if not shutil.which("docker") or not shutil.which("dockerd"):
        sys.exit("image: no docker here: install Debian's docker.io (apt-get install docker.io)")
    if docker_ready():
        return
    if os.geteuid() != 0:
        sys.exit("image: docker does not answer, and only root may start dockerd here")
    log = ROOT / "build" / "dockerd.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    say(f"starting dockerd (log: {log.relative_to(ROOT)})")
    with log.open("ab") as out:
        subprocess.Popen(
            ["dockerd"], stdout=out, stderr=out, stdin=subprocess.DEVNULL, start_new_session=True
        )
    deadline = time.monotonic() + 60
    while not docker_ready():
        if time.monotonic() > deadline:
            sys.exit(f"image: dockerd did not answer within 60 s; see {log}")
        time.sleep(0.5)


def choose_base(asked: str | None) -> str:
    if asked:
        return asked
    if run("docker", "image", "inspect", SLIM, quiet=True).returncode == 0:
        return SLIM
    try:
        pulled = run("docker", "pull", SLIM, quiet=True, timeout=60).returncode == 0
    except subprocess.TimeoutExpired:
        pulled = False
    if pulled:
        return SLIM
    say(f"{SLIM} cannot be pulled here (no registry): using a Debian base made locally")
    find_or_install("debootstrap", "debootstrap", say)
    base = subprocess.run([str(ROOT / "container" / "base.sh"), DEBIAN_BASE], check=False)
    if base.returncode != 0:
        sys.exit("image: could not make the Debian base (container/base.sh)")
    return DEBIAN_BASE


def python_of(base: str) -> tuple[str, str]:
    """The base's Python as X.Y.Z, the version the wheels are for (whole: a dependency's
    marker may ask for the micro version, e.g. redis's async-timeout below 3.11.3), and its
    machine (the wheels' architecture: the base's, not this machine's)."""
    probe = "import platform, sys; print('%d.%d.%d' % sys.version_info[:3], platform.machine())"
    found = run(
        "docker", "run", "--rm", "--network", "none", "--entrypoint", "python3", base, "-c", probe
    )
    version, machine = found.stdout.split()
    if tuple(int(n) for n in version.split(".")[:2]) < (3, 11):
        sys.exit(f"image: {base} has Python {version}; the toolkit needs 3.11 or later")
    return version, machine


def wheelhouse(version: str, machine: str) -> Path:
    """The toolkit's wheel and its dependencies' binary wheels for Python `version` (X.Y.Z)."""
    wheels = CONTEXT / "wheels"
    shutil.rmtree(wheels, ignore_errors=True)
    wheels.mkdir(parents=True)
    pip = [sys.executable, "-m", "pip"]
    run(*pip, "wheel", "--quiet", "--no-deps", "--wheel-dir", str(wheels), str(ROOT))
    own = next(wheels.glob("pixazo_mock_toolkit-*.whl"), None)
    if own is None:
        sys.exit(f"image: pip wheel made no pixazo_mock_toolkit wheel in {wheels}")
    platforms = [f"manylinux_2_{minor}_{machine}" for minor in (17, 24, 28)] + [
        f"manylinux2014_{machine}",
        f"linux_{machine}",
    ]
    nodot = "".join(version.split(".")[:2])
    args = [*pip, "download", "--quiet", "--dest", str(wheels), "--only-binary=:all:"]
    args += ["--python-version", version, "--implementation", "cp"]
    args += [f"--abi=cp{nodot}", "--abi=abi3", "--abi=none"]
    for name in platforms:
        args.append(f"--platform={name}")
    # pip evaluates `python_full_version` markers with its own interpreter's version, not
    # --python-version: what a dependency needs only below some micro version is added here.
    run(*args, str(own), *MICRO_MARKED)
    return wheels


def main() -> int:
    p = argparse.ArgumentParser(prog="container/build.py", description=__doc__.splitlines()[0])
    p.add_argument("--base", default=os.environ.get("BASE"), help=f"base image (default {SLIM})")
    p.add_argument("--tag", default=TAG, help=f"image name (default {TAG})")
    p.add_argument("--for-tests", action="store_true", help="also install docker-compose")
    args = p.parse_args()
    started = time.monotonic()
    ensure_docker()
    if args.for_tests:
        find_or_install("docker-compose", "docker-compose", say)
    base = choose_base(args.base)
    version, machine = python_of(base)
    say(f"base {base} (Python {version}, {machine})")
    wheels = wheelhouse(version, machine)
    say(f"wheelhouse: {len(list(wheels.glob('*.whl')))} wheels in {wheels.relative_to(ROOT)}")
    shutil.copy(ROOT / "Dockerfile", CONTEXT / "Dockerfile")
    run(
        "docker",
        "build",
        "--quiet",
        "--rm",
        "--force-rm",
        "--build-arg",
        f"BASE={base}",
        "--build-arg",
        f"VERSION={__version__}",
        "--tag",
        args.tag,
        str(CONTEXT),
    )
    size = run("docker", "image", "inspect", "--format", "{{.Size}}", args.tag).stdout.strip()
    took = time.monotonic() - started
    say(f"built {args.tag} on {base}: {int(size) / 1e6:.0f} MB, in {took:.0f} s")
    (CONTEXT / "base").write_text(base + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())

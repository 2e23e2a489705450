#!/usr/bin/env python3
"""deploy/docker/Dockerfile is in step with scripts/setup-deps and the binaries.

  check_docker.py [BIN_DIR]

1. The build stage installs its packages by running scripts/setup-deps (one list).
2. The runtime stage's package list (the `# runtime-packages:` line, which must
   equal the apt-get install line) holds exactly the runtime libraries of the
   linked -dev packages setup-deps installs (librdkafka-dev -> librdkafka1, ...,
   from `apt-cache depends`), plus ca-certificates.
3. With BIN_DIR: every shared library a caas-* service binary needs (ldd) comes
   from a package the runtime stage installs, one of their dependencies, or the
   base image's apt/libc (`dpkg -S`, `apt-cache depends --recurse`).
4. The image runs as a numeric non-root USER and keeps its data in /var/lib/caas.
Exit 1 listing every problem.
"""
import pathlib
import re
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]
# -dev packages of setup-deps whose libraries the service binaries link
# dynamically (header-only ones: boost, rapidjson, catch2 — are not here).
LINKED_DEV = {"librdkafka-dev": "librdkafka1", "librocksdb-dev": "librocksdb7.8",
              "prometheus-cpp-dev": "libprometheus-cpp-core1.0", "libssl-dev": "libssl3"}
EXTRA_RUNTIME = {"ca-certificates"}  # TLS to the partners, not a library
SERVICES = ["webhook-ingress", "order", "factory-adapter", "ota-engine", "telemetry-ingest", "notification"]


def setup_deps_packages() -> set:
    text = (ROOT / "scripts" / "setup-deps").read_text()
    block = re.search(r"packages=\((.*?)\)", text, re.S).group(1)
    return {w for line in block.splitlines() for w in line.split("#")[0].split()}


def apt_depends(pkg: str, recurse=False) -> set:
    cmd = ["apt-cache", "depends", "--no-recommends", "--no-suggests", "--no-conflicts", "--no-breaks",
           "--no-replaces", "--no-enhances"] + (["--recurse"] if recurse else []) + [pkg]
    out = subprocess.run(cmd, capture_output=True, text=True).stdout
    deps = set(re.findall(r"^\s+(?:Pre)?Depends: <?([^\s>]+)>?", out, re.M))
    if recurse:
        deps |= {l.strip() for l in out.splitlines() if l and not l.startswith(" ")}
    return {d.split(":")[0] for d in deps}


def apt_depends_all(pkgs) -> set:
    """Every package the given ones pull in (recursively, Depends/PreDepends only)."""
    out = subprocess.run(["apt-cache", "depends", "--recurse", "--no-recommends", "--no-suggests", "--no-conflicts",
                          "--no-breaks", "--no-replaces", "--no-enhances", *pkgs], capture_output=True, text=True).stdout
    found = {l.strip() for l in out.splitlines() if l and not l.startswith(" ")}
    found |= set(re.findall(r"^\s+(?:Pre)?Depends: <?([^\s>]+)>?", out, re.M))
    return {d.split(":")[0] for d in found}


def main(argv) -> int:
    problems = []
    docker = (ROOT / "deploy" / "docker" / "Dockerfile").read_text()
    if "RUN ./scripts/setup-deps" not in docker or "COPY scripts/setup-deps" not in docker:
        problems.append("build stage does not install its packages with scripts/setup-deps")
    declared = set(re.search(r"^# runtime-packages:(.*)$", docker, re.M).group(1).split())
    install = re.search(r"apt-get install -y --no-install-recommends \\\n(.*?)\\\n", docker, re.S)
    installed = set(install.group(1).split()) if install else set()
    if declared != installed:
        problems.append(f"runtime-packages line {sorted(declared)} != apt-get install line {sorted(installed)}")
    deps = setup_deps_packages()
    for dev, runtime in LINKED_DEV.items():
        if dev not in deps:
            problems.append(f"setup-deps no longer installs {dev}: update LINKED_DEV and the Dockerfile")
        elif runtime not in apt_depends(dev):
            problems.append(f"{dev} no longer depends on {runtime} (apt-cache): update the Dockerfile")
    wanted = set(LINKED_DEV.values()) | EXTRA_RUNTIME
    for p in sorted(wanted - installed):
        problems.append(f"runtime stage misses {p}")
    for p in sorted(installed - wanted):
        problems.append(f"runtime stage installs {p}, which no setup-deps -dev package needs")
    if not re.search(r"^USER [1-9][0-9]*:[1-9][0-9]*$", docker, re.M):
        problems.append("no numeric non-root USER uid:gid")
    if "CAAS_DATA_DIR=/var/lib/caas" not in docker:
        problems.append("CAAS_DATA_DIR is not /var/lib/caas")

    if argv:
        bin_dir = pathlib.Path(argv[0])
        available = set(installed) | apt_depends_all(sorted(installed) + ["apt", "libc6"])
        needed = {}  # library path -> (binary, soname)
        binaries = [bin_dir / f"caas-{svc}" for svc in SERVICES if (bin_dir / f"caas-{svc}").exists()]
        for binary in binaries:
            for line in subprocess.run(["ldd", str(binary)], capture_output=True, text=True).stdout.splitlines():
                m = re.match(r"\s*(\S+) => (/\S+)", line)
                if m:
                    needed.setdefault(str(pathlib.Path(m.group(2)).resolve()), (binary.name, m.group(1)))
        owners = {}
        # usrmerge: dpkg may know a library under /lib rather than /usr/lib.
        queries = sorted(set(needed) | {p.replace("/usr/lib/", "/lib/", 1) for p in needed})
        out = subprocess.run(["dpkg", "-S", *queries], capture_output=True, text=True).stdout
        for line in out.splitlines():
            pkgs, _, path = line.partition(": ")
            owners[path.strip()] = pkgs.split(",")[0].split(":")[0].strip()
        for path, (binary, soname) in sorted(needed.items()):
            pkg = owners.get(path) or owners.get(path.replace("/usr/lib/", "/lib/", 1))
            if pkg is None:
                problems.append(f"{binary}: {soname} ({path}) belongs to no Debian package")
            elif pkg not in available:
                problems.append(f"{binary}: needs {soname} from {pkg}, not in the runtime image")
        if not binaries:
            problems.append(f"no caas-* service binaries in {bin_dir}")
    for p in problems:
        print(p, file=sys.stderr)
    if not problems:
        print("Dockerfile in step with scripts/setup-deps" + (" and the binaries' libraries" if argv else ""))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

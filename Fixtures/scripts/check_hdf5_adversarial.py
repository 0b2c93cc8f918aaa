"""What each file of Fixtures/adversarial/hdf5/ does to libhdf5 versions and to ldvc-convert: the table
of Fixtures/adversarial/hdf5/README.md.

    python3 Fixtures/scripts/check_hdf5_adversarial.py [--python PYTHON ...] [--tool PATH]

- libhdf5 of the system (Debian 12: 1.10.8) through hdf5_read_all.c, built plainly and with
  AddressSanitizer (which also reports the out-of-bounds reads and bad frees a plain run survives);
- h5py of each --python interpreter (default: this one), reading everything in a subprocess;
- ldvc-convert (default .build/debug/ldvc-convert): `inspect FILE`, its exit status and message; with
  --before, a build from before the preflight as well.
Each run gets 10 seconds; a run still going then is a hang.
"""
import argparse
import os
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
FOLDER = ROOT / "Fixtures" / "adversarial" / "hdf5"
READER = """
import sys, h5py
def visit(obj, depth=0):
    if depth > 40: return
    for name in obj.attrs: obj.attrs[name]
    if isinstance(obj, h5py.Group):
        for name in obj:
            if isinstance(obj.get(name, getlink=True), h5py.HardLink): visit(obj[name], depth + 1)
    elif isinstance(obj, h5py.Dataset) and obj.size * obj.dtype.itemsize < 64e6:
        obj[()]
try:
    with h5py.File(sys.argv[1], "r") as f: visit(f)
except Exception as error:
    print(type(error).__name__ + ": " + str(error).splitlines()[0][:80]); sys.exit(2)
"""


def describe(returncode, stderr="", timed_out=False):
    if timed_out:
        return "hang (> 10 s)"
    if returncode < 0:
        return f"crash ({signal.Signals(-returncode).name})"
    if returncode == 0:
        return "read, no error"
    return "error"


def run(command, env=None):
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=10, env=env)
    except subprocess.TimeoutExpired:
        return None, "", True
    return result, result.stderr, False


def sanitizer_report(stderr):
    lines = stderr.splitlines()
    kind = next((l.split("AddressSanitizer: ")[1].split(" on ")[0].split(" (")[0] for l in lines if "ERROR: AddressSanitizer" in l), None)
    frames = [l.split(" in ")[1].split(" ")[0] for l in lines if l.strip().startswith("#") and " in H5" in l]
    return f"{kind} in {frames[0]}" if kind and frames else kind


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--python", action="append", default=None)
    parser.add_argument("--tool", default=str(ROOT / ".build" / "debug" / "ldvc-convert"))
    parser.add_argument("--before", help="an ldvc-convert built without the preflight")
    args = parser.parse_args()
    pythons = args.python or [sys.executable]
    build = Path(tempfile.mkdtemp())
    flags = subprocess.run(["pkg-config", "--cflags", "--libs", "hdf5"], capture_output=True, text=True).stdout.split()
    source = Path(__file__).with_name("hdf5_read_all.c")
    subprocess.run(["cc", "-O1", "-g", str(source), *flags, "-o", build / "plain"], check=True)
    subprocess.run(["cc", "-O1", "-g", "-fsanitize=address", str(source), *flags, "-o", build / "asan"], check=True)
    version = subprocess.run(["pkg-config", "--modversion", "hdf5"], capture_output=True, text=True).stdout.strip()
    labels = []
    for python in pythons:
        probe = subprocess.run([python, "-c", "import h5py; print(h5py.__version__, h5py.version.hdf5_version)"],
                               capture_output=True, text=True).stdout.split()
        labels.append(f"h5py {probe[0]} (HDF5 {probe[1]})")
    before = [f"ldvc-convert inspect, before"] if args.before else []
    print(f"| file | libhdf5 {version} | libhdf5 {version} + ASan | " + " | ".join(labels + before)
          + " | ldvc-convert inspect |")
    print("|---" * (4 + len(labels) + len(before)) + "|")
    asan = dict(os.environ, ASAN_OPTIONS="detect_leaks=0:allocator_may_return_null=0")
    for path in sorted(FOLDER.glob("*.h5")):
        cells = []
        result, stderr, hung = run([build / "plain", path])
        cells.append(describe(result.returncode if result else 0, stderr, hung))
        result, stderr, hung = run([build / "asan", path], env=asan)
        cells.append((sanitizer_report(stderr) if result and result.returncode not in (0, 2) else None)
                     or describe(result.returncode if result else 0, stderr, hung))
        for python in pythons:
            result, stderr, hung = run([python, "-c", READER, str(path)])
            cell = describe(result.returncode if result else 0, stderr, hung)
            if result and result.returncode == 2:
                cell = "error: " + result.stdout.strip().split(":")[0]
            cells.append(cell)
        if args.before:
            result, stderr, hung = run([args.before, "inspect", str(path)])
            cells.append(describe(result.returncode if result else 0, stderr, hung).replace("read, no error", "exit 0")
                         if not result or result.returncode < 0 or hung else f"exit {result.returncode}")
        result, stderr, hung = run([args.tool, "inspect", str(path)])
        if result is None:
            cells.append("hang (> 10 s)")
        else:
            message = stderr.strip().splitlines()[-1] if stderr.strip() else ""
            message = message.split(f"{path}: ", 1)[-1].replace("|", "\\|")
            cells.append(f"exit {result.returncode}" + (f": {message[:100]}" if result.returncode else ""))
        print(f"| `{path.name}` | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()

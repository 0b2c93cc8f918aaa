"""Writing golden files (Schemas/golden/ldvc-golden-v1.md) with h5py."""
import os
from pathlib import Path

import h5py
import numpy as np

FORMAT = "ldvc-swift.golden"
FORMAT_VERSION = 1

# Goldens are read once per test, never mapped, so they are stored compressed (any HDF5 reader with
# the standard deflate filter reads them; libhdf5 and h5py ship it).
COMPRESSION = dict(compression="gzip", compression_opts=9, shuffle=True)


def write_golden(path, *, inputs, taps, producer, reference, model, weights_dtype, provenance=None):
    """Writes a golden file: root attributes, `/inputs/<name>`, `/taps/<name>` with `order` and
    `valid_rows`. `taps` is a `TapLog`; `provenance` holds optional root attributes (strings or
    integers) written after the required ones, in the given order.

    The file is written to a temporary file beside `path` and renamed over it when complete, so an
    interrupted run never leaves a partial golden (HDF5 files do not record their own name, so the
    bytes are the same as a direct write)."""
    path = Path(path)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with h5py.File(temporary, "w", track_order=True) as f:
            f.attrs["format"] = FORMAT
            f.attrs["format_version"] = np.int64(FORMAT_VERSION)
            f.attrs["producer"] = producer
            f.attrs["reference"] = reference
            f.attrs["model"] = model
            f.attrs["weights_dtype"] = weights_dtype
            for key, value in (provenance or {}).items():
                f.attrs[key] = np.int64(value) if isinstance(value, int) else value
            group = f.create_group("inputs", track_order=True)
            for name, value in inputs.items():
                group.create_dataset(name, data=value, **COMPRESSION)
            group = f.create_group("taps", track_order=True)
            for order, (name, array, valid_rows) in enumerate(taps.items):
                ds = group.create_dataset(name, data=array, **COMPRESSION)
                ds.attrs["order"] = np.int64(order)
                if valid_rows is not None:
                    ds.attrs["valid_rows"] = np.asarray(valid_rows, dtype=np.int64)
        os.replace(temporary, path)
    finally:
        if temporary.exists():
            temporary.unlink()

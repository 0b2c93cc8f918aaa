"""Hostile HDF5 files: Fixtures/adversarial/hdf5/ (see the README there).

Two small valid files are written with h5py the way our files are laid out (creation order tracked, so
version-2 object headers, dense attribute and link storage past eight entries, variable-length string
attributes in the global heap; the golden-like one with gzip+shuffle chunks), then each hostile file is
one of them with one field changed, located by parsing the bytes here. Where the field lies inside a
checksummed structure the checksum is recomputed, as an attacker would (except where the wrong
checksum is the point). Most of these crash libhdf5 1.10.8 (Debian 12), make it loop or allocate
without bound; ldvc-convert refuses every one before libhdf5 reads it (HDF5Preflight).

    python3 Fixtures/scripts/make_hdf5_adversarial.py           # rewrites Fixtures/adversarial/hdf5/*.h5

Deterministic: no timestamps are stored, and gzip output depends only on the zlib h5py bundles (the
README pins the versions), so reruns are byte-identical.
"""

import os
import struct
import zlib
from pathlib import Path

import h5py
import numpy as np
from h5py import h5f, h5g, h5p

OUT = Path(__file__).resolve().parent.parent / "adversarial" / "hdf5"
ORDER = h5p.CRT_ORDER_TRACKED | h5p.CRT_ORDER_INDEXED
UNDEFINED = 0xFFFF_FFFF_FFFF_FFFF


# ---------------------------------------------------------------------------------------------
# The two valid bases.


def new_file(path, libver=None):
    fcpl = h5p.create(h5p.FILE_CREATE)
    fcpl.set_link_creation_order(ORDER)
    fcpl.set_attr_creation_order(ORDER)
    fcpl.set_obj_track_times(False)
    fapl = h5p.create(h5p.FILE_ACCESS)
    # h5py.File's own default (HDF5's bare default in 2.0 starts at the 1.8 format).
    fapl.set_libver_bounds(*(libver or (h5f.LIBVER_EARLIEST, h5f.LIBVER_LATEST)))
    return h5py.File(h5f.create(str(path).encode(), h5f.ACC_TRUNC, fcpl=fcpl, fapl=fapl))


def new_group(parent, name):
    gcpl = h5p.create(h5p.GROUP_CREATE)
    gcpl.set_link_creation_order(ORDER)
    gcpl.set_attr_creation_order(ORDER)
    gcpl.set_obj_track_times(False)
    return h5py.Group(h5g.create(parent.id, name.encode(), gcpl=gcpl))


def write_layout(path, libver=None):
    """Like a layout file: ten string attributes on the root (dense), /vision with ten datasets
    (dense links), /text with one (compact), provenance strings on every dataset."""
    with new_file(path, libver) as f:
        f.attrs["format"] = "ldvc-swift.layout"
        for key in ["producer", "source_file", "source_sha256", "convention", "dtype_policy",
                    "architecture_sources", "dropped_tensors", "activation"]:
            f.attrs[key] = f"value of {key}"
        f.attrs["format_version"] = np.int64(1)
        vision = new_group(f, "vision")
        vision.attrs["width"] = np.int64(8)
        for index in range(10):
            data = np.arange(6, dtype=np.float32).reshape(2, 3) + index
            dataset = vision.create_dataset(f"w{index}", data=data, track_times=False, track_order=False)
            dataset.attrs["source_name"] = f"visual.w{index}"
            dataset.attrs["transform"] = "identity"
            dataset.attrs["source_dtype"] = "f32"
            dataset.attrs["dtype"] = "f32"
        text = new_group(f, "text")
        dataset = text.create_dataset(
            "token_embedding", data=np.arange(12, dtype=np.float32).reshape(4, 3), track_times=False,
            track_order=False)
        dataset.attrs["source_name"] = "token_embedding.weight"
        dataset.attrs["order"] = np.int64(7)


def write_golden(path, slide_output_size=None):
    """Like a golden: root attributes, /inputs and /taps (ten taps: dense links), gzip+shuffle chunks."""
    rng = np.random.default_rng(0)
    gzip = dict(compression="gzip", compression_opts=9, shuffle=True, track_times=False, track_order=False)
    with new_file(path) as f:
        f.attrs["format"] = "ldvc-swift.golden"
        f.attrs["format_version"] = np.int64(1)
        for key in ["producer", "reference", "model", "weights_dtype"]:
            f.attrs[key] = "f32" if key == "weights_dtype" else f"{key} text"
        inputs, taps = new_group(f, "inputs"), new_group(f, "taps")
        inputs.create_dataset("image", data=rng.standard_normal((1, 3, 8, 8)).astype(np.float32), **gzip)
        if slide_output_size:
            inputs.create_dataset("class_embeddings", data=rng.standard_normal((4, 8)).astype(np.float32), **gzip)
            inputs.create_dataset("slide_image", data=rng.standard_normal((1, 3, 8, 8)).astype(np.float32), **gzip)
            inputs.create_dataset("slide_output_size", data=np.asarray(slide_output_size, dtype=np.int64), **gzip)
        for index in range(10):
            data = rng.standard_normal((2, 4, 8)).astype(np.float32)
            dataset = taps.create_dataset(f"vision.tap{index}", data=data, chunks=(1, 4, 8), **gzip)
            dataset.attrs["order"] = np.int64(index)


# ---------------------------------------------------------------------------------------------
# Checksums: Jenkins lookup3, as HDF5 computes it, and where each checksum of a file is.


def lookup3(data):
    mask = 0xFFFFFFFF

    def rot(x, k):
        return ((x << k) | (x >> (32 - k))) & mask

    length = len(data)
    a = b = c = (0xDEADBEEF + length) & mask
    i = 0
    while length > 12:
        a = (a + int.from_bytes(data[i:i + 4], "little")) & mask
        b = (b + int.from_bytes(data[i + 4:i + 8], "little")) & mask
        c = (c + int.from_bytes(data[i + 8:i + 12], "little")) & mask
        a = (a - c) & mask; a ^= rot(c, 4); c = (c + b) & mask
        b = (b - a) & mask; b ^= rot(a, 6); a = (a + c) & mask
        c = (c - b) & mask; c ^= rot(b, 8); b = (b + a) & mask
        a = (a - c) & mask; a ^= rot(c, 16); c = (c + b) & mask
        b = (b - a) & mask; b ^= rot(a, 19); a = (a + c) & mask
        c = (c - b) & mask; c ^= rot(b, 4); b = (b + a) & mask
        length -= 12
        i += 12
    if length == 0:
        return c
    tail = bytes(data[i:i + length]) + bytes(12 - length)
    a = (a + int.from_bytes(tail[0:4], "little")) & mask
    b = (b + int.from_bytes(tail[4:8], "little")) & mask
    c = (c + int.from_bytes(tail[8:12], "little")) & mask
    c ^= b; c = (c - rot(b, 14)) & mask
    a ^= c; a = (a - rot(c, 11)) & mask
    b ^= a; b = (b - rot(a, 25)) & mask
    c ^= b; c = (c - rot(b, 16)) & mask
    a ^= c; a = (a - rot(c, 4)) & mask
    b ^= a; b = (b - rot(a, 14)) & mask
    c ^= b; c = (c - rot(b, 24)) & mask
    return c


def checksummed_ranges(data):
    """(start, length, checksum offset): object header chunks, B-tree nodes, fractal heap headers and
    indirect blocks are checksummed up to the checksum; direct blocks over the whole block with the
    checksum taken as zero; a version 2/3 superblock over its first 44 bytes."""
    ranges = []
    for signature in [b"OHDR", b"OCHK", b"BTHD", b"BTIN", b"BTLF", b"FRHP", b"FHIB"]:
        start = data.find(signature)
        while start >= 0:
            for length in range(8, min(1 << 16, len(data) - start - 4)):
                if lookup3(data[start:start + length]) == int.from_bytes(data[start + length:start + length + 4], "little"):
                    ranges.append((start, length, start + length))
                    break
            start = data.find(signature, start + 1)
    start = data.find(b"FHDB")
    while start >= 0:
        for offset_bytes in range(2, 9):
            at = start + 13 + offset_bytes
            for size in [512 << k for k in range(8)]:
                block = bytearray(data[start:start + size])
                block[at - start:at - start + 4] = bytes(4)
                if len(block) == size and lookup3(bytes(block)) == int.from_bytes(data[at:at + 4], "little"):
                    ranges.append((start, size, at))
                    break
            else:
                continue
            break
        start = data.find(b"FHDB", start + 1)
    if data[8] in (2, 3):
        ranges.append((0, 44, 44))
    return ranges


def fix_checksums(buffer, ranges):
    for start, length, at in ranges:
        block = bytearray(buffer[start:start + length])
        if at < start + length:  # a direct block: the checksum lies inside
            block[at - start:at - start + 4] = bytes(4)
        buffer[at:at + 4] = lookup3(bytes(block)).to_bytes(4, "little")


# ---------------------------------------------------------------------------------------------
# Finding fields.


def attribute(data, name):
    """Offsets of an attribute message's fields: (message start, datatype start, value start)."""
    needle = name.encode() + b"\0"
    at = data.find(needle)
    while at >= 0:
        for header, version in ((8, 1), (8, 2), (9, 3)):
            start = at - header
            if start >= 0 and data[start] == version:
                name_size, type_size, space_size = struct.unpack_from("<HHH", data, start + 2)
                if name_size == len(needle):
                    pad = (lambda n: (n + 7) // 8 * 8) if version == 1 else (lambda n: n)
                    datatype = at + pad(name_size)
                    return start, datatype, datatype + pad(type_size) + pad(space_size)
        at = data.find(needle, at + 1)
    raise LookupError(name)


def global_heap_objects(data):
    """(collection start, [(index, header offset, size, payload)]) of the first collection."""
    start = data.find(b"GCOL")
    size = struct.unpack_from("<Q", data, start + 8)[0]
    objects, at = [], start + 16
    while at + 16 <= start + size:
        index, _, _, object_size = struct.unpack_from("<HHIQ", data, at)
        objects.append((index, at, object_size, data[at + 16:at + 16 + (object_size if index else 0)]))
        if index == 0:
            break
        at += 16 + (object_size + 7) // 8 * 8
    return start, objects


def header_messages(data, address):
    """[(type, offset of the type field, offset of the data, size)] of an object header (version 1 or
    2), continuation chunks included."""
    messages, chunks = [], []
    if data[address:address + 4] == b"OHDR":
        flags = data[address + 5]
        at = address + 6 + (16 if flags & 0x20 else 0) + (4 if flags & 0x10 else 0)
        width = 1 << (flags & 3)
        size = int.from_bytes(data[at:at + width], "little")
        chunks.append((at + width, at + width + size, 2, flags & 0x04))
    else:
        size = struct.unpack_from("<I", data, address + 8)[0]
        chunks.append((address + 16, address + 16 + size, 1, 0))
    while chunks:
        start, end, version, creation_order = chunks.pop(0)
        at = start
        header = 8 if version == 1 else (6 if creation_order else 4)
        while end - at >= header:
            if version == 1:
                kind, size = struct.unpack_from("<HH", data, at)
            else:
                kind, size = data[at], struct.unpack_from("<H", data, at + 1)[0]
            messages.append((kind, at, at + header, size))
            if kind == 0x10:
                chunk, length = struct.unpack_from("<QQ", data, at + header)
                chunks.append((chunk + (4 if version == 2 else 0), chunk + length - (4 if version == 2 else 0),
                               version, creation_order))
            at += header + size
    return messages


def object_address(path, name):
    with h5py.File(path, "r") as f:
        return h5py.h5o.get_info(f[name].id).addr


def message(data, base, name, kind):
    return next(m for m in header_messages(data, object_address(base, name)) if m[0] == kind)


def find_unique(data, pattern):
    at = data.find(pattern)
    assert at >= 0 and data.find(pattern, at + 1) < 0, pattern
    return at


def dataset_offset(path, name):
    with h5py.File(path, "r") as f:
        return f[name].id.get_offset()


# ---------------------------------------------------------------------------------------------
# The hostile files. Each function gets the base bytes and returns the changed bytes (checksums are
# fixed afterwards unless it returns (bytes, False)).


def attribute_type_size(data, base):
    # A dataset's 8-byte integer attribute claiming 40-byte elements: libhdf5 1.10.8 copies the value
    # past the end of the header chunk (heap overflow in H5O__msg_iterate_real).
    _, datatype, _ = attribute(data, "order")
    struct.pack_into("<I", data, datatype + 4, 40)
    return data


def attribute_type_version(data, base):
    # The class and version byte of a string attribute's base type set to 0x84 (bitfield, version 8):
    # libhdf5 decodes it anyway and crashes closing the attribute (H5A__close).
    _, datatype, _ = attribute(data, "dtype")
    data[datatype + 8] = 0x84
    return data


def vlen_type_size(data, base):
    # A variable-length string type claiming 11-byte elements instead of 16 (H5A__read overflow).
    _, datatype, _ = attribute(data, "transform")
    struct.pack_into("<I", data, datatype + 4, 11)
    return data


def vlen_type_bits(data, base):
    # Variable-length type 15 (neither sequence nor string): libhdf5 decodes garbage addresses
    # (H5F_addr_decode in H5T__conv_vlen).
    _, datatype, _ = attribute(data, "transform")
    data[datatype + 1] = (data[datatype + 1] & 0xF0) | 0x0F
    return data


def string_missing_heap_object(data, base):
    # A string attribute naming global heap object 0x00FF0019, which does not exist (H5HG_read).
    _, _, value = attribute(data, "source_name")
    struct.pack_into("<I", data, value + 12, 0x00FF0019)
    return data


def string_length_huge(data, base):
    # A string attribute of length 0xFF000000: libhdf5 allocates and clears 4 GiB first.
    _, _, value = attribute(data, "source_name")
    struct.pack_into("<I", data, value, 0xFF000000)
    return data


def global_heap_object_size(data, base):
    # A global heap object claiming 2^55 bytes: libhdf5 copies it over the collection (H5HG_read).
    _, objects = global_heap_objects(data)
    index, at, _, _ = next(o for o in objects if o[3] == b"visual.w3")
    struct.pack_into("<Q", data, at + 8, 1 << 55)
    return data


def global_heap_free_space_zero(data, base):
    # The free-space object of a global heap with size 0: libhdf5's collection walk never advances
    # (`export`, `inspect` and every attribute read hang).
    _, objects = global_heap_objects(data)
    _, at, _, _ = next(o for o in objects if o[0] == 0)
    struct.pack_into("<Q", data, at + 8, 0)
    return data


def link_heap_checksum(data, base):
    # One byte of a dense group's link heap block changed, its checksum left wrong: libhdf5 notices,
    # then frees uninitialised link-table entries (invalid free in H5G__link_release_table).
    at = data.find(b"FHDB")
    while b"vision.tap" not in data[at:at + 512]:
        at = data.find(b"FHDB", at + 1)
    data[at + 500] ^= 0x08
    return data, False


def filter_unknown_id(data, base):
    # Filter 32001 (Blosc) instead of deflate: libhdf5 would search HDF5_PLUGIN_PATH for a library.
    _, _, at, _ = message(data, base, "taps/vision.tap0", 0x0B)
    version, count = data[at], data[at + 1]
    entry = at + (8 if version == 1 else 2)
    for _ in range(count):
        filter_id, name_length, _, values = struct.unpack_from("<HHHH", data, entry)
        if version == 2 and filter_id < 256:
            name_length, values = 0, struct.unpack_from("<H", data, entry + 4)[0]
            head = 6
        else:
            head = 8
        if filter_id == 1:
            struct.pack_into("<H", data, entry, 32001)
            return data
        name = (name_length + 7) // 8 * 8 if version == 1 else name_length
        entry += head + name + 4 * values + (4 if version == 1 and values % 2 else 0)
    raise LookupError("no deflate filter")


def chunk_dimension(data, base):
    # A tap's chunk dimensions (1, 4, 8) changed to (2, 400, 8): each chunk inflates to 128 bytes
    # where libhdf5 expects 25,600 and reads past its buffer (H5VM_memcpyvv in H5D__select_read).
    _, _, at, _ = message(data, base, "taps/vision.tap0", 0x08)
    assert struct.unpack_from("<BBB", data, at) == (3, 2, 4) and struct.unpack_from("<IIII", data, at + 11) == (1, 4, 8, 4)
    struct.pack_into("<II", data, at + 11, 2, 400)
    return data


def chunk_deflate_bomb(data, base):
    # The compressed bytes of one chunk replaced by a zlib stream of the same size that inflates to
    # about a thousand times the chunk (libhdf5 grows its buffer until the stream ends).
    with h5py.File(base, "r") as f:
        info = f["taps/vision.tap0"].id.get_chunk_info(0)
    count = 1 << 10
    while len(zlib.compress(bytes(count * 2), 9)) <= info.size:
        count *= 2
    bomb = zlib.compress(bytes(count), 9)
    data[info.byte_offset:info.byte_offset + info.size] = bomb + bytes(info.size - len(bomb))
    return data


def continuation_length(data, base):
    # The root header's continuation chunk claiming 2^58 bytes: libhdf5 asks malloc for it
    # (H5C_protect).
    _, _, at, _ = message(data, base, "/", 0x10)
    struct.pack_into("<Q", data, at + 8, 1 << 58)
    return data


def link_info_heap_address(data, base):
    # The compact group /text given a dense link heap address (96, the root's header): libhdf5 reads
    # fractal heap structures from it (H5F__accum_read).
    _, _, at, _ = message(data, base, "text", 0x02)
    assert data[at + 1] & 1 and struct.unpack_from("<Q", data, at + 10)[0] == UNDEFINED
    struct.pack_into("<Q", data, at + 10, 96)
    return data


def dimensions_overflow(data, base):
    # token_embedding of (2^32, 2^32 + 1) elements: the product overflows 64 bits.
    at = find_unique(data, struct.pack("<QQQQ", 4, 3, 4, 3))  # dimensions, maximum dimensions
    struct.pack_into("<QQQQ", data, at, 1 << 32, (1 << 32) + 1, 1 << 32, (1 << 32) + 1)
    return data


def token_embedding_rows(data, base, rows=1 << 40):
    # token_embedding claiming 2^40 rows (12 TiB), its data size to match.
    at = find_unique(data, struct.pack("<QQQQ", 4, 3, 4, 3))  # dimensions, maximum dimensions
    struct.pack_into("<QQQQ", data, at, rows, 3, rows, 3)
    offset = dataset_offset(base, "text/token_embedding")
    layout = find_unique(data, struct.pack("<BBQQ", 3, 1, offset, 48))
    struct.pack_into("<Q", data, layout + 10, rows * 12)
    return data


def contiguous_past_end(data, base):
    # token_embedding claiming 2^26 rows (768 MiB, within the budget): the data lies past the end.
    return token_embedding_rows(data, base, rows=1 << 26)


def attribute_heap_id_offset(data, base):
    # The root's first dense attribute (version-2 B-tree record type 8) pointing 1 MiB into its fractal
    # heap, past the only (1 KiB) block. Found by fuzzing: it made an early preflight trap.
    at = data.find(b"BTLF\x00\x08")
    assert data[at + 6] == 0x00  # a managed object's heap ID: flags, 5-byte offset, 2-byte length
    data[at + 7:at + 12] = (1 << 20).to_bytes(5, "little")
    return data


def truncated(data, base):
    # An interrupted download: the first 60 % of the file.
    return data[: len(data) * 6 // 10], False


def superblock_checksum(data, base):
    # A version-2 superblock whose end-of-file address was changed without its checksum.
    struct.pack_into("<Q", data, 28, struct.unpack_from("<Q", data, 28)[0] - 8)
    return data, False


MUTATIONS = {
    "layout": [attribute_type_size, attribute_type_version, vlen_type_size,
               vlen_type_bits, string_missing_heap_object, string_length_huge, global_heap_object_size,
               global_heap_free_space_zero, link_info_heap_address, attribute_heap_id_offset, dimensions_overflow,
               token_embedding_rows,
               contiguous_past_end,
               truncated],
    "golden": [link_heap_checksum, filter_unknown_id, chunk_dimension,
               chunk_deflate_bomb, continuation_length],
    "layout_v2": [superblock_checksum],
}


def write_linked(path):
    """Valid HDF5 with what our files never hold: soft and external links, external storage, a group
    with two hard links, a group linking to its ancestor."""
    write_layout(path.with_name("group_linked_twice.h5"))
    with h5py.File(path.with_name("group_linked_twice.h5"), "a") as f:
        f["text/vision_again"] = f["vision"]
    write_layout(path.with_name("group_cycle.h5"))
    with h5py.File(path.with_name("group_cycle.h5"), "a") as f:
        f["text/root"] = f["/"]
    write_layout(path.with_name("soft_link.h5"))
    with h5py.File(path.with_name("soft_link.h5"), "a") as f:
        f["text/alias"] = h5py.SoftLink("/vision")
    write_layout(path.with_name("external_link.h5"))
    with h5py.File(path.with_name("external_link.h5"), "a") as f:
        f["text/outside"] = h5py.ExternalLink("/etc/passwd", "/")
    write_layout(path.with_name("external_storage.h5"))
    with h5py.File(path.with_name("external_storage.h5"), "a") as f:
        f["text"].create_dataset(
            "outside", shape=(4,), dtype="<f4", external=[("/etc/hostname", 0, 16)], track_order=False)


def write_layout_seed(path):
    """A small layout file that LayoutReader accepts, for the layout fuzz target: the attributes of
    every group of the tiny ZegCLIP model fixture, and its one-dimensional tensors of /vision."""
    source = Path(__file__).resolve().parent.parent / "runtime" / "models" / "zegclip_tiny.h5"
    with h5py.File(source, "r") as model, new_file(path) as f:
        def copy(source_group, target_group):
            for name, value in source_group.attrs.items():
                target_group.attrs[name] = value
            for name, item in source_group.items():
                if isinstance(item, h5py.Group):
                    if item.attrs or item.name in ("/vision", "/vision/ln_pre", "/vision/ln_post"):
                        copy(item, new_group(target_group, name))
                elif item.ndim == 1 and item.name.startswith("/vision/"):
                    dataset = target_group.create_dataset(name, data=item[()], track_times=False, track_order=False)
                    for key, value in item.attrs.items():
                        dataset.attrs[key] = value
        copy(model, f)


def write_fuzz_seeds():
    """Seed corpora of the hdf5, layout and golden fuzz targets (Fuzz/README.md)."""
    corpus = Path(__file__).resolve().parent.parent.parent / "Fuzz" / "corpus"
    seeds = {"hdf5": ["base_layout.h5", "base_layout_v2.h5", "base_golden.h5"],
             "layout": ["base_layout.h5"], "golden": ["base_golden.h5", "golden_slide_output_size.h5"]}
    for target, names in seeds.items():
        folder = corpus / target
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.glob("*.h5"):
            old.unlink()
        for name in names:
            (folder / name).write_bytes((OUT / name).read_bytes())
    write_layout_seed(corpus / "layout" / "tiny_layout.h5")
    regressions = corpus.parent / "regressions" / "hdf5"
    regressions.mkdir(parents=True, exist_ok=True)
    for name in ["attribute_heap_id_offset.h5", "chunk_dimension.h5"]:
        (regressions / name).write_bytes((OUT / name).read_bytes())


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    for old in OUT.glob("*.h5"):
        old.unlink()
    bases = {"layout": OUT / "base_layout.h5", "golden": OUT / "base_golden.h5",
             "layout_v2": OUT / "base_layout_v2.h5"}
    write_layout(bases["layout"])
    write_golden(bases["golden"])
    write_layout(bases["layout_v2"], libver=(h5f.LIBVER_V18, h5f.LIBVER_V18))
    write_golden(OUT / "golden_slide_output_size.h5", slide_output_size=(65536, 65536))
    write_linked(OUT / "x")
    for base_name, mutations in MUTATIONS.items():
        original = bases[base_name].read_bytes()
        ranges = checksummed_ranges(original)
        for mutation in mutations:
            result = mutation(bytearray(original), bases[base_name])
            data, fix = (result if isinstance(result, tuple) else (result, True))
            if fix:
                fix_checksums(data, ranges)
            (OUT / f"{mutation.__name__}.h5").write_bytes(bytes(data))
    write_fuzz_seeds()
    for path in sorted(OUT.glob("*.h5")):
        print(f"{path.name:40} {path.stat().st_size:>8}")


if __name__ == "__main__":
    main()

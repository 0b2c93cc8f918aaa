#!/usr/bin/env python3
"""Hostile inputs for the checkpoint readers, and the seed corpora of the fuzz targets.

Writes, relative to the repository root:

* Fixtures/adversarial/*   small files that once made an earlier build trap, crash, hang, blow up
                           memory or accept corrupt data; each one is a regression test in
                           Tests/CheckpointTests/HostileFileTests.swift. (Large hostile inputs —
                           100k APPENDs, a 64 MB memo-reuse pickle, 300k safetensors entries, a
                           1 GiB deflated member, a 200,000-deep config — are made by the tests
                           themselves from the fixtures, so they are not committed.)
* Fuzz/corpus/<target>/*   small seeds for each fuzz target, cut down from the fixtures.

With ``--large DIR`` it also writes the large inputs into DIR (not committed) so that the
release binary can be timed on them (`/usr/bin/time -v ldvc-convert inspect …`).

Everything is deterministic: reruns give byte-identical files. Needs the standard library, and
`onnx` (1.23.2) for the one ONNX model; the pickles are assembled opcode by opcode (PickleAsm, as in
make_checkpoints.py), so nothing here ever unpickles anything.

    python3 Fixtures/scripts/make_adversarial.py [--large /tmp/ldvc-large]
"""

import argparse
import json
import struct
import zipfile
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ADV = ROOT / "Fixtures" / "adversarial"
CORPUS = ROOT / "Fuzz" / "corpus"


class PickleAsm:
    """Pickle opcodes byte by byte (the same helper as make_checkpoints.py, without its imports)."""

    def __init__(self, protocol=2):
        self.b = bytearray(b"\x80" + bytes([protocol]))

    def op(self, code):
        self.b += code
        return self

    def glob(self, module, name):
        self.b += b"c" + module.encode() + b"\n" + name.encode() + b"\n"
        return self

    def str(self, s):
        data = s.encode()
        self.b += b"X" + struct.pack("<I", len(data)) + data
        return self

    def int(self, n):
        if 0 <= n < 256:
            self.b += b"K" + bytes([n])
        elif 0 <= n < 65536:
            self.b += b"M" + struct.pack("<H", n)
        elif -(2 ** 31) <= n < 2 ** 31:
            self.b += b"J" + struct.pack("<i", n)
        else:
            data = n.to_bytes((n.bit_length() + 8) // 8, "little", signed=True)
            self.b += b"\x8a" + bytes([len(data)]) + data
        return self

    def int_tuple(self, values):
        self.op(b"(")
        for v in values:
            self.int(v)
        return self.op(b"t")

    def tensor(self, storage_type, key, numel, offset, size, stride):
        self.glob("torch._utils", "_rebuild_tensor_v2").op(b"(")
        self.op(b"(").str("storage").glob("torch", storage_type).str(key).str("cpu").int(numel).op(b"t")
        self.op(b"Q")
        self.int(offset).int_tuple(size).int_tuple(stride)
        self.op(b"\x89")
        self.glob("collections", "OrderedDict").op(b")").op(b"R")
        return self.op(b"t").op(b"R")

    def bytes(self):
        return bytes(self.b)


def zip_bytes(records, *, archive="archive", comment=b"", compress=()):
    """A torch-zip layout in memory, fixed timestamps; members named in `compress` are deflated."""
    import io
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for name, data in records:
            info = zipfile.ZipInfo(f"{archive}/{name}", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED if name in compress else zipfile.ZIP_STORED
            info.external_attr = 0o644 << 16
            z.writestr(info, data)
        z.comment = comment
    return out.getvalue()


def torch_records(pkl, storages):
    return [("data.pkl", pkl), ("byteorder", b"little")] + [(f"data/{k}", v) for k, v in storages] + [
        ("version", b"3\n")]


def one_tensor_pickle(name="w", *, key="0", numel=4, offset=0, size=(2, 2), stride=(2, 1), storage="FloatStorage"):
    return PickleAsm().op(b"}").str(name).tensor(storage, key, numel, offset, size, stride).op(b"s").op(b".").bytes()


F4 = struct.pack("<4f", 1.0, 2.0, 3.0, 4.0)


def good_zip(**kwargs):
    return zip_bytes(torch_records(one_tensor_pickle(), [("0", F4)]), **kwargs)


def patch_crc(data, member, delta=1):
    """Flips the CRC-32 of `member` in its local header and central directory entry alike."""
    out = bytearray(data)
    name = member.encode()
    for signature, crc_at, name_at in ((b"PK\x03\x04", 14, 30), (b"PK\x01\x02", 16, 46)):
        start = 0
        while True:
            at = out.find(signature, start)
            if at < 0:
                break
            length = struct.unpack_from("<H", out, at + (26 if signature == b"PK\x03\x04" else 28))[0]
            if bytes(out[at + name_at: at + name_at + length]) == name:
                crc = struct.unpack_from("<I", out, at + crc_at)[0]
                struct.pack_into("<I", out, at + crc_at, crc ^ delta)
            start = at + 4
    return bytes(out)


def make_adversarial():
    ADV.mkdir(parents=True, exist_ok=True)
    files = {}
    # A fake ZIP64 locator (offset 2^64-1) and end record inside the archive comment.
    fake_locator = b"PK\x06\x07" + struct.pack("<IQI", 0, 0xFFFF_FFFF_FFFF_FFFF, 1)
    fake_eocd = b"PK\x05\x06" + struct.pack("<HHHHIIH", 0, 0, 1, 1, 46, 0xFFFF_FFFF, 0)
    files["zip_fake_zip64_locator.pt"] = good_zip(comment=fake_locator + fake_eocd)
    # The comment holds a zip64 end record (central directory at 2^63 + 5), its locator and an end
    # record: the comment starts right after the real end record, i.e. at the old end of the file.
    record_offset = len(good_zip())
    fake_record = b"PK\x06\x06" + struct.pack("<QHHIIQQQQ", 44, 45, 45, 0, 0, 1, 1, 46, (1 << 63) + 5)
    comment = fake_record + b"PK\x06\x07" + struct.pack("<IQI", 0, record_offset, 1) + fake_eocd
    files["zip_huge_directory_offset.pt"] = good_zip(comment=comment)
    # A member whose zip64 size is 2^63 (local header and central directory agree).
    files["zip_member_size_2_63.pt"] = zip_member_size(1 << 63)
    # A tensor whose storage offset is Int.max.
    files["pickle_offset_int_max.pt"] = zip_bytes(
        torch_records(one_tensor_pickle(offset=(1 << 63) - 1, size=(1,), stride=(1,)), [("0", F4)]))
    # The same with no elements (shape (0,)), whose byte span was computed from the offset.
    files["pickle_offset_int_max_empty.pt"] = zip_bytes(
        torch_records(one_tensor_pickle(offset=(1 << 63) - 1, size=(0,), stride=(1,)), [("0", F4)]))
    # CRC-32 of data.pkl, and of the tensor's member, wrong.
    files["crc_mismatch_pickle.pt"] = patch_crc(good_zip(), "archive/data.pkl")
    files["crc_mismatch_tensor.pt"] = patch_crc(good_zip(), "archive/data/0")
    # A stride-0 view of one float expanded to 2^29 elements (2 GiB as f32).
    files["stride0_expand.pt"] = zip_bytes(
        torch_records(one_tensor_pickle(numel=1, size=(1 << 29,), stride=(0,)), [("0", F4[:4])]))
    # Terminal escapes in a tensor name the error quotes (its storage is too small), and a 64 KB
    # global name (STACK_GLOBAL, so no line limit applies) that the refusal quotes.
    escape = "w\x1b[31m\x1b]0;pwned\x07\r\nfake: ok"
    files["escape_tensor_name.pt"] = zip_bytes(
        torch_records(one_tensor_pickle(escape, numel=100, size=(10, 10), stride=(10, 1)), [("0", F4)]))
    long_global = PickleAsm().str("os").str("\x1b[2J" + "A" * 65536).op(b"\x93").op(b".").bytes()
    files["long_global_name.pt"] = zip_bytes(torch_records(long_global, []))
    # safetensors: a fractional shape (read as 1 by NSNumber.intValue before).
    header = json.dumps({"w": {"dtype": "F32", "shape": [1.5], "data_offsets": [0, 4]}}, separators=(",", ":")).encode()
    header += b" " * (-len(header) % 8)
    files["safetensors_fractional_shape.safetensors"] = struct.pack("<Q", len(header)) + header + F4[:4]
    for name, data in files.items():
        (ADV / name).write_bytes(data)
    make_onnx_escape()


def zip_member_size(size):
    """One deflated member 'archive/data.pkl' whose zip64 extra field claims `size` uncompressed bytes."""
    name = b"archive/data.pkl"
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    body = compressor.compress(one_tensor_pickle()) + compressor.flush()
    crc = zlib.crc32(one_tensor_pickle())
    extra = struct.pack("<HHQ", 1, 8, size)  # only the uncompressed size is 0xFFFFFFFF below
    local = (b"PK\x03\x04" + struct.pack("<HHHHHIIIHH", 45, 0, 8, 0, 0x21, crc, len(body), 0xFFFF_FFFF,
                                         len(name), len(extra)) + name + extra + body)
    central = (b"PK\x01\x02" + struct.pack("<HHHHHHIIIHHHHHII", 45, 45, 0, 8, 0, 0x21, crc, len(body),
                                           0xFFFF_FFFF, len(name), len(extra), 0, 0, 0, 0o644 << 16, 0)
               + name + extra)
    eocd = b"PK\x05\x06" + struct.pack("<HHHHIIH", 0, 0, 1, 1, len(central), len(local), 0)
    return local + central + eocd


def make_onnx_escape():
    """An ONNX model with two initializers of one name that holds terminal escapes."""
    import onnx
    from onnx import helper, TensorProto
    name = "w\x1b[31m\r\nfake"
    tensor = helper.make_tensor(name, TensorProto.FLOAT, [2], [1.0, 2.0])
    graph = helper.make_graph([], "g", [], [], initializer=[tensor, tensor])
    model = helper.make_model(graph, producer_name="make_adversarial", opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    (ROOT / "Fixtures" / "onnx" / "adversarial" / "escape_name.onnx").write_bytes(model.SerializeToString())


# --------------------------------------------------------------------------- fuzz seed corpora


def make_corpus():
    def put(target, name, data):
        folder = CORPUS / target
        folder.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data)

    fixtures = ROOT / "Fixtures"
    # pickle: data.pkl of the small checkpoints (state dict, wrapped, TorchScript, MMSeg meta).
    for source, seed in [("torch/openai_fp16.pt", "state_dict.pkl"), ("torch/openai_wrapped.pth", "wrapped.pkl"),
                         ("torch/openai_jit.pt", "torchscript.pkl"), ("prompts/zegclip_mmseg.pth", "mmseg.pkl")]:
        with zipfile.ZipFile(fixtures / source) as z:
            pickle = next(n for n in z.namelist() if n.endswith("/data.pkl") and n.count("/") == 1)
            put("pickle", seed, z.read(pickle))
    put("pickle", "handmade.pkl", one_tensor_pickle())
    # torch-zip and torchscript also take a bare data.pkl after a mode byte (0: torch.save, 1:
    # TorchScript), which the target wraps into a valid archive (mutations keep their CRC-32 right).
    for seed in ["state_dict.pkl", "wrapped.pkl", "mmseg.pkl", "handmade.pkl"]:
        put("torch-zip", "wrapped_" + seed, b"\x00" + (CORPUS / "pickle" / seed).read_bytes())
    put("torchscript", "wrapped_torchscript.pkl", b"\x01" + (CORPUS / "pickle" / "torchscript.pkl").read_bytes())
    # torch-zip: small archives with every kind of member (stored, deflated, views).
    put("torch-zip", "one_tensor.pt", good_zip())
    put("torch-zip", "deflated.pt", zip_bytes(torch_records(one_tensor_pickle(), [("0", F4)]),
                                               compress=("data.pkl", "data/0")))
    views = (PickleAsm().op(b"}").str("a").tensor("FloatStorage", "0", 4, 0, (2,), (1,))
             .op(b"s").str("b").tensor("FloatStorage", "0", 4, 2, (2,), (1,)).op(b"s")
             .str("meta").op(b"}").str("config").str("model = dict(heads=[1, (2, 3)])").op(b"s").op(b"s").op(b".")
             .bytes())
    put("torch-zip", "views_meta.pt", zip_bytes(torch_records(views, [("0", F4)])))
    # torchscript: a module tree (TorchScript classes, constants.pkl and code/ members).
    script = (PickleAsm().glob("__torch__.M", "M").op(b")").op(b"\x81").op(b"}").str("w")
              .tensor("FloatStorage", "0", 4, 0, (2, 2), (2, 1)).op(b"s").op(b"b").op(b".").bytes())
    put("torchscript", "module.pt", zip_bytes(
        torch_records(script, [("0", F4)]) + [("constants.pkl", PickleAsm().op(b")").op(b".").bytes()),
                                              ("code/__torch__.py", b"class M: pass\n")]))
    # legacy: magic, protocol, sys info, object, keys, then the storage.
    magic = PickleAsm().op(b"\x8a\x0a" + bytes([0x6C, 0xFC, 0x9C, 0x46, 0xF9, 0x20, 0x6A, 0xA8, 0x50, 0x19])).op(
        b".").bytes()
    version = PickleAsm().int(1001).op(b".").bytes()
    info = PickleAsm().op(b"}").str("little_endian").op(b"\x88").op(b"s").op(b".").bytes()
    obj = (PickleAsm().op(b"}").str("w").glob("torch._utils", "_rebuild_tensor_v2").op(b"(")
           .op(b"(").str("storage").glob("torch", "FloatStorage").str("k").str("cpu").int(4).op(b"N").op(b"t")
           .op(b"Q").int(0).int_tuple((2, 2)).int_tuple((2, 1)).op(b"\x89")
           .glob("collections", "OrderedDict").op(b")").op(b"R").op(b"t").op(b"R").op(b"s").op(b".").bytes())
    keys = PickleAsm().op(b"]").str("k").op(b"a").op(b".").bytes()
    put("legacy", "one_tensor.pt", magic + version + info + obj + keys + struct.pack("<Q", 4) + F4)
    # safetensors: one and two tensors, with metadata.
    for name, header in [("one.safetensors", {"w": {"dtype": "F32", "shape": [2, 2], "data_offsets": [0, 16]}}),
                         ("meta.safetensors", {"__metadata__": {"format": "pt"},
                                               "a": {"dtype": "F16", "shape": [2], "data_offsets": [0, 4]},
                                               "b": {"dtype": "BF16", "shape": [1, 2], "data_offsets": [4, 8]}})]:
        data = json.dumps(header, separators=(",", ":")).encode()
        data += b" " * (-len(data) % 8)
        put("safetensors", name, struct.pack("<Q", len(data)) + data + F4)
    # onnx: the ViT graph whose weights are external (44 KB), and the small adversarial models.
    onnx_dir = fixtures / "onnx"
    for source in ["openai/openai_visual_external.onnx", "adversarial/size_mismatch.onnx",
                   "adversarial/short_external.onnx"]:
        data = (onnx_dir / source).read_bytes()
        put("onnx-wire", Path(source).name, data)
        put("onnx-model", Path(source).name, data)
    # config-text: the MMSeg config of the ZegCLIP fixture, and a JSON one.
    put("config-text", "mmseg.py", extract_config(fixtures / "prompts" / "zegclip_mmseg.pth"))
    put("config-text", "json.txt", b'{"model": {"decode_head": {"num_heads": 8}, "test_cfg": {"crop_size": [512, 512]}}}')
    # sidecar-json: HF and open_clip configs.
    put("sidecar-json", "config.json", (fixtures / "hf" / "config.json").read_bytes())
    put("sidecar-json", "open_clip_config.json", (onnx_dir / "open_clip" / "open_clip_config.json").read_bytes())


def extract_config(path):
    """meta.config of an MMSeg checkpoint, found as the BINUNICODE after the key 'config'."""
    with zipfile.ZipFile(path) as z:
        pickle = z.read(next(n for n in z.namelist() if n.endswith("/data.pkl") and n.count("/") == 1))
    key = b"X\x06\x00\x00\x00config"
    at = pickle.index(key) + len(key)
    while pickle[at] != ord("X"):
        at += 1
    length = struct.unpack_from("<I", pickle, at + 1)[0]
    return pickle[at + 5: at + 5 + length]


# --------------------------------------------------------------------------- large inputs (not committed)


def make_large(folder):
    folder.mkdir(parents=True, exist_ok=True)
    # 100k APPENDs to one list, inside a state dict with one tensor.
    p = PickleAsm().op(b"}").str("w").tensor("FloatStorage", "0", 4, 0, (2, 2), (2, 1)).op(b"s")
    p.str("x").op(b"]")
    p.b += b"N\x61" * 100_000 + b"s."
    (folder / "appends_100k.pt").write_bytes(zip_bytes(torch_records(p.bytes(), [("0", F4)])))
    # A 64 MB pickle whose memo (one string) is reused to build lists of 1M items over and over.
    p = PickleAsm().op(b"}").str("x").str("memoised").op(b"q\x00").op(b"0")
    for _ in range(128):
        p.op(b"(")
        p.b += b"h\x00" * 250_000
        p.op(b"l").op(b"0")
    p.op(b"N").op(b"s").op(b".")
    (folder / "memo_reuse_64mb.pt").write_bytes(zip_bytes(torch_records(p.bytes(), [])))
    # 300k safetensors entries (all empty tensors at offset 0).
    entries = {f"t{i}": {"dtype": "F32", "shape": [0], "data_offsets": [0, 0]} for i in range(300_000)}
    header = json.dumps(entries, separators=(",", ":")).encode()
    header += b" " * (-len(header) % 8)
    (folder / "entries_300k.safetensors").write_bytes(struct.pack("<Q", len(header)) + header)
    # 1 GiB deflated member (zeros) read as one f32 tensor of 2^28 elements.
    zeros = zlib.compressobj(9, zlib.DEFLATED, -15)
    chunk = bytes(1 << 20)
    deflated = b"".join(zeros.compress(chunk) for _ in range(1024)) + zeros.flush()
    (folder / "deflated_1gib.pt").write_bytes(deflated_archive(deflated, 1 << 30))
    # ZegCLIP checkpoint whose meta.config nests lists 200,000 deep.
    source = ROOT / "Fixtures" / "prompts" / "zegclip_mmseg.pth"
    (folder / "zegclip_deep_config.pth").write_bytes(replace_config(source, b"x = " + b"[" * 200_000 + b"]" * 200_000))


def deflated_archive(deflated, size):
    """A torch zip whose data/0 member is `deflated` (raw deflate of `size` zero bytes)."""
    import io
    pickle = one_tensor_pickle(numel=size // 4, size=(size // 4,), stride=(1,))
    out = io.BytesIO(zip_bytes(torch_records(pickle, [])))
    records = []
    with zipfile.ZipFile(out) as z:
        for info in z.infolist():
            records.append((info.filename, z.read(info)))
    crc = 0
    chunk = bytes(1 << 20)
    for _ in range(size >> 20):
        crc = zlib.crc32(chunk, crc)
    # Rebuild by hand: zipfile cannot write a member from pre-deflated bytes.
    body = bytearray()
    central = bytearray()
    members = records[:2] + [("archive/data/0", None)] + records[2:]
    for name, data in members:
        nb = name.encode()
        if data is None:
            method, crc_m, comp, raw = 8, crc, deflated, size
        else:
            method, crc_m, comp, raw = 0, zlib.crc32(data), data, len(data)
        offset = len(body)
        body += b"PK\x03\x04" + struct.pack("<HHHHHIIIHH", 20, 0, method, 0, 0x21, crc_m, len(comp), raw, len(nb), 0)
        body += nb + comp
        central += b"PK\x01\x02" + struct.pack("<HHHHHHIIIHHHHHII", 20, 20, 0, method, 0, 0x21, crc_m, len(comp), raw,
                                               len(nb), 0, 0, 0, 0, 0o644 << 16, offset) + nb
    eocd = b"PK\x05\x06" + struct.pack("<HHHHIIH", 0, 0, len(members), len(members), len(central), len(body), 0)
    return bytes(body + central + eocd)


def replace_config(path, text):
    """A copy of the MMSeg checkpoint `path` whose meta.config is `text` (every member rewritten)."""
    import io
    with zipfile.ZipFile(path) as z:
        records = [(info.filename, z.read(info)) for info in z.infolist()]
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for name, data in records:
            if name.endswith("/data.pkl"):
                old = extract_config(path)
                at = data.index(struct.pack("<I", len(old)) + old)
                data = data[:at] + struct.pack("<I", len(text)) + text + data[at + 4 + len(old):]
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.external_attr = 0o644 << 16
            z.writestr(info, data)
    return out.getvalue()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--large", type=Path, help="also write the large hostile inputs into this folder")
    args = parser.parse_args()
    make_adversarial()
    make_corpus()
    if args.large:
        make_large(args.large)


if __name__ == "__main__":
    main()

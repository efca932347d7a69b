#!/usr/bin/python3
"""Regenerates the PNG and NPY/NPZ fixtures of FlowGen's format tests (Debian python3-numpy, python3-pil,
imagemagick). PNGs come from three independent encoders: a PNG encoder written here on zlib/struct
(every colour type, bit depth, all five filters, Adam7), PIL, and ImageMagick's `convert`. The expected
samples of every PNG are stored in png/expected.npz (uint16 [H, W, C], palette already expanded):
for our own encoder they are the samples we encoded, for PIL/ImageMagick files they are what PIL decodes.
Run from the repository root: /usr/bin/python3 Tests/Fixtures/formats/make_png_npy_fixtures.py"""
import os, struct, subprocess, zlib
import numpy as np
from PIL import Image

HERE = os.path.dirname(os.path.abspath(__file__))
PNG = os.path.join(HERE, "png"); NPY = os.path.join(HERE, "npy")
os.makedirs(PNG, exist_ok=True); os.makedirs(NPY, exist_ok=True)
rng = np.random.default_rng(20261122)
DEM = np.load(os.path.join(HERE, "../../../data/jacksboro_fault_dem.npz"))["elevation"]

def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

def paeth(a, b, c):
    p = a + b - c; pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
    return a if pa <= pb and pa <= pc else (b if pb <= pc else c)

def pack_row(samples, depth):
    if depth == 8: return bytes(int(v) for v in samples)
    if depth == 16: return b"".join(struct.pack(">H", int(v)) for v in samples)
    out, acc, n = bytearray(), 0, 0
    for v in samples:
        acc = (acc << depth) | int(v); n += depth
        if n == 8: out.append(acc); acc, n = 0, 0
    if n: out.append(acc << (8 - n))
    return bytes(out)

def filter_rows(rows, bpp, first_filter):
    out, prev = bytearray(), bytes(len(rows[0])) if rows else b""
    for i, row in enumerate(rows):
        f = (first_filter + i) % 5
        enc = bytearray()
        for j, x in enumerate(row):
            a = row[j - bpp] if j >= bpp else 0; b = prev[j]; c = prev[j - bpp] if j >= bpp else 0
            pred = [0, a, b, (a + b) >> 1, paeth(a, b, c)][f]
            enc.append((x - pred) & 0xFF)
        out.append(f); out += enc; prev = row
    return bytes(out)

ADAM7 = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]

def write_png(name, img, color_type, depth, interlace=0, palette=None, trns=None, first_filter=0):
    """img: uint array [H, W, spp] of file samples (palette indices for colour type 3)."""
    h, w, spp = img.shape
    bpp = max(1, spp * depth // 8)
    raw = b""
    passes = ADAM7 if interlace else [(0, 0, 1, 1)]
    for k, (x0, y0, dx, dy) in enumerate(passes):
        sub = img[y0::dy, x0::dx, :]
        if sub.shape[0] == 0 or sub.shape[1] == 0: continue
        rows = [pack_row(sub[r].reshape(-1), depth) for r in range(sub.shape[0])]
        raw += filter_rows(rows, bpp, first_filter + k)
    data = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, depth, color_type, 0, 0, interlace))
    if palette is not None: data += chunk(b"PLTE", bytes(palette.reshape(-1).astype(np.uint8)))
    if trns is not None: data += chunk(b"tRNS", bytes(trns.astype(np.uint8)))
    z = zlib.compress(raw, 9)
    data += chunk(b"IDAT", z[: len(z) // 2]) + chunk(b"IDAT", z[len(z) // 2:])  # split IDAT on purpose
    data += chunk(b"IEND", b"")
    open(os.path.join(PNG, name), "wb").write(data)

expected = {}
W, H = 13, 11  # odd sizes exercise partial bytes and every Adam7 pass edge
for interlace in (0, 1):
    tag = "_i" if interlace else ""
    for depth in (1, 2, 4, 8, 16):
        img = rng.integers(0, 1 << depth, size=(H, W, 1))
        write_png(f"gray{depth}{tag}.png", img, 0, depth, interlace, first_filter=depth)
        expected[f"gray{depth}{tag}"] = img
    for depth in (8, 16):
        for ct, spp, label in ((2, 3, "rgb"), (4, 2, "graya"), (6, 4, "rgba")):
            img = rng.integers(0, 1 << depth, size=(H, W, spp))
            write_png(f"{label}{depth}{tag}.png", img, ct, depth, interlace, first_filter=spp)
            expected[f"{label}{depth}{tag}"] = img
    for depth in (1, 2, 4, 8):
        n = 1 << depth
        pal = rng.integers(0, 256, size=(n, 3))
        idx = rng.integers(0, n, size=(H, W, 1))
        write_png(f"palette{depth}{tag}.png", idx, 3, depth, interlace, palette=pal)
        expected[f"palette{depth}{tag}"] = pal[idx[:, :, 0]]
    pal = rng.integers(0, 256, size=(16, 3)); alpha = rng.integers(0, 256, size=10)
    idx = rng.integers(0, 16, size=(H, W, 1))
    write_png(f"palette_trns{tag}.png", idx, 3, 4, interlace, palette=pal, trns=alpha)
    full_alpha = np.concatenate([alpha, np.full(6, 255)])
    expected[f"palette_trns{tag}"] = np.concatenate([pal[idx[:, :, 0]], full_alpha[idx[:, :, 0]][:, :, None]], axis=2)

# A 16-bit heightmap crop of the bundled DEM.
crop = DEM[100:164, 200:248].astype(np.int64)
write_png("dem16.png", ((crop - 200) * 64)[:, :, None], 0, 16)
expected["dem16"] = ((crop - 200) * 64)[:, :, None]

# PIL's encoder (libpng-independent zlib path in PIL) and ImageMagick's (libpng).
src = rng.integers(0, 256, size=(H, W, 3)).astype(np.uint8)
Image.fromarray(src, "RGB").save(os.path.join(PNG, "pil_rgb8.png"))
Image.fromarray(src[:, :, 0], "L").save(os.path.join(PNG, "pil_gray8.png"))
Image.fromarray(src[:, :, 0], "L").convert("P", palette=Image.ADAPTIVE, colors=16).save(os.path.join(PNG, "pil_palette.png"))
Image.fromarray(((crop - 200) * 64).astype(np.uint16)).save(os.path.join(PNG, "pil_gray16.png"))
subprocess.check_call(["convert", os.path.join(PNG, "pil_rgb8.png"), "-interlace", "PNG", "PNG24:" + os.path.join(PNG, "im_rgb8_adam7.png")])
subprocess.check_call(["convert", os.path.join(PNG, "pil_gray16.png"), "-interlace", "PNG", "-define", "png:bit-depth=16", os.path.join(PNG, "im_gray16_adam7.png")])
subprocess.check_call(["convert", os.path.join(PNG, "pil_gray8.png"), "-threshold", "50%", "-type", "bilevel", os.path.join(PNG, "im_gray1.png")])
for name in ("pil_rgb8", "pil_gray8", "pil_palette", "pil_gray16", "im_rgb8_adam7", "im_gray16_adam7", "im_gray1"):
    im = Image.open(os.path.join(PNG, name + ".png"))
    if im.mode == "P": im = im.convert("RGB")
    a = np.array(im)
    if im.mode == "1": a = a.astype(np.uint8)  # PIL gives booleans; the file's samples are 0/1
    if a.ndim == 2: a = a[:, :, None]
    expected[name] = a
np.savez_compressed(os.path.join(PNG, "expected.npz"), **{k: np.asarray(v, dtype=np.uint16) for k, v in expected.items()})

# NPY / NPZ: value i of the C-ordered array is ((i * 37) % 200) - 100 for signed types, (i * 37) % 200
# for unsigned, and the signed value / 4 for floats (exact in every type); shape (5, 7).
shape = (5, 7); i = np.arange(35).reshape(shape)
def values(code):
    signed = (i * 37) % 200 - 100
    if code[0] == "u": return (i * 37) % 200
    if code[0] == "f": return signed / 4
    return signed
for order in "<>":
    for code in ("f4", "f8", "i2", "u2", "i4", "u1", "i1", "u4"):
        if code in ("u1", "i1") and order == ">": continue
        a = values(code).astype(order + code)
        np.save(os.path.join(NPY, f"{code}_{'le' if order == '<' else 'be'}.npy"), a)
np.save(os.path.join(NPY, "f4_fortran.npy"), np.asfortranarray(values("f4").astype("<f4")))
np.save(os.path.join(NPY, "i2_be_fortran.npy"), np.asfortranarray(values("i2").astype(">i2")))
for ver in ((1, 0), (2, 0), (3, 0)):
    with open(os.path.join(NPY, f"f8_v{ver[0]}.npy"), "wb") as f:
        np.lib.format.write_array(f, values("f8").astype("<f8"), version=ver)
np.save(os.path.join(NPY, "rgb_hwc.npy"), np.stack([values("u1").astype("u1")] * 3, axis=2))
np.savez(os.path.join(NPY, "stored.npz"), elevation=values("i2").astype("<i2"), dx=np.float64(0.5))
np.savez_compressed(os.path.join(NPY, "deflated.npz"), elevation=values("i2").astype("<i2"), dx=np.float64(0.5))
print("ok")

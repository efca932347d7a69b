#!/usr/bin/python3
"""Regenerates the GeoTIFF and SRTM HGT fixtures with Debian's GDAL 3.6 (gdal-bin + python3-gdal).
Source: a 37x29 crop of the bundled DEM (data/jacksboro_fault_dem.npz, EPSG:4326, 3 arc-seconds).
Every file is written by `gdal_translate` (or gdalwarp for the projected CRS) with one combination of
data type x compression x predictor x strips/tiles x band interleave x byte order x BigTIFF, then read
back by GDAL: its samples go to tiff/expected.npz (float64 [bands, H, W]) and `gdalinfo -json`'s size,
geotransform, nodata and EPSG code to tiff/manifest.json. Run from the repository root:
/usr/bin/python3 Tests/Fixtures/formats/make_geotiff_fixtures.py"""
import gzip, json, os, shutil, subprocess, tempfile
import numpy as np
from osgeo import gdal, osr

gdal.UseExceptions()
HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "tiff"); HGT = os.path.join(HERE, "hgt")
for d in (OUT, HGT):
    shutil.rmtree(d, ignore_errors=True); os.makedirs(d)
tmp = tempfile.mkdtemp()
z = np.load(os.path.join(HERE, "../../../data/jacksboro_fault_dem.npz"))
dem, dx, dy, xmin, north = z["elevation"], float(z["dx"]), float(z["dy"]), float(z["xmin"]), float(z["ymin"])
R0, C0, H, W = 120, 180, 29, 37
crop = dem[R0:R0 + H, C0:C0 + W].astype(np.int16)
gt = [xmin + C0 * dx, dx, 0.0, north - R0 * dy, 0.0, -dy]

def make_source(name, bands, nodata=None, dtype=gdal.GDT_Int16):
    path = os.path.join(tmp, name)
    ds = gdal.GetDriverByName("GTiff").Create(path, W, H, len(bands), dtype)
    ds.SetGeoTransform(gt)
    srs = osr.SpatialReference(); srs.ImportFromEPSG(4326); ds.SetProjection(srs.ExportToWkt())
    for i, b in enumerate(bands):
        ds.GetRasterBand(i + 1).WriteArray(b)
        if nodata is not None: ds.GetRasterBand(i + 1).SetNoDataValue(nodata)
    ds = None
    return path

src1 = make_source("src1.tif", [crop])
src3 = make_source("src3.tif", [crop, crop // 2, 1100 - crop])
holes = crop.copy(); holes[3:6, 4:9] = -9999; holes[20, 30] = -9999
src_nodata = make_source("src_nodata.tif", [holes], nodata=-9999)
fholes = crop.astype(np.float32) + 0.25; fholes[10:12, 2:5] = np.nan
src_nan = make_source("src_nan.tif", [fholes], nodata=float("nan"), dtype=gdal.GDT_Float32)

# Value scalings that fit each type, so every type holds real terrain (GDAL rounds and clamps).
TYPES = {
    "uint8": (["-ot", "Byte", "-scale", "236", "1076", "0", "255"]),
    # GDAL 3.6 has no Int8 type: Byte + PIXELTYPE=SIGNEDBYTE stores the bytes with SampleFormat=2 (signed),
    # so the 0..255 scaled bytes read back as -128..127 (GDAL's own documented reinterpretation, below).
    "int8": (["-ot", "Byte", "-co", "PIXELTYPE=SIGNEDBYTE", "-scale", "236", "1076", "0", "255"]),
    "uint16": (["-ot", "UInt16"]),
    "int16": (["-ot", "Int16", "-scale", "236", "1076", "-20000", "30000"]),
    "uint32": (["-ot", "UInt32", "-scale", "0", "1076", "0", "4000000000"]),
    "int32": (["-ot", "Int32", "-scale", "236", "1076", "-2000000000", "2000000000"]),
    "float32": (["-ot", "Float32", "-scale", "0", "1000", "0", "1234.5678"]),
    "float64": (["-ot", "Float64", "-scale", "0", "1000", "0", "1234.56789012345"]),
}
LAYOUTS = {"strips": ["-co", "BLOCKYSIZE=7"], "tiles": ["-co", "TILED=YES", "-co", "BLOCKXSIZE=16", "-co", "BLOCKYSIZE=16"]}
jobs = []
for tname, targs in TYPES.items():
    for comp in ("NONE", "LZW", "DEFLATE", "PACKBITS"):
        preds = [1] if comp in ("NONE", "PACKBITS") else ([1, 2, 3] if tname.startswith("float") else [1, 2])
        for pred in preds:
            for lname, largs in LAYOUTS.items():
                name = f"{tname}_{comp.lower()}_p{pred}_{lname}"
                jobs.append((name, src1, targs + largs + ["-co", f"COMPRESS={comp}"] + (["-co", f"PREDICTOR={pred}"] if comp in ("LZW", "DEFLATE") else [])))
# Multi-band, chunky (PIXEL) and planar (BAND) interleave.
for inter in ("PIXEL", "BAND"):
    for tname in ("int16", "float32"):
        for lname, largs in LAYOUTS.items():
            jobs.append((f"rgb_{tname}_{inter.lower()}_{lname}", src3,
                         TYPES[tname] + largs + ["-co", f"INTERLEAVE={inter}", "-co", "COMPRESS=LZW", "-co", "PREDICTOR=2" if tname == "int16" else "PREDICTOR=3"]))
# Big-endian (GDAL's ENDIANNESS creation option), BigTIFF, nodata, PixelIsPoint.
for tname, comp, pred, lname in (("int16", "NONE", 1, "strips"), ("int16", "LZW", 2, "tiles"), ("uint16", "PACKBITS", 1, "tiles"),
                                 ("float32", "DEFLATE", 3, "strips"), ("float64", "LZW", 2, "tiles"), ("int32", "DEFLATE", 2, "strips")):
    jobs.append((f"be_{tname}_{comp.lower()}_p{pred}_{lname}", src1, TYPES[tname] + LAYOUTS[lname] + ["-co", "ENDIANNESS=BIG", "-co", f"COMPRESS={comp}"]
                 + (["-co", f"PREDICTOR={pred}"] if comp in ("LZW", "DEFLATE") else [])))
jobs.append(("be_rgb_int16_band_tiles", src3, TYPES["int16"] + LAYOUTS["tiles"] + ["-co", "ENDIANNESS=BIG", "-co", "INTERLEAVE=BAND", "-co", "COMPRESS=DEFLATE"]))
jobs.append(("bigtiff_int16_lzw_tiles", src1, ["-co", "BIGTIFF=YES", "-co", "COMPRESS=LZW", "-co", "PREDICTOR=2"] + LAYOUTS["tiles"]))
jobs.append(("bigtiff_float32_none_strips", src1, ["-co", "BIGTIFF=YES", "-ot", "Float32"] + LAYOUTS["strips"]))
jobs.append(("be_bigtiff_uint16_deflate_strips", src1, ["-co", "BIGTIFF=YES", "-co", "ENDIANNESS=BIG", "-ot", "UInt16", "-co", "COMPRESS=DEFLATE"] + LAYOUTS["strips"]))
jobs.append(("nodata_int16_lzw", src_nodata, ["-co", "COMPRESS=LZW"]))
jobs.append(("nodata_float32_nan", src_nan, ["-co", "COMPRESS=DEFLATE", "-co", "PREDICTOR=3"]))
jobs.append(("point_int16", src1, ["-mo", "AREA_OR_POINT=Point"]))
jobs.append(("single_strip_int16", src1, ["-co", "BLOCKYSIZE=29"]))

for name, src, args in jobs:
    subprocess.check_call(["gdal_translate", "-q"] + args + [src, os.path.join(OUT, name + ".tif")])
# Projected CRS (UTM 16N, metres), resampled by gdalwarp.
subprocess.check_call(["gdalwarp", "-q", "-t_srs", "EPSG:32616", "-tr", "90", "90", "-r", "bilinear", "-ot", "Float32",
                       "-co", "COMPRESS=DEFLATE", src1, os.path.join(OUT, "utm16n_float32.tif")])

expected, manifest = {}, {}
for f in sorted(os.listdir(OUT)):
    if not f.endswith(".tif"): continue
    name = f[:-4]; path = os.path.join(OUT, f)
    ds = gdal.Open(path)
    arr = ds.ReadAsArray()
    if ds.GetRasterBand(1).GetMetadataItem("PIXELTYPE", "IMAGE_STRUCTURE") == "SIGNEDBYTE": arr = arr.astype(np.uint8).view(np.int8)
    expected[name] = arr.astype(np.float64).reshape(ds.RasterCount, ds.RasterYSize, ds.RasterXSize)
    info = json.loads(subprocess.check_output(["gdalinfo", "-json", path]))
    srs = osr.SpatialReference(wkt=ds.GetProjection()); srs.AutoIdentifyEPSG()
    nd = info["bands"][0].get("noDataValue")
    manifest[name] = {"size": info["size"], "bands": len(info["bands"]), "type": info["bands"][0]["type"],
                      "geoTransform": info["geoTransform"], "noData": None if nd is None else str(nd),
                      "epsg": int(srs.GetAuthorityCode(None)), "geographic": bool(srs.IsGeographic())}
np.savez_compressed(os.path.join(OUT, "expected.npz"), **expected)
json.dump(manifest, open(os.path.join(OUT, "manifest.json"), "w"), indent=1, sort_keys=True)

# SRTM HGT: a 3 arc-second tile (1201x1201) written by GDAL's SRTMHGT driver, void (-32768) except the DEM
# crop placed at row 300, column 500 (itself holding a few voids). Committed gzipped (it is mostly voids).
tile = np.full((1201, 1201), -32768, np.int16)
tile[300:300 + 64, 500:500 + 80] = dem[100:164, 200:280]; tile[310, 510:515] = -32768
ds = gdal.GetDriverByName("MEM").Create("", 1201, 1201, 1, gdal.GDT_Int16)
ds.SetGeoTransform([-85 - 0.5 / 1200, 1 / 1200, 0, 37 + 0.5 / 1200, 0, -1 / 1200])
srs = osr.SpatialReference(); srs.ImportFromEPSG(4326); ds.SetProjection(srs.ExportToWkt())
ds.GetRasterBand(1).WriteArray(tile); ds.GetRasterBand(1).SetNoDataValue(-32768)
hgt = os.path.join(tmp, "N36W085.hgt")
gdal.GetDriverByName("SRTMHGT").CreateCopy(hgt, ds); ds = None
back = gdal.Open(hgt)
info = json.loads(subprocess.check_output(["gdalinfo", "-json", hgt]))
with open(hgt, "rb") as fi, gzip.GzipFile(os.path.join(HGT, "N36W085.hgt.gz"), "wb", mtime=0) as fo: fo.write(fi.read())
np.savez_compressed(os.path.join(HGT, "expected.npz"), elevation=back.ReadAsArray())
json.dump({"geoTransform": info["geoTransform"], "noData": info["bands"][0].get("noDataValue"), "size": info["size"]},
          open(os.path.join(HGT, "manifest.json"), "w"), indent=1)
shutil.rmtree(tmp)
print(len(manifest), "GeoTIFFs")

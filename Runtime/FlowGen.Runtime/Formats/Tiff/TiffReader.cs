// GeoTIFF / TIFF / BigTIFF reader for elevation and image data: striped or tiled; no compression,
// LZW, Deflate (codes 8 and 32946) or PackBits; predictors 1-3; 8/16/32/64-bit integer and 16/32/64-bit
// float samples; chunky or planar bands in either byte order. GeoTIFF tags give the georeference and
// GDAL_NODATA the nodata mask. Only the first IFD (the full-resolution image) is read.
// Spec: TIFF 6.0, BigTIFF (libtiff.org), OGC GeoTIFF 1.1.
using System.Buffers.Binary;
using System.Globalization;

namespace FlowGen.Runtime.Formats;

/// <summary>Reads TIFF and GeoTIFF files.</summary>
public static class TiffReader
{
    private const ushort ImageWidth = 256, ImageLength = 257, BitsPerSample = 258, CompressionTag = 259,
        StripOffsets = 273, SamplesPerPixel = 277, RowsPerStrip = 278, StripByteCounts = 279,
        PlanarConfiguration = 284, PredictorTag = 317, TileWidth = 322, TileLength = 323, TileOffsets = 324,
        TileByteCounts = 325, SampleFormat = 339, GdalNoData = 42113;

    /// <summary>Reads the image; <see cref="RasterReadOptions.Band"/> picks one band, otherwise all bands become channels.</summary>
    public static Raster Read(string path, RasterReadOptions? options = null)
    {
        options ??= RasterReadOptions.Default;
        var file = RasterFile.ReadAllBytes(path);
        var ifd = TiffDirectory.Parse(file, path);
        return ReadCore(file, ifd, path, options);
    }

    private static Raster ReadCore(byte[] file, TiffDirectory ifd, string path, RasterReadOptions options)
    {
        long w = ifd.Long(ImageWidth, 0), h = ifd.Long(ImageLength, 0);
        if (w <= 0 || h <= 0 || w > int.MaxValue || h > int.MaxValue) throw Bad(path, $"invalid image size {w}x{h}");
        long spp = ifd.Long(SamplesPerPixel, 1);
        if (spp < 1 || spp > 1024) throw Bad(path, $"invalid SamplesPerPixel {spp}");
        var bitsArr = ifd.Longs(BitsPerSample) ?? [1];
        if (bitsArr.Length == 0) throw Bad(path, "BitsPerSample has no value");
        long bits = bitsArr[0];
        if (bitsArr.Any(b => b != bits)) throw Bad(path, "bands with different BitsPerSample are not supported");
        var formatArr = ifd.Longs(SampleFormat) ?? [1];
        long sampleFormat = formatArr.Length > 0 ? formatArr[0] : 1;
        if (bits is not (8 or 16 or 32 or 64)) throw Bad(path, $"unsupported BitsPerSample {bits} (FlowGen reads 8, 16, 32, 64)");
        if (sampleFormat is < 1 or > 3) throw Bad(path, $"unsupported SampleFormat {sampleFormat}");
        if (sampleFormat == 3 && bits == 8) throw Bad(path, "8-bit floating-point samples are not valid");
        int bytes = (int)bits / 8;
        int compression = (int)ifd.Long(CompressionTag, 1);
        int predictor = (int)ifd.Long(PredictorTag, 1);
        if (predictor is < 1 or > 3) throw Bad(path, $"unsupported Predictor {predictor}");
        if (predictor == 3 && sampleFormat != 3) throw Bad(path, "floating-point predictor on integer samples");
        int planar = (int)ifd.Long(PlanarConfiguration, 1);
        if (planar is not (1 or 2)) throw Bad(path, $"invalid PlanarConfiguration {planar}");
        if (options.Band is int band && (band < 0 || band >= spp)) throw Bad(path, $"band {band} requested but the file has {spp}");
        int outChannels = options.Band is null ? (int)spp : 1;
        if (w * h > options.MaxSamples || w * h * outChannels > options.MaxSamples) throw Bad(path, $"{w}x{h}x{outChannels} samples exceed the limit of {options.MaxSamples}");

        bool tiled = ifd.Has(TileWidth);
        long tw, th;
        long[] offsets, counts;
        if (tiled)
        {
            tw = ifd.Long(TileWidth, 0);
            th = ifd.Long(TileLength, 0);
            if (tw <= 0 || th <= 0 || tw > 65536 || th > 65536) throw Bad(path, $"invalid tile size {tw}x{th}");
            offsets = ifd.Longs(TileOffsets) ?? throw Bad(path, "tiled image without TileOffsets");
            counts = ifd.Longs(TileByteCounts) ?? throw Bad(path, "tiled image without TileByteCounts");
        }
        else
        {
            tw = w;
            th = Math.Min(ifd.Long(RowsPerStrip, h), h);
            if (th <= 0) throw Bad(path, "invalid RowsPerStrip 0");
            offsets = ifd.Longs(StripOffsets) ?? throw Bad(path, "image without StripOffsets");
            counts = ifd.Longs(StripByteCounts) ?? (compression == 1 && offsets.Length == 1 ? [file.Length - offsets[0]] : throw Bad(path, "image without StripByteCounts"));
        }
        int chunkSamples = planar == 1 ? (int)spp : 1;
        long across = (w + tw - 1) / tw, down = (h + th - 1) / th;
        long perPlane = across * down;
        long needed = perPlane * (planar == 2 ? spp : 1);
        if (offsets.Length < needed || counts.Length < needed)
            throw Bad(path, $"{offsets.Length} chunk offsets and {counts.Length} byte counts for {needed} chunks");
        long chunkBytes = tw * th * chunkSamples * bytes;
        if (chunkBytes > Math.Min(Array.MaxLength, options.MaxSamples * 8)) throw Bad(path, $"chunk of {chunkBytes} bytes is too large");

        var raster = new Raster((int)w, (int)h, outChannels);
        var chunk = new byte[chunkBytes];
        var scratch = predictor == 3 ? new byte[tw * chunkSamples * bytes] : [];
        int firstPlane = planar == 2 && options.Band is int b0 ? b0 : 0;
        int planes = planar == 2 ? (options.Band is null ? (int)spp : 1) : 1;
        for (int plane = firstPlane; plane < firstPlane + planes; plane++)
        {
            for (long ci = 0; ci < perPlane; ci++)
            {
                long index = planar == 2 ? plane * perPlane + ci : ci;
                long tx = ci % across, ty = ci / across;
                long rows = tiled ? th : Math.Min(th, h - ty * th);
                int want = (int)(rows * tw * chunkSamples * bytes);
                long off = offsets[index], count = counts[index];
                if (off < 0 || count < 0 || off > file.Length || count > file.Length - off) throw Bad(path, $"chunk {index} (offset {off}, {count} bytes) lies outside the file");
                int got = TiffCodecs.Decompress(compression, file.AsSpan((int)off, (int)count), chunk.AsSpan(0, want), path);
                if (got < want) throw Bad(path, $"chunk {index} decodes to {got} bytes, {want} expected (truncated or corrupt)");
                var data = chunk.AsSpan(0, want);
                int rowBytes = (int)(tw * chunkSamples * bytes);
                if (predictor == 3)
                    for (int r = 0; r < rows; r++) TiffCodecs.FloatingPointAccumulate(data.Slice(r * rowBytes, rowBytes), scratch, bytes, chunkSamples);
                else
                {
                    if (ifd.BigEndian) TiffCodecs.SwapBytes(data, bytes);
                    if (predictor == 2)
                        for (int r = 0; r < rows; r++) TiffCodecs.HorizontalAccumulate(data.Slice(r * rowBytes, rowBytes), bytes, chunkSamples);
                }
                Place(raster, data, tx * tw, ty * th, tw, rows, chunkSamples, planar == 2 ? plane : -1, options.Band, bytes, (int)sampleFormat);
            }
        }

        raster.Metadata["format"] = ifd.BigTiff ? "bigtiff" : "tiff";
        raster.Metadata["sample_type"] = TypeName((int)sampleFormat, (int)bits);
        raster.Metadata["bands"] = spp.ToString(CultureInfo.InvariantCulture);
        raster.Metadata["compression"] = compression switch { 1 => "none", 5 => "lzw", 8 or 32946 => "deflate", 32773 => "packbits", _ => compression.ToString(CultureInfo.InvariantCulture) };
        raster.Metadata["predictor"] = predictor.ToString(CultureInfo.InvariantCulture);
        raster.Metadata["layout"] = (tiled ? $"tiled {tw}x{th}" : $"striped {th} rows") + (planar == 2 ? ", planar" : ", chunky");
        raster.Metadata["byte_order"] = ifd.BigEndian ? "big-endian" : "little-endian";
        ApplyNoData(raster, ifd.Ascii(GdalNoData), path);
        raster.Geo = GeoTiffTags.Read(ifd, (int)w, (int)h, path);
        return raster;
    }

    private static void Place(Raster raster, ReadOnlySpan<byte> data, long x0, long y0, long tw, long rows, int chunkSamples,
        int plane, int? band, int bytes, int sampleFormat)
    {
        int w = raster.Width, h = raster.Height, channels = raster.Channels;
        for (long r = 0; r < rows && y0 + r < h; r++)
        {
            for (long i = 0; i < tw && x0 + i < w; i++)
            {
                long dstPixel = (y0 + r) * w + x0 + i;
                for (int s = 0; s < chunkSamples; s++)
                {
                    int fileBand = plane >= 0 ? plane : s;
                    int dstChannel;
                    if (band is int b) { if (fileBand != b) continue; dstChannel = 0; }
                    else dstChannel = fileBand;
                    int at = (int)(((r * tw + i) * chunkSamples + s) * bytes);
                    raster.Samples[dstPixel * channels + dstChannel] = Sample(data.Slice(at, bytes), sampleFormat);
                }
            }
        }
    }

    private static float Sample(ReadOnlySpan<byte> b, int sampleFormat) => (b.Length, sampleFormat) switch
    {
        (1, 2) => (sbyte)b[0],
        (1, _) => b[0],
        (2, 2) => BinaryPrimitives.ReadInt16LittleEndian(b),
        (2, 3) => (float)BinaryPrimitives.ReadHalfLittleEndian(b),
        (2, _) => BinaryPrimitives.ReadUInt16LittleEndian(b),
        (4, 2) => BinaryPrimitives.ReadInt32LittleEndian(b),
        (4, 3) => BinaryPrimitives.ReadSingleLittleEndian(b),
        (4, _) => BinaryPrimitives.ReadUInt32LittleEndian(b),
        (_, 2) => BinaryPrimitives.ReadInt64LittleEndian(b),
        (_, 3) => (float)BinaryPrimitives.ReadDoubleLittleEndian(b),
        _ => BinaryPrimitives.ReadUInt64LittleEndian(b),
    };

    private static string TypeName(int sampleFormat, int bits) =>
        (sampleFormat == 3 ? "float" : sampleFormat == 2 ? "int" : "uint") + bits.ToString(CultureInfo.InvariantCulture);

    private static void ApplyNoData(Raster raster, string? text, string path)
    {
        if (text is null) return;
        text = text.Trim();
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double nodata))
        {
            if (text.Equals("nan", StringComparison.OrdinalIgnoreCase)) nodata = double.NaN;
            else throw Bad(path, $"GDAL_NODATA value '{text}' is not a number");
        }
        raster.NoDataValue = nodata;
        float nd = (float)nodata;
        bool[]? mask = null;
        long pixels = (long)raster.Width * raster.Height;
        for (long p = 0; p < pixels; p++)
        {
            float v = raster.Samples[p * raster.Channels];
            if (double.IsNaN(nodata) ? float.IsNaN(v) : v == nd) (mask ??= new bool[pixels])[p] = true;
        }
        raster.NoDataMask = mask;
    }

    private static RasterFormatException Bad(string path, string problem) => new(path, problem);
}

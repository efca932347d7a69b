// Opens any raster the formats layer reads (NPZ/NPY, PNG 8/16-bit, GeoTIFF, HGT, RAW16) as a
// PatchDataset. 8-bit images are textures; everything else is a heightmap in metres.
using FlowGen.Runtime;
using FlowGen.Runtime.Formats;

namespace FlowGen.Training.Data;

/// <summary>Builds datasets from files.</summary>
public static class DatasetLoader
{
    /// <summary>Loads <paramref name="path"/> and prepares P×P patches (with a coarse context of
    /// <paramref name="contextFactor"/>² blocks for detail models; of the raster's <paramref name="downsample"/>²
    /// block means for coarse models); typed errors name the file.</summary>
    public static PatchDataset Load(string path, int patch, DataKind? kind = null, int contextFactor = 0, int downsample = 1)
    {
        if (!File.Exists(path)) throw new TrainingDataException("File not found.", path);
        if (new FileInfo(path).Length == 0) throw new TrainingDataException("File is empty.", path);
        Raster r;
        try
        {
            r = RasterFile.Load(path);
        }
        catch (FlowGenException) { throw; }
        catch (Exception e) when (e is IOException or InvalidDataException or NotSupportedException)
        {
            throw new TrainingDataException($"Cannot read raster: {e.Message}", path);
        }
        var k = kind ?? (IsEightBit(r) ? DataKind.Texture : DataKind.Heightmap);
        int w = r.Width, h = r.Height, c = r.Channels;
        // Heightmaps use band 0; textures drop an alpha channel (gray+alpha → 1, RGBA → 3).
        int used = k == DataKind.Heightmap ? 1 : c is 2 or 4 ? c - 1 : c;
        var planes = new double[used][];
        for (int ch = 0; ch < used; ch++)
        {
            var p = planes[ch] = new double[w * h];
            for (int i = 0; i < w * h; i++) p[i] = r.Samples[i * c + ch];
        }
        bool[]? mask = r.NoDataMask;
        if (mask is not null && mask.All(b => b)) throw new TrainingDataException("Every sample is nodata.", path);
        double? pixel = null;
        if (r.Geo is { } geo)
        {
            var (px, py) = geo.PixelSizeMetres(h);
            if (double.IsFinite(px) && double.IsFinite(py) && px > 0 && py > 0) pixel = 0.5 * (px + py);
        }
        if (downsample != 1)
        {
            if (downsample is < 2 or > 16) throw new TrainingDataException($"The downsampling factor must be 2 to 16, not {downsample}.", path);
            if (k != DataKind.Heightmap) throw new TrainingDataException("Coarse models (--downsample) are for heightmaps; this raster is a texture.", path);
            (planes, mask) = BlockMeans(planes, mask, w, h, downsample);
            (w, h) = (w / downsample, h / downsample);
            pixel *= downsample;
        }
        return new PatchDataset(planes, h, w, patch, k, mask, path, contextFactor: contextFactor) { PixelSizeMetres = pixel };
    }

    // Means of F×F blocks from the top-left corner (a partial last row or column of blocks is dropped); a block with any
    // nodata is nodata.
    private static (double[][], bool[]?) BlockMeans(double[][] planes, bool[]? mask, int w, int h, int f)
    {
        int cw = w / f, ch = h / f;
        var outMask = mask is null ? null : new bool[cw * ch];
        var outPlanes = new double[planes.Length][];
        for (int c = 0; c < planes.Length; c++)
        {
            var o = outPlanes[c] = new double[cw * ch];
            for (int i = 0; i < ch; i++)
                for (int j = 0; j < cw; j++)
                {
                    double s = 0;
                    bool bad = false;
                    for (int u = 0; u < f; u++)
                        for (int v = 0; v < f; v++)
                        {
                            int at = (i * f + u) * w + j * f + v;
                            s += planes[c][at];
                            bad |= mask is not null && mask[at];
                        }
                    o[i * cw + j] = s / (f * f);
                    if (outMask is not null) outMask[i * cw + j] = bad;
                }
        }
        return (outPlanes, outMask);
    }

    private static bool IsEightBit(Raster r) =>
        r.Metadata.TryGetValue("format", out var f) && f == "png" && r.Metadata.TryGetValue("bit_depth", out var bits) && bits == "8";
}

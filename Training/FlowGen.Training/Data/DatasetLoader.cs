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
    /// <remarks>With <paramref name="allPhases"/>, a coarse model's data are the block means of every one of the F² block offsets
    /// (grids stacked with a nodata row between them, so no window spans two): F² times the windows of the one grid from
    /// the corner, for a coarse raster that is small (the bundled DEM's is 86x100).</remarks>
    public static PatchDataset Load(string path, int patch, DataKind? kind = null, int contextFactor = 0, int downsample = 1, bool allPhases = false,
        int? contextPhase = null, bool phaseMaps = false)
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
        var k = kind ?? (r.IsEightBitPng ? DataKind.Texture : DataKind.Heightmap);
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
        double? pixel = r.PixelSizeMetres;
        if (downsample != 1)
        {
            if (downsample is < 2 or > 16) throw new TrainingDataException($"The downsampling factor must be 2 to 16, not {downsample}.", path);
            if (k != DataKind.Heightmap) throw new TrainingDataException("Coarse models (--downsample) are for heightmaps; this raster is a texture.", path);
            if (allPhases) (planes, mask, w, h) = AllPhaseBlockMeans(planes, mask, w, h, downsample);
            else
            {
                (planes, mask) = BlockMeans(planes, mask, w, h, downsample);
                (w, h) = (w / downsample, h / downsample);
            }
            pixel *= downsample;
        }
        else if (allPhases) throw new TrainingDataException("All block offsets (--all-phases) are for coarse models: add --downsample F.", path);
        return new PatchDataset(planes, h, w, patch, k, mask, path, contextFactor: contextFactor, contextPhase: contextPhase, phaseMaps: phaseMaps) { PixelSizeMetres = pixel };
    }

    // Means of F×F blocks from the top-left corner (a partial last row or column of blocks is dropped); a block with any
    // nodata is nodata.
    private static (double[][], bool[]?) BlockMeans(double[][] planes, bool[]? mask, int w, int h, int f)
    {
        int cw = w / f, ch = h / f;
        var outPlanes = planes.Select(_ => new double[cw * ch]).ToArray();
        var outMask = mask is null ? null : new bool[cw * ch];
        BlockGrid(planes, mask, w, f, 0, 0, cw, ch, outPlanes, outMask, 0);
        return (outPlanes, outMask);
    }

    // The block means of each offset (a, b) in [0, F)², each grid of the same (H - F + 1)/F x (W - F + 1)/F blocks, stacked
    // vertically with a nodata row between grids. The train/test column split falls at the same coarse column S in every grid
    // (PatchDataset.SplitColumnOf); an offset b > 0 moves a grid's blocks b pixels right, so its last train column S - 1
    // would reach b pixels into the raster's test columns: it is marked nodata, and no train window sees test pixels.
    private static (double[][], bool[], int, int) AllPhaseBlockMeans(double[][] planes, bool[]? mask, int w, int h, int f)
    {
        int cw = (w - f + 1) / f, ch = (h - f + 1) / f, phases = f * f, th = phases * ch + phases - 1;
        int split = PatchDataset.SplitColumnOf(cw);
        var outPlanes = planes.Select(_ => new double[cw * th]).ToArray();
        var outMask = new bool[cw * th];
        for (int k = 0; k < phases; k++)
        {
            int a = k / f, b = k % f, top = k * (ch + 1);
            if (k > 0) outMask.AsSpan((top - 1) * cw, cw).Fill(true); // the separator row
            BlockGrid(planes, mask, w, f, a, b, cw, ch, outPlanes, outMask, top * cw);
            if (b > 0)
                for (int i = 0; i < ch; i++) outMask[(top + i) * cw + split - 1] = true;
        }
        return (outPlanes, outMask, cw, th);
    }

    // Means of the cw x ch blocks of F×F whose first starts at pixel (a, b), into the grids from index `at` on; a block with
    // any nodata is marked in outMask.
    private static void BlockGrid(double[][] planes, bool[]? mask, int w, int f, int a, int b, int cw, int ch, double[][] outPlanes, bool[]? outMask, int at)
    {
        for (int i = 0; i < ch; i++)
            for (int j = 0; j < cw; j++)
            {
                int o = at + i * cw + j, corner = (a + i * f) * w + b + j * f;
                for (int c = 0; c < planes.Length; c++)
                {
                    double s = 0;
                    for (int u = 0; u < f; u++)
                        for (int v = 0; v < f; v++) s += planes[c][corner + u * w + v];
                    outPlanes[c][o] = s / (f * f);
                }
                if (mask is null || outMask is null) continue;
                for (int u = 0; u < f; u++)
                    for (int v = 0; v < f; v++) outMask[o] |= mask[corner + u * w + v];
            }
    }
}

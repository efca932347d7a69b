// `flowgen-demo --dem FILE`: fly over a real DEM with the detail model's drawn detail on it. The DEM (any raster FlowGen
// reads: one band, no nodata) is the coarse level under the detail model, as `flowgen upscale` does it, mirrored past its
// edges so the terrain goes on. A DEM at the detail model's own pixel size (the bundled Jacksboro DEM, 83.5 m) is
// block-averaged first, F×F (F = the model's context factor), so what the viewer shows is its relief re-detailed; one at
// F times that (334 m) is used as it is; any other pixel size is refused.
using FlowGen.Runtime;
using FlowGen.Runtime.Formats;
using FlowGen.Runtime.Streaming;

namespace FlowGen.Demo.Terrain;

internal sealed class DemTerrain
{
    private readonly float[] _heights;

    private DemTerrain(float[] heights, int width, int height, double pixelSizeMetres)
    {
        _heights = heights;
        Width = width;
        Height = height;
        PixelSizeMetres = pixelSizeMetres;
    }

    public int Width { get; }
    public int Height { get; }
    public double PixelSizeMetres { get; }

    /// <summary>The world of <paramref name="seed"/>: this DEM under <paramref name="detail"/>, mirrored past its edges.</summary>
    public IWorldSource World(IDetailSampler detail, ulong seed) =>
        ConditionalPyramidWorld.Upscale(detail, _heights, Width, Height, PixelSizeMetres, seed, edge: RasterEdge.Mirror);

    /// <summary>Reads <paramref name="path"/> for a detail model of <paramref name="detail"/>'s pixel size and context factor.</summary>
    public static DemTerrain Load(string path, IDetailSampler detail)
    {
        var r = RasterFile.Load(path);
        if (r.Channels != 1) throw new FlowGenException($"--dem needs a one-band elevation raster, not {r.Channels} bands", path);
        if (r.NoDataMask is { } mask && mask.Any(m => m)) throw new FlowGenException("--dem: the DEM has nodata cells; fill them first", path);
        double pixel = r.PixelSizeMetres ?? throw new FlowGenException("--dem: the DEM has no georeference, so its pixel size is unknown", path);
        double fine = detail.PixelSizeMetres;
        int f = detail.ContextFactor;
        if (Math.Abs(pixel / (fine * f) - 1) <= 0.02) return new DemTerrain(r.Samples.ToArray(), r.Width, r.Height, pixel);
        if (Math.Abs(pixel / fine - 1) > 0.02)
            throw new FlowGenException($"--dem: its pixels are {pixel:G5} m; the detail model adds detail to {fine * f:G5} m pixels (or takes {fine:G5} m ones, averaged {f}x{f})", path);
        int w = r.Width / f, h = r.Height / f;
        if (w < 1 || h < 1) throw new FlowGenException($"--dem: {r.Width}x{r.Height} pixels hold no whole {f}x{f} block", path);
        var means = Raster.BlockMeans(r.Samples, r.Width, r.Height, f);
        if (Array.FindIndex(means, m => !float.IsFinite(m)) is var bad and >= 0)
            throw new FlowGenException($"--dem: non-finite heights near row {bad / w * f}, column {bad % w * f}", path);
        return new DemTerrain(means, w, h, pixel * f);
    }
}

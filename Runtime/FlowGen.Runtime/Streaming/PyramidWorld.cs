// Relief at every scale from one patch flow: a pyramid of seamless lattice worlds, level k drawn on a grid
// factor^k times coarser than the pixels and scaled by gain^k, summed. A 32-pixel patch holds wavelengths
// from 2 to about 32 of its pixels and a lattice world of zero-mean patches has no relief beyond that; the
// coarser levels continue the spectrum to wavelengths of hundreds of kilometres.
//
// This is the self-affine assumption of fractal terrain: relief at a larger scale looks like the model's, with
// heights scaled. The defaults (factor 4, so neighbouring levels' bands overlap and their sum is smooth; gain
// 1.6; 5 levels) are fitted on the bundled Jacksboro DEM: the radially averaged power spectrum of 256² crops of
// a generated world stays within 0.6-1.4x of the real DEM's 256² crops from 1/210 to 0.4 cycles per pixel, where
// a single level falls 350x short at the longest wavelength (`flowgen seams` measures it). It reuses the one
// model learned at the data's resolution; the DEM shipped with FlowGen (344x403 pixels) is too small to train
// separate models on coarser grids.
//
// Coarse levels are interpolated with Catmull-Rom splines at pixel centres; at a level of detail whose pixel is
// larger than a level's grid spacing, that level's samples are box-averaged, and a level whose whole patches
// (32 samples) fit inside one output pixel is left out. A value depends only on the seed, the level of detail
// and the pixel: never on request order, chunking or threads.
namespace FlowGen.Runtime.Streaming;

/// <summary>
/// A multi-scale seamless world: <see cref="LatticeWorld"/> at the model's resolution plus coarser levels for
/// large-scale relief (see the file comment). Thread-safe; each call allocates its own scratch.
/// </summary>
public sealed class PyramidWorld : IWorldSource
{
    /// <summary>Default grid spacing ratio between neighbouring levels.</summary>
    public const int DefaultFactor = 4;

    /// <summary>Default height gain per level (fitted on the bundled DEM's spectrum, see the file comment).</summary>
    public const double DefaultGain = 1.6;

    /// <summary>Default number of levels: relief up to 4⁴ = 256 patch sizes (about 700 km at 83.5 m pixels).</summary>
    public const int DefaultLevels = 5;

    private readonly LatticeWorld[] _levels;
    private readonly double _gain;
    private readonly int _log2Factor;
    private readonly PatchCache? _cache;

    /// <summary>
    /// Creates the world of <paramref name="seed"/> with <paramref name="levels"/> levels (1 = the lattice world alone,
    /// bitwise), <paramref name="factor"/> times coarser each, heights scaled by <paramref name="gain"/> per level; every level's
    /// patches overlap by <paramref name="overlap"/> pixels (null: half a patch, see <see cref="LatticeWorld"/>). With
    /// <paramref name="patchCacheBytes"/> &gt; 0 the levels keep their recently used patches (at most that many bytes) for
    /// neighbouring requests: the same values, drawn once (worth it where the world serves as the coarse world of a
    /// <see cref="ConditionalPyramidWorld"/>, all of whose levels are coarse).
    /// </summary>
    public PyramidWorld(IPatchSampler sampler, ulong seed, int levels = DefaultLevels, double gain = DefaultGain, int factor = DefaultFactor, int? overlap = null,
        long patchCacheBytes = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(patchCacheBytes);
        if (factor is not (2 or 4 or 8 or 16)) throw new ArgumentOutOfRangeException(nameof(factor), factor, "the level factor must be 2, 4, 8 or 16");
        _log2Factor = System.Numerics.BitOperations.Log2((uint)factor);
        ArgumentNullException.ThrowIfNull(sampler);
        ArgumentOutOfRangeException.ThrowIfLessThan(levels, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(levels, 8);
        if (!double.IsFinite(gain) || gain < 0) throw new ArgumentOutOfRangeException(nameof(gain), gain, "gain must be finite and non-negative");
        _gain = gain;
        _cache = patchCacheBytes > 0 ? new PatchCache(patchCacheBytes) : null;
        _levels = new LatticeWorld[levels];
        for (int k = 0; k < levels; k++) _levels[k] = new LatticeWorld(sampler, k == 0 ? seed : LevelSeed(seed, k), overlap, _cache);
    }

    /// <summary>Number of levels.</summary>
    public int Levels => _levels.Length;

    /// <summary>Height gain per level.</summary>
    public double Gain => _gain;

    /// <summary>Patches served from the patch cache and drawn by the flow (both 0 without a cache).</summary>
    public (long Hits, long Misses) PatchCacheCounts => _cache?.Counts ?? (0, 0);

    /// <summary>Pixels shared by neighbouring patches along an axis, on every level.</summary>
    public int Overlap => _levels[0].Overlap;

    /// <inheritdoc />
    public double PixelSizeMetres => _levels[0].PixelSizeMetres;

    /// <summary>Pixels double per level of detail; the coarsest level is box-averaged up to 16x16 of its samples per pixel.</summary>
    public int MaxLod => _log2Factor * (_levels.Length - 1) + 4;

    /// <summary>Largest |pixel coordinate| at level of detail 0.</summary>
    public long CoordinateLimit => _levels[0].CoordinateLimit;

    /// <inheritdoc />
    public void Fill(long x0, long y0, int width, int height, int lod, Span<float> destination, CancellationToken cancellationToken)
    {
        var dst = WorldRect.Check(x0, y0, width, height, lod, MaxLod, CoordinateLimit, destination);
        // At full resolution the finest level is written straight into the destination (0 + v·1 is v: same bits).
        int first = lod == 0 ? 1 : 0;
        if (lod == 0) _levels[0].Fill(x0, y0, width, height, 0, dst, cancellationToken);
        else dst.Clear();
        for (int k = first; k < _levels.Length; k++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            // r = output pixel / level grid spacing = 2^lod / factor^k.
            int shift = lod - _log2Factor * k;
            float amplitude = (float)Math.Pow(_gain, k);
            if (shift >= 5) continue; // 32 or more samples per output pixel: the level's whole patches fit inside one pixel
            if (amplitude == 0) continue;
            if (shift >= 0) AddBoxAveraged(_levels[k], x0, y0, width, height, 1 << shift, amplitude, dst, cancellationToken);
            else AddInterpolated(_levels[k], x0, y0, width, height, 1 << -shift, amplitude, dst, cancellationToken);
        }
    }

    // Output pixel x covers level samples [x·r, (x+1)·r): their mean (r = 1: the sample itself).
    private static void AddBoxAveraged(LatticeWorld level, long x0, long y0, int width, int height, int r, float amplitude, Span<float> dst, CancellationToken ct)
    {
        int w = checked(width * r), h = checked(height * r);
        using var values = new ScratchBuffer(checked(w * h), clear: false);
        level.Fill(x0 * r, y0 * r, w, h, 0, values.Span, ct);
        WorldRect.BlockMeans(values.Span, r, width, height, amplitude / (r * r), dst, add: true);
    }

    // Output pixel x (centre x + ½) sits at level coordinate (x + ½)/m - ½, m = level spacing / output pixel:
    // Catmull-Rom through the four nearest level samples along each axis.
    private static void AddInterpolated(LatticeWorld level, long x0, long y0, int width, int height, int m, float amplitude, Span<float> dst, CancellationToken ct)
    {
        var (cx0, ix, wx) = CatmullRom.Taps(x0, width, m);
        var (cy0, iy, wy) = CatmullRom.Taps(y0, height, m);
        int cw = ix[^1] + 4, ch = iy[^1] + 4;
        using var coarse = new ScratchBuffer(checked(cw * ch), clear: false);
        level.Fill(cx0, cy0, cw, ch, 0, coarse.Span, ct);
        CatmullRom.Add(coarse.Span, cw, ch, (ix, wx), (iy, wy), width, height, amplitude, dst);
    }

    // SplitMix64 of the world seed and the level: independent worlds per level, level 0 keeps the seed itself.
    internal static ulong LevelSeed(ulong seed, int level)
    {
        ulong z = seed + (ulong)level * 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}

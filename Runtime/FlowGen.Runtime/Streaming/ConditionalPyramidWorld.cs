// Relief at every scale from a trained pyramid: a coarse lattice world on a grid F^(L-1) times coarser than the
// pixels, then L-1 levels of detail, each drawn by a detail model conditioned on the level above it (F = the
// detail model's context factor, 4 for the bundled one). Level k's terrain is
//
//     H_k = C_k + g^k · blend(detail patches of context C_k / g^k),   C_k = Catmull-Rom upsampling of H_{k+1},
//
// where the blend is the lattice world's variance-preserving blend (LatticeBlend) of residual patches. The
// detail model was trained on exactly this: real terrain minus its own F×F block means upsampled the same way
// (CatmullRom.BlockContext), so absolute elevation and large-scale relief come from the coarse levels and every
// level's detail follows the valleys and ridges under it. Neighbouring detail patches share their context, so they
// agree on everything coarser than the patch; the blend hides the rest. g is the self-affine height gain between
// levels (the one model serves every level: the bundled DEM is too small to train a model per scale), 1.6 by default.
//
// A value depends only on the seed and the pixel: each level's patches are keyed by (level seed, lattice index) and
// their contexts by the coarser level's values at fixed positions, never by the requested rectangle, its order or
// threads. Level of detail 2m is level m itself (its pixel is F^m = 4^m pixels); odd levels of detail and those past
// the coarsest level box-average the nearest finer level.
namespace FlowGen.Runtime.Streaming;

/// <summary>
/// A multi-scale seamless world from a coarse patch model and a detail model (see the file comment). Thread-safe; each
/// call allocates its own scratch.
/// </summary>
public sealed class ConditionalPyramidWorld : IWorldSource
{
    private readonly LatticeWorld _top;
    private readonly IDetailSampler _detail;
    private readonly LatticeBlend _blend;
    private readonly ulong[] _seeds;
    private readonly double _gain;
    private readonly int _levels;
    private readonly int _factor;
    private readonly int _log2Factor;

    /// <summary>
    /// Creates the world of <paramref name="seed"/> with <paramref name="levels"/> levels (1 = the coarse lattice world
    /// alone): the coarsest from <paramref name="coarse"/>, the others from <paramref name="detail"/>, heights × gain per level.
    /// </summary>
    public ConditionalPyramidWorld(IPatchSampler coarse, IDetailSampler detail, ulong seed, int levels = PyramidWorld.DefaultLevels,
        double gain = PyramidWorld.DefaultGain)
    {
        ArgumentNullException.ThrowIfNull(coarse);
        ArgumentNullException.ThrowIfNull(detail);
        ArgumentOutOfRangeException.ThrowIfLessThan(levels, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(levels, 8);
        if (!double.IsFinite(gain) || gain <= 0) throw new ArgumentOutOfRangeException(nameof(gain), gain, "gain must be finite and positive");
        if (detail.ContextFactor is not (2 or 4 or 8 or 16))
            throw new ArgumentException($"the detail model's context factor must be 2, 4, 8 or 16, not {detail.ContextFactor}", nameof(detail));
        if (Math.Abs(coarse.PixelSizeMetres - detail.PixelSizeMetres) > 1e-6 * coarse.PixelSizeMetres)
            throw new ArgumentException($"the coarse model's pixels ({coarse.PixelSizeMetres} m) differ from the detail model's ({detail.PixelSizeMetres} m)", nameof(detail));
        _detail = detail;
        _blend = new LatticeBlend(detail.PatchSize, nameof(detail));
        _levels = levels;
        _gain = gain;
        _factor = detail.ContextFactor;
        _log2Factor = System.Numerics.BitOperations.Log2((uint)_factor);
        _seeds = new ulong[levels];
        for (int k = 0; k < levels; k++) _seeds[k] = k == 0 ? seed : PyramidWorld.LevelSeed(seed, k);
        _top = new LatticeWorld(coarse, _seeds[levels - 1]);
    }

    /// <summary>Number of levels.</summary>
    public int Levels => _levels;

    /// <summary>Height gain per level.</summary>
    public double Gain => _gain;

    /// <inheritdoc />
    public double PixelSizeMetres => _detail.PixelSizeMetres;

    /// <summary>Level of detail log2(F)·m is level m; beyond the coarsest level, up to 16x16 of its pixels are averaged.</summary>
    public int MaxLod => _log2Factor * (_levels - 1) + 4;

    /// <summary>Largest |pixel coordinate| at level of detail 0.</summary>
    public long CoordinateLimit => Math.Min(_top.CoordinateLimit, _blend.CoordinateLimit);

    /// <inheritdoc />
    public void Fill(long x0, long y0, int width, int height, int lod, Span<float> destination, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(lod);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(lod, MaxLod);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        if ((long)width * height > destination.Length)
            throw new ArgumentException($"Destination holds {destination.Length} values; {width}x{height} needs {(long)width * height}.", nameof(destination));
        long limit = CoordinateLimit >> lod;
        if (x0 < -limit || y0 < -limit || x0 + width > limit || y0 + height > limit)
            throw new ArgumentOutOfRangeException(nameof(x0), $"Rectangle ({x0}, {y0}, {width}x{height}) at level of detail {lod} leaves the world's coordinate range ±{limit}.");
        int level = Math.Min(lod / _log2Factor, _levels - 1), shift = lod - level * _log2Factor;
        var dst = destination[..(width * height)];
        if (shift == 0)
        {
            FillLevel(level, x0, y0, width, height, dst, cancellationToken);
            return;
        }
        int r = 1 << shift, w = checked(width * r), h = checked(height * r);
        var fine = new float[checked(w * h)];
        FillLevel(level, x0 * r, y0 * r, w, h, fine, cancellationToken);
        float inv = 1f / (r * r);
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
            {
                float s = 0;
                for (int v = 0; v < r; v++)
                {
                    int o = (y * r + v) * w + x * r;
                    for (int u = 0; u < r; u++) s += fine[o + u];
                }
                dst[y * width + x] = s * inv;
            }
    }

    // H_k over a rectangle of level k's own pixels.
    private void FillLevel(int k, long x0, long y0, int width, int height, Span<float> dst, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        if (k == _levels - 1)
        {
            _top.Fill(x0, y0, width, height, 0, dst, ct);
            float top = (float)Math.Pow(_gain, k);
            if (top != 1f) for (int i = 0; i < dst.Length; i++) dst[i] *= top;
            return;
        }
        // The context over every patch touching the rectangle (the union U of their windows).
        var (i0, i1, j0, j1) = _blend.Cover(x0, y0, width, height);
        int p = _blend.Patch, s = _blend.Stride;
        long ux0 = (long)i0 * s, uy0 = (long)j0 * s;
        int uw = (i1 - i0) * s + p, uh = (j1 - j0) * s + p;
        var (cx0, ix, wx) = CatmullRom.Taps(ux0, uw, _factor);
        var (cy0, iy, wy) = CatmullRom.Taps(uy0, uh, _factor);
        int cw = ix[^1] + 4, ch = iy[^1] + 4;
        var coarse = new float[checked(cw * ch)];
        FillLevel(k + 1, cx0, cy0, cw, ch, coarse, ct);
        var context = new float[checked(uw * uh)];
        CatmullRom.Add(coarse, cw, ch, (ix, wx), (iy, wy), uw, uh, 1f, context);

        float amplitude = (float)Math.Pow(_gain, k), toBase = 1f / amplitude;
        ulong seed = _seeds[k];
        float[]? windows = null;
        _blend.Fill(x0, y0, width, height, dst, (patches, j, first, count, rows) =>
        {
            int pp = p * p, n = count * rows;
            if (windows is null || windows.Length < n * pp) windows = new float[n * pp];
            for (int r = 0; r < rows; r++)
                for (int c = 0; c < count; c++)
                {
                    var w = windows.AsSpan((r * count + c) * pp, pp);
                    int oy = (j + r - j0) * s, ox = (first + c - i0) * s;
                    for (int v = 0; v < p; v++)
                        for (int u = 0; u < p; u++) w[v * p + u] = context[(oy + v) * uw + ox + u] * toBase;
                }
            _detail.SampleRows(patches, windows.AsSpan(0, n * pp), seed, ((long)j << 32) + first, count, rows, 1L << 32, ct);
            for (int i = 0; i < n * pp; i++) patches[i] *= amplitude;
        }, ct);
        int dx = (int)(x0 - ux0), dy = (int)(y0 - uy0);
        for (int y = 0; y < height; y++)
        {
            var row = context.AsSpan((dy + y) * uw + dx, width);
            var o = dst.Slice(y * width, width);
            for (int x = 0; x < width; x++) o[x] += row[x];
        }
    }
}

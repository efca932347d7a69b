// Relief at every scale from trained models: a coarse world (e.g. the PyramidWorld of a model trained on the DEM
// downsampled F times, `flowgen train --downsample F`) whose pixel is F^n detail pixels, then n levels of detail,
// each drawn by a detail model (`flowgen train --context-factor F`) conditioned on the level above it. Level k's
// terrain is
//
//     H_k = C_k + g^k · blend(detail patches of context C_k / g^k),   C_k = Catmull-Rom upsampling of H_{k+1},
//
// with H_n the coarse world and the blend the lattice world's variance-preserving blend (LatticeBlend) of residual
// patches. The detail model was trained on exactly this: real terrain minus its own F×F block means upsampled the
// same way (CatmullRom.BlockContext), so absolute elevation and large-scale relief come from the coarse world and the
// detail follows the valleys and ridges under it. Neighbouring detail patches share their context, so they agree on
// everything coarser than the patch; the blend hides the rest, over an eighth-patch overlap by default (a band that
// narrow would show as seams between unconditioned patches; see LatticeWorld). Patch (i, j) starts at world pixel
// (i·s + φ, j·s + φ): the phase φ is the one the detail model records (flowgen.context.phase: the offset from the block
// grid it was trained at, `flowgen train --context-phase`, or for a model trained at every offset the one measured
// best for it), else 0. Two draws given the same context are correlated (flowgen.context.draw_correlation, measured at
// export), and the blend keeps the variance of patches that correlated (LatticeBlend). With more than one detail
// level the one detail model serves every level, heights scaled by g per level (self-affine reuse); the bundled world
// has one (n = 1, the coarse model carries the larger scales), where g plays no part.
//
// A value depends only on the seed and the pixel: each level's patches are keyed by (level seed, lattice index) and
// their contexts by the coarser level's values at fixed positions, never by the requested rectangle, its order or
// threads. Level of detail log2(F)·m is level m itself; beyond level n the coarse world's own levels of detail serve;
// levels of detail in between box-average the nearest finer level.
namespace FlowGen.Runtime.Streaming;

/// <summary>
/// A multi-scale seamless world from a coarse world and a detail model (see the file comment). Thread-safe; each call
/// allocates its own scratch.
/// </summary>
public sealed class ConditionalPyramidWorld : IWorldSource
{
    private readonly IWorldSource _coarse;
    private readonly IDetailSampler _detail;
    private readonly LatticeBlend _blend;
    private readonly ulong[] _seeds;
    private readonly double _gain;
    private readonly int _levels; // detail levels n
    private readonly int _factor;
    private readonly int _log2Factor;
    private readonly int _phase;
    private readonly PatchCache? _detailCache;

    /// <summary>
    /// Creates the world of <paramref name="seed"/>: <paramref name="detailLevels"/> levels of <paramref name="detail"/> under
    /// <paramref name="coarse"/>, whose pixel must be F^detailLevels of the detail model's (F = its context factor); heights
    /// × <paramref name="gain"/> per detail level above the first; neighbouring detail patches share <paramref name="overlap"/> pixels
    /// (a multiple of F up to half a patch; null: <see cref="DefaultOverlap"/>); the detail lattice starts <paramref name="phase"/>
    /// pixels off the coarse pixel grid (0 to F - 1; null: the detail model's recorded phase, else <see cref="DefaultPhase"/>). With <paramref name="patchCacheBytes"/> &gt; 0 the
    /// detail levels keep their recently drawn patches for neighbouring requests (the same bits: a patch depends only on the
    /// seed, its index and the coarse world under it).
    /// </summary>
    public ConditionalPyramidWorld(IWorldSource coarse, IDetailSampler detail, ulong seed, int detailLevels = 1, double gain = PyramidWorld.DefaultGain,
        int? overlap = null, long patchCacheBytes = 0, int? phase = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(patchCacheBytes);
        ArgumentNullException.ThrowIfNull(coarse);
        ArgumentNullException.ThrowIfNull(detail);
        ArgumentOutOfRangeException.ThrowIfLessThan(detailLevels, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(detailLevels, 4);
        if (!double.IsFinite(gain) || gain <= 0) throw new ArgumentOutOfRangeException(nameof(gain), gain, "gain must be finite and positive");
        if (detail.ContextFactor is not (2 or 4 or 8 or 16))
            throw new ArgumentException($"the detail model's context factor must be 2, 4, 8 or 16, not {detail.ContextFactor}", nameof(detail));
        double expected = detail.PixelSizeMetres * Math.Pow(detail.ContextFactor, detailLevels);
        if (!(Math.Abs(coarse.PixelSizeMetres - expected) <= 1e-3 * expected))
            throw new ArgumentException($"the coarse world's pixels ({coarse.PixelSizeMetres:G6} m) must be {detail.ContextFactor}^{detailLevels} times the detail model's " +
                $"({detail.PixelSizeMetres:G6} m), i.e. {expected:G6} m: train the coarse model with --downsample {Math.Pow(detail.ContextFactor, detailLevels)}", nameof(coarse));
        _coarse = coarse;
        _detail = detail;
        // Every patch must sit at the same phase of the coarse grid (the one the model draws best at): lattice strides must be
        // whole coarse pixels.
        int p = detail.PatchSize, f = detail.ContextFactor, o = overlap ?? DefaultOverlap(p, f);
        if (p % f != 0) throw new ArgumentException($"the detail model's {p}-pixel patches are not whole {f}x{f} context blocks", nameof(detail));
        if (o % f != 0) throw new ArgumentOutOfRangeException(nameof(overlap), o, $"the detail patch overlap must be a multiple of the context factor {f}, so that every patch sits at the same phase of the coarse grid");
        _phase = phase ?? detail.ContextPhase ?? DefaultPhase;
        if (detail.ContextPhaseBaked && _phase != detail.ContextPhase)
            throw new ArgumentOutOfRangeException(nameof(phase), _phase, $"the detail model draws its patches for phase {detail.ContextPhase} only (its phase maps are baked into the graph): lay it there, or export its checkpoint at phase {_phase}");
        if (_phase < 0 || _phase >= f) throw new ArgumentOutOfRangeException(nameof(phase), _phase, $"the detail lattice's phase must be 0 to {f - 1} pixels (the context factor {f} less one)");
        // Neighbouring patches share their context: their residuals are correlated by the model's draw correlation.
        double rho = detail.DrawCorrelation;
        if (!(rho >= 0 && rho < 1)) throw new ArgumentException($"the detail model's draw correlation must be in [0, 1), not {rho}", nameof(detail));
        _blend = new LatticeBlend(p, o, nameof(detail), rho);
        _detailCache = patchCacheBytes > 0 ? new PatchCache(patchCacheBytes) : null;
        _levels = detailLevels;
        _gain = gain;
        _factor = detail.ContextFactor;
        _log2Factor = System.Numerics.BitOperations.Log2((uint)_factor);
        _seeds = new ulong[detailLevels];
        for (int k = 0; k < detailLevels; k++) _seeds[k] = k == 0 ? seed : PyramidWorld.LevelSeed(seed, k);
    }

    /// <summary>
    /// Default detail patch overlap: an eighth of the patch (4 of 32 pixels), in whole coarse pixels and at least one.
    /// Neighbouring detail patches share their coarse context, so a narrow band hides the seam (border/interior slope and
    /// |Laplacian| within 4 %) while most pixels keep one patch's own structure: patches cut from the bundled world came
    /// out closer to real terrain with 4-pixel than with 8- or 16-pixel overlaps on every statistic measured (squeezed-context detail model: slope W1
    /// 0.89° against 1.03° and 1.68°), from 105 instead of 289 detail patches per 256² chunk (README, "Worlds").
    /// </summary>
    public static int DefaultOverlap(int patch, int contextFactor) => Math.Max(contextFactor, patch / 8 / contextFactor * contextFactor);

    /// <summary>Pixels shared by neighbouring detail patches along an axis.</summary>
    public int Overlap => _blend.Overlap;

    /// <summary>
    /// Offset of the detail lattice from the coarse pixel grid for a detail model that records none: 0, patches on whole coarse
    /// pixels. A model trained on windows at every offset from its F×F block grid can be laid at any; which draws best is
    /// measured per model and recorded (`flowgen export MODEL.onnx OUT.onnx --context-phase`): given the DEM's own contexts, the
    /// bundled detail models' residuals follow the context best at (2, 2) of 4 and worst at (0, 0), and terrain-detail-fast
    /// records 2, while terrain-detail's world came out closer to the real crop spectrum at 0 (README, "Worlds").
    /// </summary>
    public const int DefaultPhase = 0;

    /// <summary>Offset of the detail lattice from the coarse pixel grid, in detail pixels along each axis.</summary>
    public int Phase => _phase;

    /// <summary>Patch cache of the coarse world in <see cref="Create"/>: 16 MiB, 16,384 patches of 16x16, the coarse patches of
    /// about a hundred 256² chunks around the latest requests.</summary>
    public const long CoarsePatchCacheBytes = 16L << 20;

    /// <summary>Detail patch cache in <see cref="Create"/>: 16 MiB, 4,096 patches of 32x32, about forty 256² chunks' worth. A chunk
    /// shares only its border patches with each neighbour (a fifth of its 105), so this saves less than the coarse cache.</summary>
    public const long DetailPatchCacheBytes = 16L << 20;

    /// <summary>Detail patches served from the detail patch cache and drawn (both 0 without a cache).</summary>
    public (long Hits, long Misses) PatchCacheCounts => _detailCache?.Counts ?? (0, 0);

    /// <summary>Default height gain per level of the coarse model's pyramid in <see cref="Create"/>: fitted on the bundled DEM's
    /// 256² crop spectrum with the bundled terrain-coarse model (1.6, the fine model's, puts 2.5x the real power at 200 px).</summary>
    public const double DefaultCoarseGain = 1.3;

    /// <summary>
    /// The standard multi-scale world of a coarse model (trained with --downsample F, F = the detail model's context
    /// factor) and a detail model: the coarse model's PyramidWorld with <paramref name="levels"/> - 1 levels and gain
    /// <paramref name="gain"/> (half-patch overlaps), under one detail level with <paramref name="overlap"/>. <paramref name="levels"/> counts both (at least 2).
    /// </summary>
    public static ConditionalPyramidWorld Create(IPatchSampler coarseModel, IDetailSampler detail, ulong seed, int levels = PyramidWorld.DefaultLevels,
        double gain = DefaultCoarseGain, int? overlap = null, int? phase = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(levels, 2);
        return new ConditionalPyramidWorld(new PyramidWorld(coarseModel, PyramidWorld.LevelSeed(seed, 64), levels - 1, gain, patchCacheBytes: CoarsePatchCacheBytes),
            detail, seed, overlap: overlap, patchCacheBytes: DetailPatchCacheBytes, phase: phase);
    }

    /// <summary>
    /// A real coarse DEM under one detail level (`flowgen upscale`): the <paramref name="width"/> x <paramref name="height"/>
    /// <paramref name="heights"/> (row-major, metres; a <see cref="RasterWorld"/>, extended past its borders by <paramref name="edge"/>) as the
    /// coarse world, and <paramref name="detail"/> drawing the residual given it, F = its context factor times finer. The DEM's
    /// pixels (<paramref name="pixelSizeMetres"/>) must be F times the detail model's within 2 %, unless <paramref name="anyScale"/>.
    /// Pixel (F·x, F·y) of the world starts coarse pixel (x, y).
    /// </summary>
    public static ConditionalPyramidWorld Upscale(IDetailSampler detail, ReadOnlySpan<float> heights, int width, int height, double pixelSizeMetres, ulong seed,
        bool anyScale = false, RasterEdge edge = RasterEdge.Clamp)
    {
        ArgumentNullException.ThrowIfNull(detail);
        double expected = detail.PixelSizeMetres * detail.ContextFactor;
        if (!anyScale && !(Math.Abs(pixelSizeMetres / expected - 1) <= 0.02))
            throw new ArgumentException( // one line, no parameter suffix: the C ABI hands the message on as it is
                $"the DEM's pixels ({pixelSizeMetres:G5} m) must be {detail.ContextFactor} times the detail model's, {expected:G5} m (within 2 %)");
        return new ConditionalPyramidWorld(new RasterWorld(heights, width, height, expected, edge), detail, seed, patchCacheBytes: DetailPatchCacheBytes);
    }

    /// <summary>Number of detail levels.</summary>
    public int DetailLevels => _levels;

    /// <summary>Height gain per detail level.</summary>
    public double Gain => _gain;

    /// <inheritdoc />
    public double PixelSizeMetres => _detail.PixelSizeMetres;

    /// <summary>Level of detail log2(F)·m is detail level m; beyond the coarse world, its own levels of detail.</summary>
    public int MaxLod => _log2Factor * _levels + _coarse.MaxLod;

    /// <summary>Largest |pixel coordinate| at level of detail 0.</summary>
    public long CoordinateLimit => Math.Min(_blend.CoordinateLimit - _factor, _coarse.CoordinateLimit >= long.MaxValue >> (_log2Factor * _levels)
        ? long.MaxValue : _coarse.CoordinateLimit << (_log2Factor * _levels));

    /// <inheritdoc />
    public void Fill(long x0, long y0, int width, int height, int lod, Span<float> destination, CancellationToken cancellationToken)
    {
        var dst = WorldRect.Check(x0, y0, width, height, lod, MaxLod, CoordinateLimit, destination);
        if (lod >= _log2Factor * _levels)
        {
            cancellationToken.ThrowIfCancellationRequested();
            _coarse.Fill(x0, y0, width, height, lod - _log2Factor * _levels, dst, cancellationToken);
            return;
        }
        int level = lod / _log2Factor, shift = lod - level * _log2Factor;
        if (shift == 0)
        {
            FillLevel(level, x0, y0, width, height, dst, cancellationToken);
            return;
        }
        int r = 1 << shift, w = checked(width * r), h = checked(height * r);
        using var fine = new ScratchBuffer(checked(w * h), clear: false);
        FillLevel(level, x0 * r, y0 * r, w, h, fine.Span, cancellationToken);
        WorldRect.BlockMeans(fine.Span, r, width, height, 1f / (r * r), dst, add: false);
    }

    // H_k over a rectangle of level k's own pixels.
    private void FillLevel(int k, long x0, long y0, int width, int height, Span<float> dst, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        if (k == _levels)
        {
            _coarse.Fill(x0, y0, width, height, 0, dst, ct);
            return;
        }
        // The context over every patch touching the rectangle (the union U of their windows).
        // Lattice coordinates are world pixels less the phase: patch (i, j) covers world pixels from (i·s + φ, j·s + φ).
        long lx0 = x0 - _phase, ly0 = y0 - _phase;
        var (i0, i1, j0, j1) = _blend.Cover(lx0, ly0, width, height);
        int p = _blend.Patch, s = _blend.Stride;
        long ux0 = (long)i0 * s, uy0 = (long)j0 * s;
        int uw = (i1 - i0) * s + p, uh = (j1 - j0) * s + p;
        var (cx0, ix, wx) = CatmullRom.Taps(ux0 + _phase, uw, _factor);
        var (cy0, iy, wy) = CatmullRom.Taps(uy0 + _phase, uh, _factor);
        int cw = ix[^1] + 4, ch = iy[^1] + 4;
        using var coarseBuffer = new ScratchBuffer(checked(cw * ch), clear: false);
        FillLevel(k + 1, cx0, cy0, cw, ch, coarseBuffer.Span, ct);
        using var contextBuffer = new ScratchBuffer(checked(uw * uh), clear: true);
        var context = contextBuffer.Array;
        CatmullRom.Add(coarseBuffer.Span, cw, ch, (ix, wx), (iy, wy), uw, uh, 1f, contextBuffer.Span);

        float amplitude = (float)Math.Pow(_gain, k), toBase = 1f / amplitude;
        ulong seed = _seeds[k];
        LatticeBlend.RowSource draw = (patches, j, first, count, rows) =>
        {
            int pp = p * p, n = count * rows;
            using var windowBuffer = new ScratchBuffer(checked(n * pp), clear: false);
            var windows = windowBuffer.Array;
            for (int r = 0; r < rows; r++)
                for (int c = 0; c < count; c++)
                {
                    var w = windows.AsSpan((r * count + c) * pp, pp);
                    int oy = (j + r - j0) * s, ox = (first + c - i0) * s;
                    for (int v = 0; v < p; v++) SpanMath.Scale(context.AsSpan((oy + v) * uw + ox, p), toBase, w.Slice(v * p, p));
                }
            _detail.SampleRows(patches, windows.AsSpan(0, n * pp), seed, ((long)j << 32) + first, count, rows, 1L << 32, ct);
            SpanMath.Scale(patches[..(n * pp)], amplitude, patches);
        };
        _blend.Fill(lx0, ly0, width, height, dst, _detailCache is null ? draw
            : (patches, j, first, count, rows) => _detailCache.Fill(patches, seed, j, first, count, rows, p * p, draw), ct);
        int dx = (int)(lx0 - ux0), dy = (int)(ly0 - uy0);
        for (int y = 0; y < height; y++) SpanMath.Add(context.AsSpan((dy + y) * uw + dx, width), dst.Slice(y * width, width));
    }
}

// An infinite heightfield made of flow patches on an overlapping lattice, blended so that no seam shows. Patch (i, j)
// has its top-left pixel at (i*S, j*S) with stride S = P - overlap and is drawn from the flow as sample index
// j·2³² + i of the world seed, so a pixel depends only on the seed and the patches covering it: never on request
// order, chunking or thread count.
//
// Blending: along an axis the two patches covering a pixel of an overlap band get weights cos θ and sin θ, so
// Σw² = 1 and the blend of independent patches keeps their variance everywhere (variance-preserving blending, Heitz &
// Neyret 2018, "High-performance by-example noise using a histogram-preserving blending operator"); in 2-D the weight
// is w(u)w(v), and outside the bands a patch's own pixels pass unblended. Patches that share part of their values
// (detail patches drawn given the same context: correlation ρ) gain variance under those weights, up to 1 + ρ where
// two patches meet at 45°; the blend then divides by sqrt((1 - ρ) Σw² + ρ (Σw)²) instead, their variance.
// The blend adds slope θ' times the difference of the two patches, so θ must grow at a nearly constant rate: a sin²
// window (θ' zero on the lattice lines, double mid-way) showed as 10 % steeper slopes between lines than on them.
// θ(t) = (π/2)(t - α sin(2πt)/2π) with a small α is nearly linear yet rounds the kink where a weight starts from zero.
//
// The overlap trades seams against fidelity and cost. Half a patch (the default here) blends every pixel from four
// patches: the added slope is the same everywhere, so no seam shows even for patches that differ by their whole
// relief, but a blend of four independent patches is smoother and more Gaussian than any one of them and costs
// four patches per pixel. Detail levels conditioned on a shared coarse context (ConditionalPyramidWorld) differ
// only in the residual, so an eighth-patch overlap shows no seam there while most pixels keep one patch's
// structure; `flowgen seams` and `flowgen eval --world` measure both (README, "Worlds").
using System.Numerics;

namespace FlowGen.Runtime.Streaming;

/// <summary>A seamless infinite world from a patch flow. Thread-safe; each call allocates its own scratch.</summary>
public sealed class LatticeWorld : IWorldSource
{
    private readonly IPatchSampler _sampler;
    private readonly ulong _seed;
    private readonly LatticeBlend _blend;
    private readonly PatchCache? _cache;

    /// <summary>
    /// Creates the world of <paramref name="seed"/> from <paramref name="sampler"/> (patch size even, ≥ 4), neighbouring patches
    /// sharing <paramref name="overlap"/> pixels (2 .. P/2; null: P/2).
    /// </summary>
    public LatticeWorld(IPatchSampler sampler, ulong seed, int? overlap = null) : this(sampler, seed, overlap, null)
    {
    }

    // With a cache (shared by the levels of a PyramidWorld), patches are served from it where neighbouring requests share them.
    internal LatticeWorld(IPatchSampler sampler, ulong seed, int? overlap, PatchCache? cache)
    {
        ArgumentNullException.ThrowIfNull(sampler);
        _sampler = sampler;
        _seed = seed;
        _blend = new LatticeBlend(sampler.PatchSize, overlap, nameof(sampler));
        _cache = cache;
    }

    /// <summary>Pixels shared by neighbouring patches along an axis.</summary>
    public int Overlap => _blend.Overlap;

    /// <inheritdoc />
    public double PixelSizeMetres => _sampler.PixelSizeMetres;

    /// <summary>Only level 0: coarser levels need the multi-scale models (see README, "Worlds").</summary>
    public int MaxLod => 0;

    /// <summary>Largest |pixel coordinate| supported: lattice indices must fit in 32 bits.</summary>
    public long CoordinateLimit => _blend.CoordinateLimit;

    /// <inheritdoc />
    public void Fill(long x0, long y0, int width, int height, int lod, Span<float> destination, CancellationToken cancellationToken)
    {
        if (lod != 0) throw new ArgumentOutOfRangeException(nameof(lod), lod, "This world has level of detail 0 only.");
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        if ((long)width * height > destination.Length)
            throw new ArgumentException($"Destination holds {destination.Length} values; {width}x{height} needs {(long)width * height}.", nameof(destination));
        long limit = CoordinateLimit;
        if (x0 < -limit || y0 < -limit || x0 + width > limit || y0 + height > limit)
            throw new ArgumentOutOfRangeException(nameof(x0), $"Rectangle ({x0}, {y0}, {width}x{height}) leaves the world's coordinate range ±{limit}.");
        LatticeBlend.RowSource draw = (patches, j, i0, nx, rows) =>
            _sampler.SampleRows(patches, _seed, ((long)j << 32) + i0, nx, rows, 1L << 32, cancellationToken);
        _blend.Fill(x0, y0, width, height, destination, _cache is null ? draw
            : (patches, j, i0, nx, rows) => _cache.Fill(patches, _seed, j, i0, nx, rows, _blend.Patch * _blend.Patch, draw), cancellationToken);
    }

    /// <summary>⌊a / b⌋ for b &gt; 0 (C#'s / truncates towards zero).</summary>
    internal static long FloorDiv(long a, long b) => a >= 0 ? a / b : -((-a + b - 1) / b);
}

/// <summary>
/// The lattice and its variance-preserving blend (see the file comment), for any source of patches: lattice worlds draw
/// them from a flow, detail levels of multi-scale worlds from a flow conditioned on the coarser level.
/// </summary>
internal sealed class LatticeBlend
{
    private readonly float[] _window;
    private readonly float _correlation;

    /// <summary>Writes <paramref name="rows"/> lattice rows from row <paramref name="j"/>, each of <paramref name="count"/>
    /// patches from column <paramref name="i0"/>, one after another into <paramref name="patches"/>.</summary>
    public delegate void RowSource(Span<float> patches, int j, int i0, int count, int rows);

    /// <summary>A lattice of <paramref name="patch"/>-pixel patches overlapping by <paramref name="overlap"/> pixels (null: half a patch),
    /// whose overlapping patches are correlated by <paramref name="correlation"/> (0: independent).</summary>
    public LatticeBlend(int patch, int? overlap, string parameter, double correlation = 0)
    {
        if (!(correlation >= 0 && correlation < 1))
            throw new ArgumentOutOfRangeException(nameof(correlation), correlation, "the correlation of overlapping patches must be in [0, 1)");
        _correlation = (float)correlation;
        if (patch < 4 || patch % 2 != 0)
            throw new ArgumentException($"Patch size must be even and at least 4 (got {patch}).", parameter);
        int o = overlap ?? patch / 2;
        if (o < 2 || o > patch / 2)
            throw new ArgumentOutOfRangeException(nameof(overlap), o, $"the patch overlap must be in 2..{patch / 2} pixels (half the {patch}-pixel patch at most)");
        Patch = patch;
        Overlap = o;
        Stride = patch - o;
        // Rising over the first o pixels, 1 between, falling over the last o; with o = P/2 the two halves meet (t = (u+½)/S).
        _window = new float[patch];
        for (int u = 0; u < patch; u++)
            _window[u] = u < o ? (float)Window((u + 0.5) / o) : u >= Stride ? (float)Window((u + 0.5) / o - (double)Stride / o + 1) : 1f;
    }

    /// <summary>Pixels shared by neighbouring patches along an axis (P/2: every pixel is a blend of four patches).</summary>
    public int Overlap { get; }

    /// <summary>Patch side P.</summary>
    public int Patch { get; }

    /// <summary>Lattice stride S = P - overlap: patch (i, j) has its top-left pixel at (i·S, j·S).</summary>
    public int Stride { get; }

    /// <summary>Largest |pixel coordinate| supported: lattice indices must fit in 32 bits.</summary>
    public long CoordinateLimit => (long)int.MaxValue / 2 * Stride;

    /// <summary>The lattice patches touching a rectangle: columns i0..i1, rows j0..j1.</summary>
    public (int I0, int I1, int J0, int J1) Cover(long x0, long y0, int width, int height) => (
        (int)(LatticeWorld.FloorDiv(x0 - Patch, Stride) + 1), (int)LatticeWorld.FloorDiv(x0 + width - 1, Stride),
        (int)(LatticeWorld.FloorDiv(y0 - Patch, Stride) + 1), (int)LatticeWorld.FloorDiv(y0 + height - 1, Stride));

    /// <summary>Blends the patches covering the rectangle into <paramref name="destination"/> (overwritten).</summary>
    public void Fill(long x0, long y0, int width, int height, Span<float> destination, RowSource source, CancellationToken cancellationToken)
    {
        var (i0, i1, j0, j1) = Cover(x0, y0, width, height);
        int nx = i1 - i0 + 1, ny = j1 - j0 + 1, pp = Patch * Patch, rowLength = checked(nx * pp);
        using var sumBuffer = new ScratchBuffer(checked(width * height), clear: true);
        using var sumSqBuffer = new ScratchBuffer(checked(width * height), clear: true);
        using var sumWBuffer = new ScratchBuffer(_correlation != 0 ? checked(width * height) : 0, clear: true);
        float[] sum = sumBuffer.Array, sumSq = sumSqBuffer.Array;
        float[]? sumW = _correlation != 0 ? sumWBuffer.Array : null;
        // Indices j·2³² + i are consecutive along a lattice row (signed i, |i| < 2³¹): the rows are runs of one grid, drawn
        // in batched calls of several rows (a whole 256² chunk at once), so the flow's threads stay evenly loaded. About 512
        // patches per call (tens of milliseconds) bounds how long a cancellation waits.
        int rowsPerCall = Math.Clamp((1 << 19) / rowLength, 1, ny);
        using var patchBuffer = new ScratchBuffer(rowsPerCall * rowLength, clear: false);
        var patches = patchBuffer.Array;
        for (int jc = j0; jc <= j1; jc += rowsPerCall)
        {
            cancellationToken.ThrowIfCancellationRequested();
            int rows = Math.Min(rowsPerCall, j1 - jc + 1);
            source(patches.AsSpan(0, rows * rowLength), jc, i0, nx, rows);
            for (int r = 0; r < rows; r++)
                Accumulate(patches.AsSpan(r * rowLength, rowLength), jc + r, i0, nx, x0, y0, width, height, sum, sumSq, sumW);
        }
        // Patches correlated by ρ: Var(Σ w h) = (1 - ρ) Σ w² + ρ (Σ w)² times a patch's.
        if (sumW is not null) SpanMath.Mix(sumSqBuffer.Span, sumWBuffer.Span, _correlation);
        SpanMath.DivideBySqrt(sumBuffer.Span, sumSqBuffer.Span, destination);
    }
    // Adds lattice row j's patches (i0 .. i0+nx-1), weighted, into the rectangle's running sums.
    private void Accumulate(ReadOnlySpan<float> row, int j, int i0, int nx, long x0, long y0, int width, int height, float[] sum, float[] sumSq, float[]? sumW)
    {
        int pp = Patch * Patch;
        long py = (long)j * Stride;
        int yStart = (int)Math.Max(0, py - y0), yEnd = (int)Math.Min(height, py + Patch - y0);
        for (int k = 0; k < nx; k++)
        {
            long px = (long)(i0 + k) * Stride;
            int xStart = (int)Math.Max(0, px - x0), xEnd = (int)Math.Min(width, px + Patch - x0);
            var patch = row.Slice(k * pp, pp);
            int u0 = (int)(x0 + xStart - px), len = xEnd - xStart;
            if (len <= 0) continue;
            var window = _window.AsSpan(u0, len);
            for (int y = yStart; y < yEnd; y++)
            {
                int v = (int)(y0 + y - py);
                float wy = _window[v];
                var src = patch.Slice(v * Patch + u0, len);
                var s = sum.AsSpan(y * width + xStart, len);
                var q = sumSq.AsSpan(y * width + xStart, len);
                // w = wy·window[u]; sum += w·src; sumSq += w·w: multiplies and adds rounded one by one, as the scalar tail.
                int x = 0;
                var wyv = new Vector<float>(wy);
                for (; x <= len - Vector<float>.Count; x += Vector<float>.Count)
                {
                    var w = wyv * new Vector<float>(window[x..]);
                    (new Vector<float>(s[x..]) + w * new Vector<float>(src[x..])).CopyTo(s[x..]);
                    (new Vector<float>(q[x..]) + w * w).CopyTo(q[x..]);
                }
                for (; x < len; x++)
                {
                    float w = wy * window[x];
                    s[x] += w * src[x];
                    q[x] += w * w;
                }
                if (sumW is null) continue;
                var a = sumW.AsSpan(y * width + xStart, len);
                for (x = 0; x <= len - Vector<float>.Count; x += Vector<float>.Count)
                    (new Vector<float>(a[x..]) + wyv * new Vector<float>(window[x..])).CopyTo(a[x..]);
                for (; x < len; x++) a[x] += wy * window[x];
            }
        }
    }

    // 0 (θ linear) keeps slopes stationary but kinks each weight where its patch begins (|Laplacian| +5 % on lattice
    // lines); 0.3 smooths the kink but slows θ there (slopes -5 %). Measured with `flowgen seams` on 1024² maps.
    private const double Alpha = 0.15;

    // Weight at t = (u+½)/S in (0, 2): sin θ(t) rising, cos θ(t-1) falling, θ(t) = (π/2)(t - α sin(2πt)/(2π)).
    private static double Window(double t)
    {
        static double Theta(double t) => Math.PI / 2 * (t - Alpha * Math.Sin(2 * Math.PI * t) / (2 * Math.PI));
        return t <= 1 ? Math.Sin(Theta(t)) : Math.Cos(Theta(t - 1));
    }
}

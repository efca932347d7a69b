// Training and held-out patches from one raster, exactly as glow_ref.py prepares the Jacksboro DEM:
//   split: train = columns [0, floor(0.8 W)), test = the rest; a crop lies fully inside one split, so
//          no train patch overlaps a test patch;
//   heightmap: x = (crop - mean(crop) + u - 0.5) / sigma, u ~ U[0,1) per pixel (dequantisation of the
//          integer grid), sigma = sqrt(mean over ALL stride-1 P×P train windows of the per-window
//          population variance);
//   texture (8-bit): x = (v + u - 0.5 - 127.5) / sigma, sigma = population std of the train pixels;
//   train crops: uniform window + a uniform transform of the augmentation (all 8 dihedral symmetries as the reference, the 4
//          flips that keep the rows rows, or none); held-out: fixed seeded crops and noise.
// Windows containing nodata are never used.
// Detail models (context factor F > 0) learn terrain given its own F-times coarser version: the context is the
// split's F×F block means Catmull-Rom upsampled back (Streaming.CatmullRom, exactly what multi-scale worlds feed
// them), c = (context - mean(context crop)) / sigma, and the target is the residual x = (crop - context + u - 0.5) / sigma.
// With a context phase φ, a detail model's train and test windows are only those starting φ pixels past their split's
// block grid along both axes (every F-th row and column: the offset a world's detail lattice sits at); sigma stays that
// of every window. A phase of 0 or F/2 survives the dihedral transforms (P is a multiple of F): a flipped window still
// starts φ past the grid. With phase maps, every context crop carries two more channels saying where each of its pixels
// sits on the block grid (PhaseMaps, of the source pixel, so they turn and flip with the crop).
using FlowGen.Runtime;
using FlowGen.Runtime.Streaming;

namespace FlowGen.Training.Data;

/// <summary>What a dataset's values are (decides the normalisation and the model contract's units).</summary>
public enum DataKind
{
    /// <summary>Elevations in metres on an integer (1 m) grid.</summary>
    Heightmap,

    /// <summary>8-bit image intensities.</summary>
    Texture,
}

/// <summary>
/// Which symmetries of the square train crops are drawn under. Real terrain can have a grain: on the bundled Jacksboro DEM the
/// power along rows is 0.5-0.6 of that along columns at wavelengths of 2-9 pixels. The 8 dihedral symmetries (the reference's
/// augmentation, 8x the data) teach a model terrain without one; the 4 flips (identity, left-right, up-down, half turn) keep
/// the grain's axis and still give 4x the data.
/// </summary>
public enum Augmentation
{
    /// <summary>The 8 symmetries of the square: quarter turns and their mirror images (glow_ref.py).</summary>
    Dihedral,

    /// <summary>Identity, left-right and up-down flips and the half turn: rows stay rows.</summary>
    Flips,

    /// <summary>Crops as they lie.</summary>
    None,
}

/// <summary>Bad training data: names the file and the problem.</summary>
public sealed class TrainingDataException(string message, string? path = null) : FlowGenException(message, path);

/// <summary>Patch sampler over one raster with a spatial train/test split.</summary>
public sealed class PatchDataset
{
    private readonly double[][] _planes; // per channel, row-major H×W
    private readonly int[] _trainWindows; // top-left (row * W + col) of nodata-free train windows
    private readonly int[] _testWindows;
    private readonly float[]? _context; // H × W coarse context (detail models), each split from its own blocks

    /// <summary>Builds the dataset from planar values (channels × H × W), with an optional nodata mask (H × W).</summary>
    public PatchDataset(double[][] planes, int height, int width, int patch, DataKind kind, bool[]? noData = null,
        string? source = null, double testFraction = 0.2, int contextFactor = 0, int? contextPhase = null, bool phaseMaps = false)
    {
        Source = source;
        if (planes.Length == 0 || height * width == 0) throw new TrainingDataException("The raster is empty.", source);
        if (patch < 2) throw new TrainingDataException($"Patch size {patch} is too small.", source);
        _planes = planes;
        (Height, Width, Patch, Kind) = (height, width, patch, kind);
        SplitColumn = SplitColumnOf(width, testFraction);
        if (patch > height || patch > SplitColumn || patch > width - SplitColumn)
            throw new TrainingDataException(
                $"Patch {patch}x{patch} does not fit the {height}x{width} raster's train part ({SplitColumn} columns) and test part ({width - SplitColumn} columns).", source);
        foreach (var p in planes)
            foreach (double v in p)
                if (double.IsInfinity(v)) throw new TrainingDataException("The raster contains infinite values.", source);
        var bad = new bool[height * width];
        for (int i = 0; i < bad.Length; i++)
        {
            bad[i] = noData is not null && noData[i];
            foreach (var p in planes) bad[i] |= double.IsNaN(p[i]);
        }
        if (noData is null && bad.Any(b => b))
            throw new TrainingDataException("The raster contains NaN values and declares no nodata value.", source);
        _trainWindows = ValidWindows(bad, 0, SplitColumn);
        _testWindows = ValidWindows(bad, SplitColumn, width);
        if (_trainWindows.Length == 0 || _testWindows.Length == 0)
            throw new TrainingDataException($"No nodata-free {patch}x{patch} window in the {(_trainWindows.Length == 0 ? "train" : "test")} split.", source);
        Sigma = kind == DataKind.Heightmap ? WindowRms() : PixelStd();
        if (!(Sigma > 0)) throw new TrainingDataException("The training split is constant (sigma = 0); nothing to learn.", source);
        if (contextFactor != 0)
        {
            if (contextFactor is < 2 or > 16) throw new TrainingDataException($"The context factor must be 2 to 16, not {contextFactor}.", source);
            if (kind != DataKind.Heightmap || planes.Length != 1) throw new TrainingDataException("Coarse-context (detail) models are for one-band heightmaps; this raster is a texture.", source);
            if (bad.Any(b => b)) throw new TrainingDataException("Coarse-context (detail) models need a raster without nodata.", source);
            ContextFactor = contextFactor;
            _context = new float[height * width];
            var train = CatmullRom.BlockContext(planes[0], width, 0, SplitColumn, height, contextFactor);
            var test = CatmullRom.BlockContext(planes[0], width, SplitColumn, width - SplitColumn, height, contextFactor);
            for (int i = 0; i < height; i++)
            {
                train.AsSpan(i * SplitColumn, SplitColumn).CopyTo(_context.AsSpan(i * width));
                test.AsSpan(i * (width - SplitColumn), width - SplitColumn).CopyTo(_context.AsSpan(i * width + SplitColumn));
            }
        }
        if (phaseMaps)
        {
            if (contextFactor == 0) throw new TrainingDataException("Phase maps are for detail models: they need a context factor.", source);
            if (contextPhase is not null) throw new TrainingDataException("Phase maps are for windows at every offset from the block grid; a context phase keeps one.", source);
            PhaseMaps = true;
        }
        if (contextPhase is { } phase)
        {
            if (contextFactor == 0) throw new TrainingDataException("A context phase is for detail models: it needs a context factor.", source);
            if (phase < 0 || phase >= contextFactor) throw new TrainingDataException($"The context phase must be 0 to {contextFactor - 1}, not {phase}.", source);
            if (patch % contextFactor != 0 || (phase != 0 && 2 * phase != contextFactor))
                throw new TrainingDataException($"Phase {phase} of {contextFactor}x{contextFactor} blocks does not survive flips of {patch}-pixel windows: use 0 or {contextFactor / 2} with a patch that is whole blocks.", source);
            ContextPhase = phase;
            _trainWindows = AtPhase(_trainWindows, 0, contextFactor, phase);
            _testWindows = AtPhase(_testWindows, SplitColumn, contextFactor, phase);
            if (_trainWindows.Length == 0 || _testWindows.Length == 0)
                throw new TrainingDataException($"No nodata-free {patch}x{patch} window at phase {phase} in the {(_trainWindows.Length == 0 ? "train" : "test")} split.", source);
        }
    }

    /// <summary>Offset of every window from its split's block grid (detail models trained at one phase), else null.</summary>
    public int? ContextPhase { get; }

    // The windows starting `phase` pixels past the block grid of a split beginning at column c0.
    private int[] AtPhase(int[] windows, int c0, int factor, int phase) =>
        windows.Where(at => at / Width % factor == phase && (at % Width - c0) % factor == phase).ToArray();

    /// <summary>Block size of the coarse context (detail models), 0 for plain models.</summary>
    public int ContextFactor { get; }

    /// <summary>Context crops carry the <see cref="Data.PhaseMaps"/> of their pixels after the context.</summary>
    public bool PhaseMaps { get; }

    /// <summary>Context channels per sample: 1 for detail models (3 with phase maps), else 0.</summary>
    public int ContextChannels => _context is null ? 0 : 1 + (PhaseMaps ? Flows.FlowConfig.PhaseMapChannels : 0);

    /// <summary>Context floats per sample (<see cref="ContextChannels"/> P×P channels).</summary>
    public int ContextSize => ContextChannels * Patch * Patch;

    /// <summary>The file the data came from (for error messages and provenance).</summary>
    public string? Source { get; }

    /// <summary>Ground size of one pixel in metres, when the raster is georeferenced.</summary>
    public double? PixelSizeMetres { get; init; }

    /// <summary>Raster height.</summary>
    public int Height { get; }

    /// <summary>Raster width.</summary>
    public int Width { get; }

    /// <summary>Patch side P.</summary>
    public int Patch { get; }

    /// <summary>Channels per sample.</summary>
    public int Channels => _planes.Length;

    /// <summary>Heightmap or texture.</summary>
    public DataKind Kind { get; }

    /// <summary>First test column (floor(0.8 W) by default).</summary>
    public int SplitColumn { get; }

    /// <summary>First test column of a raster <paramref name="width"/> wide: columns before it are the train split.</summary>
    public static int SplitColumnOf(int width, double testFraction = 0.2) => (int)Math.Floor(width * (1.0 - testFraction));

    /// <summary>Global scale: model units → metres (heightmap) or 8-bit levels (texture).</summary>
    public double Sigma { get; }

    /// <summary>The largest max − min of any train window (any channel), model units, plus one dequantisation step:
    /// exported as <c>flowgen.sample.max_relief</c> so samplers can tell a diverged sample from terrain.</summary>
    public double MaxRelief => _maxRelief ??= ComputeMaxRelief();

    private double? _maxRelief;

    /// <summary>Number of nodata-free train windows.</summary>
    public int TrainWindowCount => _trainWindows.Length;

    /// <summary>Number of nodata-free test windows.</summary>
    public int TestWindowCount => _testWindows.Length;

    /// <summary>Elements per sample (C·P·P).</summary>
    public int SampleSize => Channels * Patch * Patch;

    private int[] ValidWindows(bool[] bad, int c0, int c1)
    {
        int p = Patch, w = Width;
        // 2-D prefix sums of the nodata mask: a window is valid when its count is 0.
        var cnt = new int[(Height + 1) * (w + 1)];
        for (int i = 0; i < Height; i++)
            for (int j = 0; j < w; j++)
                cnt[(i + 1) * (w + 1) + j + 1] = (bad[i * w + j] ? 1 : 0) + cnt[i * (w + 1) + j + 1] + cnt[(i + 1) * (w + 1) + j] - cnt[i * (w + 1) + j];
        var list = new List<int>();
        for (int i = 0; i + p <= Height; i++)
            for (int j = c0; j + p <= c1; j++)
            {
                int s = cnt[(i + p) * (w + 1) + j + p] - cnt[i * (w + 1) + j + p] - cnt[(i + p) * (w + 1) + j] + cnt[i * (w + 1) + j];
                if (s == 0) list.Add(i * w + j);
            }
        return list.ToArray();
    }

    // sqrt(mean over valid train windows of the population variance), box sums in double as glow_ref.py.
    private double WindowRms()
    {
        int p = Patch, w = Width, n = p * p;
        double total = 0;
        foreach (var plane in _planes)
        {
            var s1 = new double[(Height + 1) * (w + 1)];
            var s2 = new double[(Height + 1) * (w + 1)];
            for (int i = 0; i < Height; i++)
                for (int j = 0; j < SplitColumn; j++)
                {
                    double v = plane[i * w + j];
                    if (double.IsNaN(v)) v = 0;
                    int a = (i + 1) * (w + 1) + j + 1;
                    s1[a] = v + s1[a - (w + 1)] + s1[a - 1] - s1[a - (w + 1) - 1];
                    s2[a] = v * v + s2[a - (w + 1)] + s2[a - 1] - s2[a - (w + 1) - 1];
                }
            foreach (int at in _trainWindows)
            {
                int i = at / w, j = at % w;
                double b1 = Box(s1, i, j), b2 = Box(s2, i, j);
                total += b2 / n - (b1 / n) * (b1 / n);
            }
        }
        return Math.Sqrt(total / (_trainWindows.Length * (double)_planes.Length));

        double Box(double[] s, int i, int j) =>
            s[(i + p) * (w + 1) + j + p] - s[i * (w + 1) + j + p] - s[(i + p) * (w + 1) + j] + s[i * (w + 1) + j];
    }

    // Separable sliding max/min: per row over P columns, then per valid window over P rows.
    private double ComputeMaxRelief()
    {
        int p = Patch, w = Width, cols = SplitColumn - p + 1;
        var hi = new double[Height * cols];
        var lo = new double[Height * cols];
        double best = 0;
        var planes = _context is null ? _planes : [Residual()];
        foreach (var plane in planes)
        {
            for (int i = 0; i < Height; i++)
                for (int j = 0; j < cols; j++)
                {
                    double a = double.NegativeInfinity, b = double.PositiveInfinity;
                    for (int k = 0; k < p; k++)
                    {
                        double v = plane[i * w + j + k];
                        a = Math.Max(a, v);
                        b = Math.Min(b, v);
                    }
                    (hi[i * cols + j], lo[i * cols + j]) = (a, b);
                }
            foreach (int at in _trainWindows)
            {
                int i0 = at / w, j = at % w;
                double a = double.NegativeInfinity, b = double.PositiveInfinity;
                for (int i = i0; i < i0 + p; i++)
                {
                    a = Math.Max(a, hi[i * cols + j]);
                    b = Math.Min(b, lo[i * cols + j]);
                }
                best = Math.Max(best, a - b);
            }
        }
        return (best + 1) / Sigma;
    }

    private double[] Residual()
    {
        var r = new double[_planes[0].Length];
        for (int i = 0; i < r.Length; i++) r[i] = _planes[0][i] - _context![i];
        return r;
    }

    private double PixelStd()
    {
        double s = 0, s2 = 0;
        long n = 0;
        foreach (var plane in _planes)
            for (int i = 0; i < Height; i++)
                for (int j = 0; j < SplitColumn; j++)
                {
                    double v = plane[i * Width + j];
                    if (double.IsNaN(v)) continue;
                    s += v;
                    s2 += v * v;
                    n++;
                }
        double m = s / n;
        return Math.Sqrt(Math.Max(s2 / n - m * m, 0));
    }

    /// <summary>Fills <paramref name="dst"/> [n, C, P, P] with dequantised train crops under <paramref name="augmentation"/>, and for
    /// detail models <paramref name="context"/> [n, <see cref="ContextChannels"/>, P, P] with their coarse contexts (same transform).</summary>
    public void TrainBatch(Rng rng, int n, float[] dst, float[]? context = null, Augmentation augmentation = Augmentation.Dihedral)
    {
        CheckContext(context, n);
        for (int s = 0; s < n; s++)
        {
            int at = _trainWindows[rng.NextInt(_trainWindows.Length)];
            // Transform d (see Transformed): 0, 2, 4, 6 are the identity, the half turn and the two flips.
            int d = augmentation switch
            {
                Augmentation.Dihedral => rng.NextInt(8),
                Augmentation.Flips => 2 * rng.NextInt(4),
                Augmentation.None => 0,
                _ => throw new ArgumentOutOfRangeException(nameof(augmentation), augmentation, null),
            };
            Crop(at, d, rng, dst.AsSpan(s * SampleSize, SampleSize), context is null ? default : context.AsSpan(s * ContextSize, ContextSize));
        }
    }

    private void CheckContext(float[]? context, int n)
    {
        if ((context is null) != (_context is null))
            throw new ArgumentException(_context is null ? "This dataset has no context." : "This dataset is for a detail model: pass a context buffer.");
        if (context is not null && context.Length < n * ContextSize) throw new ArgumentException($"The context buffer holds {context.Length} floats, {n} crops need {n * ContextSize}.");
    }

    /// <summary>The coarse contexts [n, <see cref="ContextChannels"/>, P, P] of crops at top-left <paramref name="positions"/> (no augmentation).</summary>
    public float[] ContextsAt(IReadOnlyList<(int Row, int Col)> positions)
    {
        var c = new float[positions.Count * ContextSize];
        CheckContext(c, positions.Count);
        for (int s = 0; s < positions.Count; s++)
            ContextCrop(positions[s].Row * Width + positions[s].Col, 0, c.AsSpan(s * ContextSize, ContextSize));
        return c;
    }

    /// <summary>The fixed held-out set: <paramref name="n"/> distinct test windows (or all, if fewer) and
    /// dequantisation noise drawn from <paramref name="seed"/>; no augmentation.</summary>
    public (float[] X, int Count, (int Row, int Col)[] Positions) TestSet(int n, ulong seed)
    {
        var rng = new Rng(seed);
        int m = Math.Min(n, _testWindows.Length);
        var idx = (int[])_testWindows.Clone();
        for (int i = 0; i < m; i++)
        {
            int j = i + rng.NextInt(idx.Length - i); // partial Fisher-Yates: m distinct windows
            (idx[i], idx[j]) = (idx[j], idx[i]);
        }
        return (CropsAt(idx.AsSpan(0, m).ToArray(), rng), m, idx.Take(m).Select(a => (a / Width, a % Width)).ToArray());
    }

    /// <summary>Held-out crops at explicit top-left positions (e.g. the reference's test_crops_rowcol.csv).</summary>
    public float[] TestSetAt(IReadOnlyList<(int Row, int Col)> positions, ulong seed)
    {
        var at = new int[positions.Count];
        for (int i = 0; i < at.Length; i++)
        {
            var (r, c) = positions[i];
            if (r < 0 || c < SplitColumn || r + Patch > Height || c + Patch > Width)
                throw new TrainingDataException($"Held-out crop ({r},{c}) is not inside the test split.", Source);
            at[i] = r * Width + c;
        }
        return CropsAt(at, new Rng(seed));
    }

    private float[] CropsAt(int[] at, Rng rng)
    {
        var x = new float[at.Length * SampleSize];
        for (int s = 0; s < at.Length; s++) Crop(at[s], 0, rng, x.AsSpan(s * SampleSize, SampleSize));
        return x;
    }

    // One crop with dihedral transform d (d & 3 counter-clockwise quarter turns as np.rot90, then a
    // left-right flip when d ≥ 4), dequantised with noise from rng and normalised; detail models: the residual
    // over the coarse context, whose normalised crop goes to ctx.
    private void Crop(int at, int d, Rng rng, Span<float> dst, Span<float> ctx = default)
    {
        if (_context is not null)
        {
            if (!ctx.IsEmpty) ContextCrop(at, d, ctx); // held-out crops take their contexts from ContextsAt
            CropResidual(at, d, rng, dst);
            return;
        }
        int p = Patch, w = Width, r0 = at / w, c0 = at % w;
        for (int c = 0; c < Channels; c++)
        {
            var plane = _planes[c];
            var o = dst.Slice(c * p * p, p * p);
            double mean = 0;
            if (Kind == DataKind.Heightmap)
            {
                for (int i = 0; i < p; i++)
                    for (int j = 0; j < p; j++) mean += plane[(r0 + i) * w + c0 + j];
                mean /= p * p;
            }
            else mean = 127.5;
            for (int i = 0; i < p; i++)
                for (int j = 0; j < p; j++)
                {
                    var (si, sj) = Transformed(i, j, d, p);
                    double v = plane[(r0 + si) * w + c0 + sj];
                    o[i * p + j] = (float)((v - mean + rng.NextDouble() - 0.5) / Sigma);
                }
        }
    }

    // Where output pixel (i, j) of a P×P crop comes from under dihedral transform d.
    private static (int, int) Transformed(int i, int j, int d, int p)
    {
        int jj = d >= 4 ? p - 1 - j : j; // flip applies after the rotation
        return (d & 3) switch
        {
            0 => (i, jj),
            1 => (jj, p - 1 - i),
            2 => (p - 1 - i, p - 1 - jj),
            _ => (p - 1 - jj, i),
        };
    }

    private void ContextCrop(int at, int d, Span<float> dst)
    {
        int p = Patch, w = Width, r0 = at / w, c0 = at % w;
        int gridColumn = c0 >= SplitColumn ? SplitColumn : 0; // each split's blocks start at its first column
        var ctx = _context!;
        double mean = 0;
        for (int i = 0; i < p; i++)
            for (int j = 0; j < p; j++) mean += ctx[(r0 + i) * w + c0 + j];
        mean /= p * p;
        for (int i = 0; i < p; i++)
            for (int j = 0; j < p; j++)
            {
                var (si, sj) = Transformed(i, j, d, p);
                dst[i * p + j] = (float)((ctx[(r0 + si) * w + c0 + sj] - mean) / Sigma);
                if (!PhaseMaps) continue;
                // A quarter turn lays the source's rows along the crop's columns: the maps swap with them.
                float rowMap = Data.PhaseMaps.Value(r0 + si, ContextFactor), colMap = Data.PhaseMaps.Value(c0 + sj - gridColumn, ContextFactor);
                bool turned = (d & 1) == 1;
                dst[p * p + i * p + j] = turned ? colMap : rowMap;
                dst[2 * p * p + i * p + j] = turned ? rowMap : colMap;
            }
    }

    private void CropResidual(int at, int d, Rng rng, Span<float> dst)
    {
        int p = Patch, w = Width, r0 = at / w, c0 = at % w;
        var (plane, ctx) = (_planes[0], _context!);
        for (int i = 0; i < p; i++)
            for (int j = 0; j < p; j++)
            {
                var (si, sj) = Transformed(i, j, d, p);
                int k = (r0 + si) * w + c0 + sj;
                dst[i * p + j] = (float)((plane[k] - ctx[k] + rng.NextDouble() - 0.5) / Sigma);
            }
    }
}

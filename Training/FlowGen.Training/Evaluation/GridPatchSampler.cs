// Square patches of a data grid (a DEM in metres, or an 8-bit texture's integer levels) with the
// reference recipe's spatial split (glow_ref.py `DemPatches`):
// train = the left floor(0.8 W) columns, held-out = the rest; crops lie fully inside one split.
// sigma = sqrt(mean over ALL stride-1 train windows of the per-window population variance);
// model units x = (crop - mean(crop) + u - 0.5) / sigma with u ~ U[0,1) per pixel (dequantisation of
// the 1 m integer grid; for textures, of the 8-bit levels). Crops returned here are dequantised too
// (crop + u - 0.5), because models are fitted to dequantised data and strict-minimum counts depend on it.
namespace FlowGen.Training.Evaluation;

public enum GridSplit { Train, HeldOut }

public sealed class GridPatchSampler
{
    /// <summary>Fraction of columns held out on the right, as in the reference.</summary>
    public const double HeldOutFraction = 0.2;

    public GridPatchSampler(DataGrid dem, int patchSize)
    {
        ArgumentNullException.ThrowIfNull(dem);
        ArgumentOutOfRangeException.ThrowIfLessThan(patchSize, 3);
        Grid = dem;
        PatchSize = patchSize;
        SplitColumn = (int)Math.Floor(dem.Columns * (1.0 - HeldOutFraction));
        int heldOutColumns = dem.Columns - SplitColumn;
        if (dem.Rows < patchSize || SplitColumn < patchSize || heldOutColumns < patchSize)
            throw new EvaluationException(
                $"data grid of {dem.Rows}x{dem.Columns} is too small for {patchSize}x{patchSize} patches " +
                $"(train split {dem.Rows}x{SplitColumn}, held-out split {dem.Rows}x{heldOutColumns})", dem.Source);
        Sigma = WindowRms(dem.Values, dem.Rows, dem.Columns, 0, SplitColumn, patchSize);
        if (!(Sigma > 0)) throw new EvaluationException("the training split is flat (zero variance in every window)", dem.Source);
    }

    public DataGrid Grid { get; }
    public int PatchSize { get; }
    /// <summary>First held-out column.</summary>
    public int SplitColumn { get; }
    /// <summary>Global scale of the model units, metres.</summary>
    public double Sigma { get; }

    private int FirstColumn(GridSplit split) => split == GridSplit.Train ? 0 : SplitColumn;
    private int Columns(GridSplit split) => split == GridSplit.Train ? SplitColumn : Grid.Columns - SplitColumn;

    /// <summary>Number of stride-1 window positions inside a split.</summary>
    public int WindowCount(GridSplit split) => (Grid.Rows - PatchSize + 1) * (Columns(split) - PatchSize + 1);

    /// <summary>
    /// <paramref name="count"/> dequantised crops in metres. Train: uniform positions with uniform dihedral
    /// augmentation (as the trainer draws them). Held-out: distinct positions (without replacement while
    /// they last), no augmentation. Deterministic in <paramref name="seed"/>.
    /// </summary>
    public PatchSet Crops(GridSplit split, int count, ulong seed)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        int p = PatchSize, windows = WindowCount(split);
        ulong stream = split == GridSplit.Train ? 1UL : 2UL;
        var positions = split == GridSplit.Train
            ? Enumerable.Range(0, count).Select(i => CounterRandom.Below(seed, stream, (ulong)i, windows)).ToArray()
            : DistinctPositions(count, windows, seed, stream);
        var data = new float[count * p * p];
        for (int n = 0; n < count; n++)
        {
            int d = split == GridSplit.Train ? CounterRandom.Below(seed, stream + 16, (ulong)n, 8) : 0;
            var dest = data.AsSpan(n * p * p, p * p);
            Window(split, positions[n], d, dest);
            for (int k = 0; k < dest.Length; k++)
                dest[k] += (float)(CounterRandom.Uniform(seed, stream + 32, (ulong)(n * p * p + k)) - 0.5);
        }
        return new PatchSet(data, count, p, p);
    }

    /// <summary>
    /// The window at stride-1 <paramref name="position"/> (row-major among the split's window positions) under dihedral
    /// symmetry <paramref name="symmetry"/> (0 = as it lies), in the grid's units, into <paramref name="dest"/> (P x P).
    /// </summary>
    internal void Window(GridSplit split, int position, int symmetry, Span<float> dest)
    {
        int p = PatchSize, windowsPerRow = Columns(split) - p + 1;
        int r0 = position / windowsPerRow, c0 = FirstColumn(split) + position % windowsPerRow;
        Span<float> crop = p * p <= 4096 ? stackalloc float[p * p] : new float[p * p];
        for (int r = 0; r < p; r++)
            Grid.Values.AsSpan((r0 + r) * Grid.Columns + c0, p).CopyTo(crop.Slice(r * p, p));
        Dihedral.Apply(crop, dest, p, symmetry);
    }

    /// <summary>Model units of the recipe: per-patch mean removed, divided by <paramref name="scale"/> (default <see cref="Sigma"/>).</summary>
    public PatchSet ToModelUnits(PatchSet metres, double? scale = null)
    {
        double s = scale ?? Sigma;
        var data = metres.Data.ToArray();
        int len = metres.PatchLength;
        for (int n = 0; n < metres.Count; n++)
        {
            var patch = data.AsSpan(n * len, len);
            double mean = 0;
            foreach (float v in patch) mean += v;
            mean /= len;
            for (int k = 0; k < len; k++) patch[k] = (float)((patch[k] - mean) / s);
        }
        return new PatchSet(data, metres.Count, metres.Height, metres.Width);
    }

    /// <summary>sqrt(mean over stride-1 p x p windows of a column range of the per-window population variance).</summary>
    internal static double WindowRms(float[] z, int rows, int stride, int col0, int cols, int p)
    {
        // Box sums from 2-D prefix sums of z and z^2 (relative to a reference value for precision).
        double reference = z[col0];
        var s1 = new double[(rows + 1) * (cols + 1)];
        var s2 = new double[(rows + 1) * (cols + 1)];
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++)
            {
                double v = z[r * stride + col0 + c] - reference;
                int i = (r + 1) * (cols + 1) + c + 1;
                s1[i] = v + s1[i - 1] + s1[i - cols - 1] - s1[i - cols - 2];
                s2[i] = v * v + s2[i - 1] + s2[i - cols - 1] - s2[i - cols - 2];
            }
        double n = p * p, total = 0;
        int count = 0;
        for (int r = 0; r + p <= rows; r++)
            for (int c = 0; c + p <= cols; c++)
            {
                double a = Box(s1, cols + 1, r, c, p), b = Box(s2, cols + 1, r, c, p);
                total += b / n - a / n * (a / n);
                count++;
            }
        return Math.Sqrt(total / count);
    }

    private static double Box(double[] s, int w, int r, int c, int p) =>
        s[(r + p) * w + c + p] - s[r * w + c + p] - s[(r + p) * w + c] + s[r * w + c];

    private static int[] DistinctPositions(int count, int windows, ulong seed, ulong stream)
    {
        // Partial Fisher-Yates over all positions; cycles through them again if more are asked for.
        var all = Enumerable.Range(0, windows).ToArray();
        var output = new int[count];
        for (int i = 0; i < count; i++)
        {
            int k = i % windows;
            int j = k + CounterRandom.Below(seed, stream, (ulong)i, windows - k);
            (all[k], all[j]) = (all[j], all[k]);
            output[i] = all[k];
        }
        return output;
    }
}

/// <summary>The 8 symmetries of the square (rotations by 90° and their mirror images) on a p x p patch.</summary>
internal static class Dihedral
{
    /// <summary>Source index of destination pixel (r, c) under symmetry <paramref name="d"/> (0..7; 0 = identity).</summary>
    public static int Source(int r, int c, int p, int d)
    {
        // d & 3 = number of quarter turns, d >= 4 adds a mirror (as the reference's rot90 then flip).
        if (d >= 4) c = p - 1 - c;
        for (int t = 0; t < (d & 3); t++) (r, c) = (c, p - 1 - r);
        return r * p + c;
    }

    public static void Apply(ReadOnlySpan<float> source, Span<float> dest, int p, int d)
    {
        for (int r = 0; r < p; r++)
            for (int c = 0; c < p; c++)
                dest[r * p + c] = source[Source(r, c, p, d)];
    }
}

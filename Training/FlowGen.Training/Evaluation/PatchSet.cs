// A batch of single-channel patches in physical units (metres for terrain, 0..1 intensity for
// textures), row-major, patch after patch. The one currency every statistic and baseline speaks.
namespace FlowGen.Training.Evaluation;

/// <summary>An immutable batch of <see cref="Count"/> patches of <see cref="Height"/> x <see cref="Width"/> floats.</summary>
public sealed class PatchSet
{
    private readonly float[] _data;

    /// <summary>Wraps <paramref name="data"/> (not copied; the caller hands it over).</summary>
    public PatchSet(float[] data, int count, int height, int width)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 3);
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 3);
        if (data.Length != (long)count * height * width)
            throw new ArgumentException($"patch data holds {data.Length} floats, expected {count}x{height}x{width}", nameof(data));
        _data = data;
        Count = count;
        Height = height;
        Width = width;
    }

    public int Count { get; }
    public int Height { get; }
    public int Width { get; }
    public int PatchLength => Height * Width;

    /// <summary>All patches, row-major, patch after patch.</summary>
    public ReadOnlySpan<float> Data => _data;

    /// <summary>Patch <paramref name="index"/>, row-major.</summary>
    public ReadOnlySpan<float> Patch(int index) => _data.AsSpan(index * PatchLength, PatchLength);

    /// <summary>The first <paramref name="count"/> patches (shares nothing; a copy).</summary>
    public PatchSet Take(int count)
    {
        count = Math.Min(count, Count);
        return new PatchSet(_data.AsSpan(0, count * PatchLength).ToArray(), count, Height, Width);
    }

    /// <summary>The patches whose values are all finite (a diverging flow can emit inf/NaN); <paramref name="dropped"/> counts the rest.</summary>
    public PatchSet FinitePatches(out int dropped)
    {
        var keep = new List<int>();
        for (int i = 0; i < Count; i++)
        {
            bool finite = true;
            foreach (float v in Patch(i)) finite &= float.IsFinite(v);
            if (finite) keep.Add(i);
        }
        dropped = Count - keep.Count;
        if (dropped == 0) return this;
        var data = new float[keep.Count * PatchLength];
        for (int k = 0; k < keep.Count; k++) Patch(keep[k]).CopyTo(data.AsSpan(k * PatchLength, PatchLength));
        return new PatchSet(data, keep.Count, Height, Width);
    }

    /// <summary>Every value mapped by <c>v * scale + offset</c> (model units to physical units and back).</summary>
    public PatchSet Affine(double scale, double offset)
    {
        var output = new float[_data.Length];
        for (int i = 0; i < output.Length; i++) output[i] = (float)(_data[i] * scale + offset);
        return new PatchSet(output, Count, Height, Width);
    }
}

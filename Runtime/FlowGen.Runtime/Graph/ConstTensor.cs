// A tensor whose contents are known at load time: initializers, Constant nodes, folded subgraphs.
// Stored as raw little-endian bytes so every element type shares one representation with the arena.
using System.Runtime.InteropServices;

namespace FlowGen.Runtime.Graph;

internal sealed class ConstTensor
{
    public ConstTensor(ElementType type, long[] shape, byte[] data)
    {
        Type = type;
        Shape = shape;
        Data = data;
    }

    public ElementType Type { get; }
    public long[] Shape { get; }
    public byte[] Data { get; }

    public long Count => Data.Length / ElementTypes.Size(Type);

    public ReadOnlySpan<float> Floats => MemoryMarshal.Cast<byte, float>(Data);
    public ReadOnlySpan<long> Longs => MemoryMarshal.Cast<byte, long>(Data);

    public static ConstTensor FromFloats(long[] shape, ReadOnlySpan<float> values) =>
        new(ElementType.Float32, shape, MemoryMarshal.AsBytes(values).ToArray());

    public static ConstTensor FromLongs(long[] shape, ReadOnlySpan<long> values) =>
        new(ElementType.Int64, shape, MemoryMarshal.AsBytes(values).ToArray());

    /// <summary>The value of a one-element float tensor (scalars such as Clip bounds, LeakyRelu slopes).</summary>
    public float ScalarFloat => Type switch
    {
        ElementType.Float32 => Floats[0],
        ElementType.Int64 => Longs[0],
        _ => Data[0],
    };

    /// <summary>Elements as int64 whatever the stored integer-like type.</summary>
    public long[] ToLongs() => Type switch
    {
        ElementType.Int64 => Longs.ToArray(),
        ElementType.Bool => Array.ConvertAll(Data, b => (long)b),
        _ => Array.ConvertAll(Floats.ToArray(), f => (long)f),
    };
}

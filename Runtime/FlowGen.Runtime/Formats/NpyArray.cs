// An n-dimensional NumPy array held as little-endian, C-ordered bytes plus its element type: what
// .npy/.npz files contain once byte order and Fortran order have been normalised on read.
using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace FlowGen.Runtime.Formats;

/// <summary>Element types FlowGen reads and writes in .npy files.</summary>
public enum NpyDType
{
    /// <summary>bool (b1)</summary>
    Bool,
    /// <summary>int8 (i1)</summary>
    Int8,
    /// <summary>uint8 (u1)</summary>
    UInt8,
    /// <summary>int16 (i2)</summary>
    Int16,
    /// <summary>uint16 (u2)</summary>
    UInt16,
    /// <summary>int32 (i4)</summary>
    Int32,
    /// <summary>uint32 (u4)</summary>
    UInt32,
    /// <summary>int64 (i8)</summary>
    Int64,
    /// <summary>uint64 (u8)</summary>
    UInt64,
    /// <summary>float32 (f4)</summary>
    Float32,
    /// <summary>float64 (f8)</summary>
    Float64,
}

/// <summary>A C-ordered array read from or written to .npy (data little-endian in memory).</summary>
public sealed class NpyArray
{
    /// <summary>Wraps raw little-endian C-order bytes; validates length against shape and type.</summary>
    public NpyArray(NpyDType dtype, int[] shape, byte[] data)
    {
        ArgumentNullException.ThrowIfNull(shape);
        ArgumentNullException.ThrowIfNull(data);
        long count = 1;
        foreach (int d in shape)
        {
            if (d < 0) throw new ArgumentOutOfRangeException(nameof(shape), "dimensions must be non-negative");
            count = checked(count * d);
        }
        if (count * ItemSize(dtype) != data.LongLength)
            throw new ArgumentException($"data has {data.LongLength} bytes, shape and type need {count * ItemSize(dtype)}", nameof(data));
        DType = dtype;
        Shape = shape;
        Data = data;
    }

    /// <summary>Element type.</summary>
    public NpyDType DType { get; }

    /// <summary>Dimensions (empty for a scalar).</summary>
    public int[] Shape { get; }

    /// <summary>Element bytes, little-endian, C order.</summary>
    public byte[] Data { get; }

    /// <summary>Number of elements.</summary>
    public long Count => Data.LongLength / ItemSize(DType);

    /// <summary>Typed view of the elements; <typeparamref name="T"/> must match <see cref="DType"/>.</summary>
    public ReadOnlySpan<T> AsSpan<T>() where T : unmanaged
    {
        if (DTypeOf<T>() != DType) throw new InvalidOperationException($"array holds {DType}, not {typeof(T).Name}");
        return MemoryMarshal.Cast<byte, T>(Data);
    }

    /// <summary>Element <paramref name="i"/> (flat C-order index) as a double.</summary>
    public double GetDouble(long i)
    {
        int n = ItemSize(DType);
        var b = Data.AsSpan(checked((int)(i * n)), n);
        return DType switch
        {
            NpyDType.Bool or NpyDType.UInt8 => b[0],
            NpyDType.Int8 => (sbyte)b[0],
            NpyDType.Int16 => BinaryPrimitives.ReadInt16LittleEndian(b),
            NpyDType.UInt16 => BinaryPrimitives.ReadUInt16LittleEndian(b),
            NpyDType.Int32 => BinaryPrimitives.ReadInt32LittleEndian(b),
            NpyDType.UInt32 => BinaryPrimitives.ReadUInt32LittleEndian(b),
            NpyDType.Int64 => BinaryPrimitives.ReadInt64LittleEndian(b),
            NpyDType.UInt64 => BinaryPrimitives.ReadUInt64LittleEndian(b),
            NpyDType.Float32 => BinaryPrimitives.ReadSingleLittleEndian(b),
            _ => BinaryPrimitives.ReadDoubleLittleEndian(b),
        };
    }

    /// <summary>The value of a scalar (or one-element) array.</summary>
    public double ScalarValue => Count == 1 ? GetDouble(0) : throw new InvalidOperationException($"array of shape ({string.Join(",", Shape)}) is not a scalar");

    /// <summary>All elements converted to float32 (C order).</summary>
    public float[] ToSingleArray()
    {
        var result = new float[Count];
        if (DType == NpyDType.Float32) { AsSpan<float>().CopyTo(result); return result; }
        if (DType == NpyDType.Int16) { var s = AsSpan<short>(); for (int i = 0; i < s.Length; i++) result[i] = s[i]; return result; }
        if (DType == NpyDType.UInt8) { var s = Data; for (int i = 0; i < s.Length; i++) result[i] = s[i]; return result; }
        for (long i = 0; i < result.LongLength; i++) result[i] = (float)GetDouble(i);
        return result;
    }

    /// <summary>All elements converted to float64 (C order).</summary>
    public double[] ToDoubleArray()
    {
        var result = new double[Count];
        for (long i = 0; i < result.LongLength; i++) result[i] = GetDouble(i);
        return result;
    }

    /// <summary>Copies <paramref name="values"/> into a new array of the given shape; the type follows <typeparamref name="T"/>.</summary>
    public static NpyArray From<T>(ReadOnlySpan<T> values, params int[] shape) where T : unmanaged
    {
        var dtype = DTypeOf<T>();
        return new NpyArray(dtype, (int[])shape.Clone(), MemoryMarshal.AsBytes(values).ToArray());
    }

    /// <summary>A 0-dimensional float64 scalar, like numpy's <c>np.float64(x)</c> saved in an npz.</summary>
    public static NpyArray Scalar(double value) => From<double>([value]);

    /// <summary>Bytes per element of <paramref name="dtype"/>.</summary>
    public static int ItemSize(NpyDType dtype) => dtype switch
    {
        NpyDType.Bool or NpyDType.Int8 or NpyDType.UInt8 => 1,
        NpyDType.Int16 or NpyDType.UInt16 => 2,
        NpyDType.Int32 or NpyDType.UInt32 or NpyDType.Float32 => 4,
        _ => 8,
    };

    /// <summary>The element type for CLR type <typeparamref name="T"/>.</summary>
    public static NpyDType DTypeOf<T>() where T : unmanaged
    {
        if (typeof(T) == typeof(float)) return NpyDType.Float32;
        if (typeof(T) == typeof(double)) return NpyDType.Float64;
        if (typeof(T) == typeof(short)) return NpyDType.Int16;
        if (typeof(T) == typeof(ushort)) return NpyDType.UInt16;
        if (typeof(T) == typeof(int)) return NpyDType.Int32;
        if (typeof(T) == typeof(uint)) return NpyDType.UInt32;
        if (typeof(T) == typeof(long)) return NpyDType.Int64;
        if (typeof(T) == typeof(ulong)) return NpyDType.UInt64;
        if (typeof(T) == typeof(byte)) return NpyDType.UInt8;
        if (typeof(T) == typeof(sbyte)) return NpyDType.Int8;
        if (typeof(T) == typeof(bool)) return NpyDType.Bool;
        throw new NotSupportedException($"{typeof(T).Name} has no .npy type");
    }
}

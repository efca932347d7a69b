// Decodes an ONNX TensorProto (raw_data or the typed repeated fields) into a ConstTensor. Floating types
// become float32; integer types become int64 (they only ever serve as shapes, axes and indices); bool
// stays bool. Sizes are checked against the declared dims before anything is allocated.
using System.Buffers.Binary;
using FlowGen.Runtime.Graph;
using FlowGen.Runtime.Onnx.Proto;

namespace FlowGen.Runtime.Onnx;

internal static class TensorProtoDecoder
{
    /// <summary>Largest tensor FlowGen accepts from a file (elements); a model needing more is refused, not allocated.</summary>
    public const long MaxElements = 1L << 28;

    public static ConstTensor Decode(TensorProto t, string path, string? node)
    {
        string what = string.IsNullOrEmpty(t.Name) ? "tensor" : $"tensor '{t.Name}'";
        OnnxModelException Fail(string reason) => new(path, node, $"{what}: {reason}");

        if (t.DataLocation == TensorProto.Types.DataLocation.External || t.ExternalData.Count > 0)
            throw Fail("external data is not supported (save the model with all tensors inside the file)");
        if (t.Segment is not null) throw Fail("segmented tensors are not supported");

        var shape = new long[t.Dims.Count];
        long count = 1;
        for (int i = 0; i < shape.Length; i++)
        {
            long d = t.Dims[i];
            if (d < 0) throw Fail($"negative dimension {d}");
            shape[i] = d;
            if (d != 0 && count > MaxElements / d) throw Fail($"declared size {FormatDims(t)} exceeds the limit of {MaxElements} elements");
            count *= d;
        }

        var dt = (TensorProto.Types.DataType)t.DataType;
        int rawSize = dt switch
        {
            TensorProto.Types.DataType.Float => 4,
            TensorProto.Types.DataType.Double => 8,
            TensorProto.Types.DataType.Float16 => 2,
            TensorProto.Types.DataType.Bfloat16 => 2,
            TensorProto.Types.DataType.Int64 or TensorProto.Types.DataType.Uint64 => 8,
            TensorProto.Types.DataType.Int32 or TensorProto.Types.DataType.Uint32 => 4,
            TensorProto.Types.DataType.Int16 or TensorProto.Types.DataType.Uint16 => 2,
            TensorProto.Types.DataType.Int8 or TensorProto.Types.DataType.Uint8 or TensorProto.Types.DataType.Bool => 1,
            _ => throw Fail($"element type {dt} is not supported"),
        };
        ElementType outType = dt switch
        {
            TensorProto.Types.DataType.Float or TensorProto.Types.DataType.Double or TensorProto.Types.DataType.Float16
                or TensorProto.Types.DataType.Bfloat16 => ElementType.Float32,
            TensorProto.Types.DataType.Bool => ElementType.Bool,
            _ => ElementType.Int64,
        };
        var data = new byte[count * ElementTypes.Size(outType)];
        var dest = new TensorWriter(outType, data);

        if (!t.RawData.IsEmpty)
        {
            var raw = t.RawData.Span;
            if (raw.Length != count * rawSize)
                throw Fail($"raw_data holds {raw.Length} bytes but dims {FormatDims(t)} of {dt} need {count * rawSize}");
            for (int i = 0; i < count; i++)
            {
                var e = raw.Slice(i * rawSize, rawSize);
                switch (dt)
                {
                    case TensorProto.Types.DataType.Float: dest.SetFloat(i, BinaryPrimitives.ReadSingleLittleEndian(e)); break;
                    case TensorProto.Types.DataType.Double: dest.SetFloat(i, (float)BinaryPrimitives.ReadDoubleLittleEndian(e)); break;
                    case TensorProto.Types.DataType.Float16: dest.SetFloat(i, (float)BinaryPrimitives.ReadHalfLittleEndian(e)); break;
                    case TensorProto.Types.DataType.Bfloat16: dest.SetFloat(i, BitConverter.Int32BitsToSingle(BinaryPrimitives.ReadUInt16LittleEndian(e) << 16)); break;
                    case TensorProto.Types.DataType.Int64: dest.SetLong(i, BinaryPrimitives.ReadInt64LittleEndian(e)); break;
                    case TensorProto.Types.DataType.Uint64: dest.SetLong(i, (long)BinaryPrimitives.ReadUInt64LittleEndian(e)); break;
                    case TensorProto.Types.DataType.Int32: dest.SetLong(i, BinaryPrimitives.ReadInt32LittleEndian(e)); break;
                    case TensorProto.Types.DataType.Uint32: dest.SetLong(i, BinaryPrimitives.ReadUInt32LittleEndian(e)); break;
                    case TensorProto.Types.DataType.Int16: dest.SetLong(i, BinaryPrimitives.ReadInt16LittleEndian(e)); break;
                    case TensorProto.Types.DataType.Uint16: dest.SetLong(i, BinaryPrimitives.ReadUInt16LittleEndian(e)); break;
                    case TensorProto.Types.DataType.Int8: dest.SetLong(i, (sbyte)e[0]); break;
                    case TensorProto.Types.DataType.Uint8: dest.SetLong(i, e[0]); break;
                    case TensorProto.Types.DataType.Bool: dest.SetLong(i, e[0] != 0 ? 1 : 0); break;
                }
            }
            return new ConstTensor(outType, shape, data);
        }

        long have = dt switch
        {
            TensorProto.Types.DataType.Float => t.FloatData.Count,
            TensorProto.Types.DataType.Double => t.DoubleData.Count,
            TensorProto.Types.DataType.Int64 => t.Int64Data.Count,
            TensorProto.Types.DataType.Uint64 or TensorProto.Types.DataType.Uint32 => t.Uint64Data.Count,
            _ => t.Int32Data.Count, // int32, int16, int8, uint16, uint8, bool, float16, bfloat16 live in int32_data
        };
        if (have != count)
            throw Fail($"holds {have} elements but dims {FormatDims(t)} need {count}");
        for (int i = 0; i < count; i++)
        {
            switch (dt)
            {
                case TensorProto.Types.DataType.Float: dest.SetFloat(i, t.FloatData[i]); break;
                case TensorProto.Types.DataType.Double: dest.SetFloat(i, (float)t.DoubleData[i]); break;
                case TensorProto.Types.DataType.Float16: dest.SetFloat(i, (float)BitConverter.UInt16BitsToHalf((ushort)t.Int32Data[i])); break;
                case TensorProto.Types.DataType.Bfloat16: dest.SetFloat(i, BitConverter.Int32BitsToSingle(t.Int32Data[i] << 16)); break;
                case TensorProto.Types.DataType.Int64: dest.SetLong(i, t.Int64Data[i]); break;
                case TensorProto.Types.DataType.Uint64 or TensorProto.Types.DataType.Uint32: dest.SetLong(i, (long)t.Uint64Data[i]); break;
                case TensorProto.Types.DataType.Bool: dest.SetLong(i, t.Int32Data[i] != 0 ? 1 : 0); break;
                default: dest.SetLong(i, t.Int32Data[i]); break;
            }
        }
        return new ConstTensor(outType, shape, data);
    }

    private static string FormatDims(TensorProto t) => "[" + string.Join(",", t.Dims) + "]";

    private readonly ref struct TensorWriter(ElementType type, Span<byte> data)
    {
        private readonly Span<byte> _data = data;

        public void SetFloat(int i, float v) => BinaryPrimitives.WriteSingleLittleEndian(_data.Slice(i * 4, 4), v);

        public void SetLong(int i, long v)
        {
            if (type == ElementType.Bool) _data[i] = v != 0 ? (byte)1 : (byte)0;
            else BinaryPrimitives.WriteInt64LittleEndian(_data.Slice(i * 8, 8), v);
        }
    }
}

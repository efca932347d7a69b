// Element types a FlowGen graph can hold at run time. Float32 carries the data; Int64 and Bool exist for
// the shape arithmetic, indices and masks exporters emit. Values are ONNX's TensorProto.DataType codes.
namespace FlowGen.Runtime;

/// <summary>Element type of a tensor (values are ONNX data type codes).</summary>
public enum ElementType
{
    /// <summary>32-bit IEEE float.</summary>
    Float32 = 1,
    /// <summary>64-bit signed integer (shapes, indices).</summary>
    Int64 = 7,
    /// <summary>Boolean stored as one byte, 0 or 1.</summary>
    Bool = 9,
}

internal static class ElementTypes
{
    public static int Size(ElementType t) => t switch
    {
        ElementType.Float32 => 4,
        ElementType.Int64 => 8,
        ElementType.Bool => 1,
        _ => throw new ArgumentOutOfRangeException(nameof(t)),
    };

    public static string Name(ElementType t) => t switch
    {
        ElementType.Float32 => "float32",
        ElementType.Int64 => "int64",
        ElementType.Bool => "bool",
        _ => t.ToString(),
    };
}

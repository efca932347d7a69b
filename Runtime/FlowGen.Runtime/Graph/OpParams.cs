// Backend-neutral parameters of each operator, normalised by shape inference: axes are non-negative,
// pads resolved from auto_pad, defaults filled in. Backends read these, never the raw ONNX attributes.
namespace FlowGen.Runtime.Graph;

/// <summary>Activation applied by a fused Conv (or Gemm) after the bias.</summary>
internal enum Activation { None, Relu, LeakyRelu, Sigmoid, Tanh }

internal sealed record ConvParams(int KernelH, int KernelW, int StrideH, int StrideW, int PadTop, int PadLeft,
    int PadBottom, int PadRight, int DilationH, int DilationW, int Group)
{
    public Activation Activation { get; set; }
    public float Alpha { get; set; } = 0.01f;
}

internal sealed record GemmParams(bool TransA, bool TransB, float Alpha, float Beta);

internal sealed record AxisParams(int Axis);

internal sealed record TransposeParams(int[] Perm);

internal sealed record SplitParams(int Axis, long[] Sizes);

/// <summary>Per sliced axis: raw ONNX start, end and step; clamped against the actual dim at bind time.</summary>
internal sealed record SliceParams(int[] Axes, long[] Starts, long[] Ends, long[] Steps);

internal sealed record ReduceParams(int[] Axes, bool KeepDims, bool Mean);

internal sealed record CumSumParams(int Axis, bool Exclusive, bool Reverse);

internal sealed record CastParams(ElementType To);

/// <summary>A depth/space rearrangement expressed as reshape to 6-D, transpose, reshape back.</summary>
internal sealed record RearrangeParams(int BlockSize, bool DepthToSpace, bool ColumnRowDepth);

internal sealed record FillParams(ConstTensor Value);

/// <summary>Batch-linear int64 contents written at run time (shape arithmetic used as data).</summary>
internal sealed record MaterializeParams(SymDim[] Values);

internal enum CompareKind { Less, Greater, Equal }

internal sealed record CompareParams(CompareKind Kind);

// The geometry of one 2-D convolution (ONNX Conv, NCHW, float32) and the activation a kernel may fuse
// into its store. Output size follows ONNX: floor((in + pads - dilation*(k-1) - 1) / stride) + 1.
namespace FlowGen.Runtime.Cpu;

/// <summary>An activation applied to a convolution's output as it is stored (Conv + bias + activation fusion).</summary>
internal enum FusedActivation { None, Relu, LeakyRelu, Sigmoid, Tanh }

/// <summary>Shape parameters of a 2-D convolution; weights are [OutChannels, InChannels/Groups, KernelH, KernelW].</summary>
internal readonly record struct Conv2dShape(
    int InChannels, int OutChannels, int InHeight, int InWidth, int KernelH, int KernelW,
    int StrideH, int StrideW, int PadTop, int PadLeft, int PadBottom, int PadRight,
    int DilationH, int DilationW, int Groups)
{
    /// <summary>Output height; zero or negative when the padded input is smaller than the dilated kernel.</summary>
    public int OutHeight { get; } = StrideH <= 0 ? 0 : (InHeight + PadTop + PadBottom - DilationH * (KernelH - 1) - 1) / StrideH + 1;

    /// <summary>Output width; zero or negative when the padded input is smaller than the dilated kernel.</summary>
    public int OutWidth { get; } = StrideW <= 0 ? 0 : (InWidth + PadLeft + PadRight - DilationW * (KernelW - 1) - 1) / StrideW + 1;

    /// <summary>Input channels per group.</summary>
    public int GroupInChannels => InChannels / Groups;

    /// <summary>Output channels per group.</summary>
    public int GroupOutChannels => OutChannels / Groups;

    /// <summary>Multiply-adds per sample times two (the FLOP convention of `flowgen bench`).</summary>
    public long FlopsPerSample => 2L * OutChannels * OutHeight * OutWidth * GroupInChannels * KernelH * KernelW;

    /// <summary>A 3x3 (or any square) convolution with stride 1 and symmetric padding, no groups.</summary>
    public static Conv2dShape Simple(int cin, int cout, int h, int w, int k, int pad) =>
        new(cin, cout, h, w, k, k, 1, 1, pad, pad, pad, pad, 1, 1, 1);

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid parameter.</summary>
    public void Validate()
    {
        static void Positive(int v, string name)
        {
            if (v <= 0) throw new ArgumentException($"Conv2d: {name} must be positive, got {v}.");
        }
        Positive(InChannels, nameof(InChannels)); Positive(OutChannels, nameof(OutChannels));
        Positive(InHeight, nameof(InHeight)); Positive(InWidth, nameof(InWidth));
        Positive(KernelH, nameof(KernelH)); Positive(KernelW, nameof(KernelW));
        Positive(StrideH, nameof(StrideH)); Positive(StrideW, nameof(StrideW));
        Positive(DilationH, nameof(DilationH)); Positive(DilationW, nameof(DilationW));
        Positive(Groups, nameof(Groups));
        if (PadTop < 0 || PadLeft < 0 || PadBottom < 0 || PadRight < 0)
            throw new ArgumentException($"Conv2d: pads must be non-negative, got [{PadTop},{PadLeft},{PadBottom},{PadRight}].");
        if (InChannels % Groups != 0 || OutChannels % Groups != 0)
            throw new ArgumentException($"Conv2d: channels {InChannels}->{OutChannels} are not divisible by group {Groups}.");
        if (OutHeight <= 0 || OutWidth <= 0)
            throw new ArgumentException($"Conv2d: output would be {OutHeight}x{OutWidth}; the dilated kernel is larger than the padded input.");
        long weights = (long)OutChannels * GroupInChannels * KernelH * KernelW;
        if (weights > int.MaxValue || (long)InChannels * InHeight * InWidth > int.MaxValue
            || (long)OutChannels * OutHeight * OutWidth > int.MaxValue)
            throw new ArgumentException("Conv2d: tensor too large for one sample.");
    }
}

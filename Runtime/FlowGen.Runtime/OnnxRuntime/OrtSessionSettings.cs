// How an OrtSession runs: which execution provider, how many intra-op threads, graph optimisation.
namespace FlowGen.Runtime.OnnxRuntime;

/// <summary>Execution providers FlowGen can ask ONNX Runtime for.</summary>
public enum OrtProvider
{
    /// <summary>ORT's CPU provider (always present).</summary>
    Cpu,
    /// <summary>NVIDIA CUDA (ORT GPU builds on Linux/Windows).</summary>
    Cuda,
    /// <summary>DirectML (ORT DirectML builds on Windows).</summary>
    DirectML,
}

/// <summary>Options for <see cref="OrtSession"/>.</summary>
public sealed record OrtSessionSettings
{
    /// <summary>Threads ORT uses inside one operator; 0 = ORT's default (one per physical core).</summary>
    public int IntraOpThreads { get; init; }

    /// <summary>The provider to append before ORT's CPU fallback.</summary>
    public OrtProvider Provider { get; init; } = OrtProvider.Cpu;

    /// <summary>GPU ordinal for CUDA / DirectML.</summary>
    public int DeviceId { get; init; }

    /// <summary>ORT graph optimisations (GraphOptimizationLevel): all by default, as ORT does.</summary>
    public bool OptimizeGraph { get; init; } = true;
}

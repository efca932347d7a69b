// A compiled 2-D convolution (ONNX Conv, NCHW float32) with fused bias and activation. Built once per
// Conv node when a plan is compiled (weights are copied and may be prepacked); Run allocates nothing.
// An instance is not thread-safe: one Run at a time (plans run their nodes in sequence).
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace FlowGen.Runtime.Cpu;

/// <summary>Convolution x [N,Cin,H,W] -> y [N,Cout,Ho,Wo] with weights prepared at construction.</summary>
internal sealed unsafe class Conv2dKernel
{
    private readonly Conv2dShape _shape;
    private readonly FusedActivation _act;
    private readonly float _alpha;
    private readonly float[] _weightArray, _biasArray;  // on the pinned object heap: Run needs no `fixed`
    private readonly float* _weight;   // [Cout, Cin/g, kH, kW]
    private readonly float* _bias;     // [Cout] or null
    private readonly DirectJob _direct;
    private readonly Conv2dKernelBlocked? _blocked;  // stride-1 fast path; null: direct convolution

    /// <summary>Prepares a convolution; <paramref name="bias"/> is [Cout] or empty.</summary>
    public Conv2dKernel(in Conv2dShape shape, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias,
        FusedActivation act, float alpha = 0.01f)
    {
        shape.Validate();
        long wCount = (long)shape.OutChannels * shape.GroupInChannels * shape.KernelH * shape.KernelW;
        if (weight.Length != wCount)
            throw new ArgumentException($"Conv2d: weight has {weight.Length} values, expected {wCount} ([{shape.OutChannels},{shape.GroupInChannels},{shape.KernelH},{shape.KernelW}]).");
        if (bias.Length != 0 && bias.Length != shape.OutChannels)
            throw new ArgumentException($"Conv2d: bias has {bias.Length} values, expected {shape.OutChannels} or none.");
        if (!Enum.IsDefined(act)) throw new ArgumentException($"Conv2d: unknown activation {act}.");
        _shape = shape;
        _act = act;
        _alpha = alpha;
        _weightArray = PinnedCopy(weight, out _weight);
        _biasArray = PinnedCopy(bias, out _bias);
        if (bias.Length == 0) _bias = null;
        _direct = new DirectJob(this);
        _blocked = Conv2dKernelBlocked.TryCreate(shape, weight, bias, act, alpha);
    }

    /// <summary>The weights as given, [Cout, Cin/g, kH, kW] (for the trainer's gradient kernels).</summary>
    public ReadOnlySpan<float> Weights => _weightArray.AsSpan(0, _shape.OutChannels * _shape.GroupInChannels * _shape.KernelH * _shape.KernelW);

    /// <summary>The bias, [Cout] or empty.</summary>
    public ReadOnlySpan<float> Bias => _bias == null ? default : _biasArray.AsSpan(0, _shape.OutChannels);

    /// <summary>Images the blocked path lays side by side in one padded plane (0: the direct path runs).</summary>
    internal int Stack => _blocked?.Stack ?? 0;

    /// <summary>The convolution's geometry.</summary>
    public Conv2dShape Shape => _shape;

    /// <summary>Floats of scratch memory <see cref="Run"/> needs for a batch of <paramref name="batch"/>.</summary>
    public long ScratchFloats(int batch)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(batch);
        return _blocked?.ScratchFloats(batch) ?? 0;
    }

    /// <summary>Runs the convolution on <paramref name="batch"/> samples. x and y must not overlap;
    /// scratch holds at least <see cref="ScratchFloats"/>(batch) floats.</summary>
    public void Run(float* x, float* y, int batch, float* scratch, WorkerPool pool)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(batch);
        ArgumentNullException.ThrowIfNull(pool);
        if (batch == 0) return;
        if (x == null || y == null) throw new ArgumentNullException(x == null ? nameof(x) : nameof(y));
        if (scratch == null && ScratchFloats(batch) > 0) throw new ArgumentNullException(nameof(scratch), "This convolution needs scratch memory (ScratchFloats).");
        RunCore(x, y, batch, scratch, pool);
    }

    /// <summary>Below this many FLOPs a call runs on the calling thread: waking workers costs more than
    /// it saves (about 60 us of single-thread work; at batch 1 every conv of the reference Glow stays serial).
    /// The split of work is the same either way, so results do not change.</summary>
    internal const long ParallelMinFlops = 4L << 20;

    private void RunCore(float* x, float* y, int batch, float* scratch, WorkerPool pool)
    {
        if (_shape.FlopsPerSample * batch < ParallelMinFlops) pool = WorkerPool.Serial;
        if (_blocked is not null)
        {
            _blocked.Run(x, y, batch, scratch, pool);
            return;
        }
        _direct.X = x;
        _direct.Y = y;
        pool.For(_direct, batch * _shape.OutChannels);
    }

    /// <summary>Copies <paramref name="values"/> into an array on the pinned object heap (stable address, no `fixed`).</summary>
    internal static float[] PinnedCopy(ReadOnlySpan<float> values, out float* pointer)
    {
        var array = GC.AllocateUninitializedArray<float>(Math.Max(values.Length, 1), pinned: true);
        values.CopyTo(array);
        pointer = (float*)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(array));
        return array;
    }

    // One item per (sample, output channel) plane.
    private sealed class DirectJob(Conv2dKernel k) : IParallelJob
    {
        public float* X, Y;

        public void Execute(int index)
        {
            int cout = k._shape.OutChannels;
            Conv2dKernelDirect.Plane(k._shape, X, k._weight, k._bias, Y, index / cout, index % cout, k._act, k._alpha);
        }
    }
}

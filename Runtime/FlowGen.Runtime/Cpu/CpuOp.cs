// Base of the CPU backend's operators. An operator is built once per plan step; Bind(batch) computes the
// concrete shapes for a batch size (only when it changes, into preallocated arrays), Execute runs it.
// Parallel operators are their own IParallelJob, so dispatch allocates nothing.
using FlowGen.Runtime.Graph;

namespace FlowGen.Runtime.Cpu;

internal abstract unsafe class CpuOp
{
    private int _boundBatch = -1;

    protected CpuOp(PlanStep step, byte* arena)
    {
        Step = step;
        Arena = arena;
        InDims = step.Inputs.Select(v => v is null ? [] : new int[v.Shape.Length]).ToArray();
        OutDims = step.Outputs.Select(v => new int[v.Shape.Length]).ToArray();
    }

    public PlanStep Step { get; }
    protected byte* Arena { get; }
    protected int[][] InDims { get; }
    protected int[][] OutDims { get; }
    protected int Batch { get; private set; }

    protected byte* In(int i) => Arena + Step.Inputs[i]!.Offset;
    protected byte* Out(int i) => Arena + Step.Outputs[i].Offset;
    protected float* InF(int i) => (float*)In(i);
    protected float* OutF(int i) => (float*)Out(i);

    public void Bind(int batch)
    {
        if (batch == _boundBatch) return;
        Batch = batch;
        for (int i = 0; i < InDims.Length; i++)
            if (Step.Inputs[i] is { } v) SymShape.At(v.Shape, batch, InDims[i]);
        for (int i = 0; i < OutDims.Length; i++) SymShape.At(Step.Outputs[i].Shape, batch, OutDims[i]);
        OnBind();
        _boundBatch = batch;
    }

    protected virtual void OnBind() { }

    /// <summary>Kernel scratch this operator needs at the plan's maximum batch; the executor provides it, shared by all steps.</summary>
    public virtual long ScratchBytes(int maxBatch) => 0;

    /// <summary>Start of the shared scratch region (set by the executor before the first run).</summary>
    public byte* Scratch { get; set; }

    public abstract void Execute(WorkerPool pool);

    protected static long Product(ReadOnlySpan<int> dims)
    {
        long p = 1;
        foreach (var d in dims) p *= d;
        return p;
    }

    /// <summary>Row-major strides of <paramref name="dims"/>, aligned right to <paramref name="rank"/>; 0 on broadcast (size-1 or missing) dims.</summary>
    protected static void BroadcastStrides(ReadOnlySpan<int> dims, int rank, Span<long> strides) => Strides.Broadcast(dims, rank, strides);
}

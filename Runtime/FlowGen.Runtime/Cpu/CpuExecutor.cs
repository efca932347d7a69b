// The CPU backend: one native, 64-byte-aligned arena (never moved by the GC) holding constants, inputs,
// outputs and intermediates at the offsets the plan assigned, plus shared kernel scratch; one CpuOp per
// step. Run(batch) rebinds shapes only when the batch changes and allocates nothing.
using System.Runtime.InteropServices;
using FlowGen.Runtime.Graph;

namespace FlowGen.Runtime.Cpu;

internal sealed unsafe class CpuExecutor : IPlanExecutor
{
    private readonly WorkerPool _pool;
    private readonly bool _ownsPool;
    private readonly CpuOp[] _ops;
    private readonly PlanValue[] _batchDependent; // values whose contents are shape arithmetic on the batch size
    private byte* _arena;
    private readonly long _bytes;
    private int _boundBatch = -1;

    public CpuExecutor(ExecutionPlan plan, WorkerPool pool, bool ownsPool = false)
    {
        Plan = plan;
        _pool = pool;
        _ownsPool = ownsPool;
        // Operators are created first (they need the arena's address, not its contents) so the kernels'
        // scratch can be part of the same allocation, after the plan's buffers.
        _arena = (byte*)NativeMemory.AlignedAlloc((nuint)Math.Max(64, plan.ArenaBytes), 64);
        try
        {
            _ops = plan.Steps.Select(s => CpuOps.Create(s, _arena)).ToArray();
            long scratch = _ops.Select(o => o.ScratchBytes(plan.MaxBatch)).DefaultIfEmpty(0).Max();
            if (scratch > 0)
            {
                NativeMemory.AlignedFree(_arena);
                _arena = (byte*)NativeMemory.AlignedAlloc((nuint)checked(plan.ArenaBytes + scratch), 64);
                _ops = plan.Steps.Select(s => CpuOps.Create(s, _arena)).ToArray();
                foreach (var op in _ops) op.Scratch = _arena + plan.ArenaBytes;
            }
            _bytes = plan.ArenaBytes + scratch;
            NativeMemory.Clear(_arena, (nuint)_bytes);
            foreach (var v in plan.Values)
                if (v.Const is { } c && v.AliasOf is null) c.Data.CopyTo(new Span<byte>(_arena + v.Offset, c.Data.Length));
            _batchDependent = plan.Values.Where(v => v.SymValues is not null).ToArray();
        }
        catch
        {
            NativeMemory.AlignedFree(_arena);
            throw;
        }
    }

    public ExecutionPlan Plan { get; }

    public void SetInput(int index, ReadOnlySpan<byte> data)
    {
        var v = Plan.Inputs[index];
        if (data.Length > v.Bytes) throw new ArgumentException($"input '{v.Name}' is larger than the plan's maximum batch allows");
        data.CopyTo(new Span<byte>(_arena + v.Offset, data.Length));
    }

    public void Run(int batch)
    {
        BindBatch(batch);
        foreach (var op in _ops) op.Execute(_pool);
    }

    /// <summary><see cref="Run"/>, adding each step's elapsed Stopwatch ticks to <paramref name="stepTicks"/> (profiling).</summary>
    internal void RunTimed(int batch, long[] stepTicks)
    {
        if (stepTicks.Length != _ops.Length) throw new ArgumentException($"stepTicks must hold one counter per step ({_ops.Length})", nameof(stepTicks));
        BindBatch(batch);
        for (int i = 0; i < _ops.Length; i++)
        {
            long t0 = System.Diagnostics.Stopwatch.GetTimestamp();
            _ops[i].Execute(_pool);
            stepTicks[i] += System.Diagnostics.Stopwatch.GetTimestamp() - t0;
        }
    }

    private void BindBatch(int batch)
    {
        if (batch < 1 || batch > Plan.MaxBatch) throw new ArgumentOutOfRangeException(nameof(batch), batch, $"batch must be in 1..{Plan.MaxBatch}");
        if (batch != _boundBatch)
        {
            foreach (var v in _batchDependent)
            {
                var s = v.SymValues!;
                for (int i = 0; i < s.Length; i++) ((long*)(_arena + v.Offset))[i] = s[i].At(batch);
            }
            foreach (var op in _ops) op.Bind(batch);
            _boundBatch = batch;
        }
    }

    public ReadOnlySpan<byte> GetOutput(int index, int batch)
    {
        var v = Plan.Outputs[index];
        return new ReadOnlySpan<byte>(_arena + v.Offset, checked((int)(v.ElementCount(batch) * ElementTypes.Size(v.Type))));
    }

    public void Dispose()
    {
        NativeMemory.AlignedFree(_arena);
        if (_ownsPool) _pool.Dispose();
    }
}

// One static execution plan per (model, maximum batch): the steps in order and every value's place in a
// single arena sized for the maximum batch. Backend-neutral: it names operators and buffers, and each
// backend (CPU now, Vulkan later) turns steps into its own kernels. Shapes stay batch-linear (SymDim),
// so a run at any batch up to the maximum uses the same plan and arena.
namespace FlowGen.Runtime.Graph;

internal sealed class PlanValue
{
    public required int Id { get; init; }
    public required string Name { get; init; }
    public required ElementType Type { get; init; }
    public required SymDim[] Shape { get; init; }

    /// <summary>Byte offset in the arena; aliases (views) share their source's offset.</summary>
    public long Offset { get; set; }

    /// <summary>Bytes at the maximum batch.</summary>
    public long Bytes { get; set; }

    /// <summary>Constant contents, copied into the arena when the executor is created.</summary>
    public ConstTensor? Const { get; init; }

    /// <summary>Batch-linear int64 contents, written by the executor before each run.</summary>
    public SymDim[]? SymValues { get; init; }

    /// <summary>When set, this value is a view of another value's buffer (Reshape, Squeeze, ...).</summary>
    public PlanValue? AliasOf { get; set; }

    public long ElementCount(int batch) => SymShape.Count(Shape)!.Value.At(batch);

    public override string ToString() => $"{Name}:{ElementTypes.Name(Type)}{SymShape.Format(Shape)}@{Offset}";
}

internal sealed class PlanStep
{
    public required string OpType { get; init; }
    public required string Name { get; init; }
    public required object? Params { get; init; }
    public required PlanValue?[] Inputs { get; init; }
    public required PlanValue[] Outputs { get; init; }

    public override string ToString() => $"{OpType} '{Name}'";
}

internal sealed class ExecutionPlan
{
    public required string Source { get; init; }
    public required int MaxBatch { get; init; }
    public required IReadOnlyList<PlanStep> Steps { get; init; }
    public required IReadOnlyList<PlanValue> Values { get; init; }
    public required IReadOnlyList<PlanValue> Inputs { get; init; }
    public required IReadOnlyList<PlanValue> Outputs { get; init; }
    public required long ArenaBytes { get; init; }
    public required IReadOnlyDictionary<string, string> Metadata { get; init; }

    /// <summary>Float32 weights in the file (initializers and Constant nodes), before folding and fusion.</summary>
    public required long SourceParameters { get; init; }

    /// <summary>Operator counts of the compiled graph (after folding and fusion), for `flowgen inspect`.</summary>
    public required IReadOnlyDictionary<string, int> SourceOpCounts { get; init; }
}

/// <summary>A backend's way of running a plan. One instance owns its buffers; calls are not concurrent.</summary>
internal interface IPlanExecutor : IDisposable
{
    ExecutionPlan Plan { get; }

    /// <summary>Copies input <paramref name="index"/> in (raw little-endian elements, batch-major).</summary>
    void SetInput(int index, ReadOnlySpan<byte> data);

    /// <summary>Runs every step for batch size <paramref name="batch"/> (1..MaxBatch).</summary>
    void Run(int batch);

    /// <summary>Output <paramref name="index"/> of the last run.</summary>
    ReadOnlySpan<byte> GetOutput(int index, int batch);
}

// What one evaluation produced, for the console table and the HTML report: bits/dim rows, the realism
// report, the sample sets shown as grids and the optional temperature sweep.
namespace FlowGen.Training.Evaluation;

/// <summary>Held-out bits/dim of one density model; <see cref="Value"/> is null with a reason when unavailable.</summary>
public sealed record BitsPerDimRow(string Source, double? Value, double? BitsPerQuantum, string? Note);

public sealed class EvaluationResult<TSummary> where TSummary : ISpectrumSummary
{
    /// <summary>One paragraph on the data, split, patch size, draws and baselines.</summary>
    public required string Description { get; init; }
    /// <summary>What the bits/dim numbers are measured in.</summary>
    public required string BitsPerDimNote { get; init; }
    /// <summary>Column heading of <see cref="BitsPerDimRow.BitsPerQuantum"/> (e.g. "bits per metre quantum").</summary>
    public required string BitsPerQuantumLabel { get; init; }
    /// <summary>Ground size of a pixel for hillshaded grids; null for textures (no hillshade).</summary>
    public required double? PixelSizeM { get; init; }
    public required string? ModelName { get; init; }
    public required IReadOnlyList<BitsPerDimRow> BitsPerDim { get; init; }
    public required RealismReport<TSummary> Realism { get; init; }
    /// <summary>Sample sets for the grids: "train", "held-out real", then the report's candidates.</summary>
    public required IReadOnlyList<PatchSource> Samples { get; init; }
    public TemperatureSweep? Sweep { get; init; }
}

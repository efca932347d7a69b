// What evaluation needs from a generative model: seeded samples in physical units at a temperature,
// and, when the model has one, its exact log-density of patches in its own model units.
namespace FlowGen.Training.Evaluation;

public interface IPatchModel
{
    /// <summary>Name shown in tables and charts.</summary>
    string Name { get; }

    /// <summary>Patch height and width of one sample.</summary>
    int PatchSize { get; }

    /// <summary>physical = model units x Scale + Offset (per-patch mean is not modelled for terrain).</summary>
    double Scale { get; }

    /// <summary>See <see cref="Scale"/>.</summary>
    double Offset { get; }

    /// <summary><paramref name="count"/> samples in physical units; sample i depends only on (seed, i, temperature).</summary>
    PatchSet Sample(int count, ulong seed, float temperature);

    /// <summary>Held-out bits/dim the model file records from its training (`flowgen.train.test_bpd`), if any.</summary>
    double? RecordedBitsPerDim { get; }

    /// <summary>Why the model has no density (null when <see cref="LogDensity"/> works).</summary>
    string? NoDensityReason { get; }

    /// <summary>log p(x) in nats for each patch of <paramref name="modelUnits"/>.</summary>
    double[] LogDensity(PatchSet modelUnits);
}

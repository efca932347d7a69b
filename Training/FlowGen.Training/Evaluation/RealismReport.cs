// Realism of several patch sources (the model, the baselines) as distances to real training-split
// patches, next to the floor (a second, independent draw of training patches: the distance that is
// sampling noise alone) and, for information, the same distances to the held-out split (on one DEM the
// two splits differ, so that column mostly measures the split's shift).
namespace FlowGen.Training.Evaluation;

/// <summary>A named set of patches in physical units, e.g. "generated", "Gaussian", "fBm".</summary>
public sealed record PatchSource(string Name, PatchSet Patches);

/// <summary>
/// One source's distances, in the order of the report's statistics, over its patches with finite values;
/// <paramref name="NonFinitePatches"/> counts the patches left out (inf/NaN samples of a diverging model).
/// </summary>
public sealed record RealismRow(string Source, IReadOnlyList<double> Distances, int NonFinitePatches = 0);

/// <summary>Names of the rows every report has.</summary>
public static class RealismRows
{
    /// <summary>Row name of the floor: training draw vs training draw.</summary>
    public const string FloorName = "floor (train vs train)";
    /// <summary>Row name of the held-out real patches compared with the training ones.</summary>
    public const string HeldOutName = "held-out real";
}

public sealed class RealismReport<TSummary> where TSummary : ISpectrumSummary
{

    private readonly Func<PatchSet, TSummary> _summarise;

    private RealismReport(IReadOnlyList<RealismStatistic<TSummary>> statistics, Func<PatchSet, TSummary> summarise,
        IReadOnlyList<RealismRow> versusTrain, IReadOnlyList<RealismRow> versusHeldOut, IReadOnlyDictionary<string, TSummary> summaries)
    {
        _summarise = summarise;
        Statistics = statistics;
        VersusTrain = versusTrain;
        VersusHeldOut = versusHeldOut;
        Summaries = summaries;
    }

    public IReadOnlyList<RealismStatistic<TSummary>> Statistics { get; }
    /// <summary>Floor, held-out real, then each candidate: distances to the training reference draw.</summary>
    public IReadOnlyList<RealismRow> VersusTrain { get; }
    /// <summary>Each candidate (and the training draw): distances to the held-out patches.</summary>
    public IReadOnlyList<RealismRow> VersusHeldOut { get; }
    /// <summary>Summary of every set by name ("train", the floor's second training draw, "held-out real", candidates), for charts.</summary>
    public IReadOnlyDictionary<string, TSummary> Summaries { get; }

    public RealismRow Row(string source) => VersusTrain.Single(r => r.Source == source);

    /// <summary>
    /// Each set's radially averaged power over the training reference's, band by band (the bands of the spectrum
    /// statistics), the second training draw (the floor) and held-out real first, then each candidate: where a model's samples carry too little or too much
    /// relief at which wavelength, which the spectrum's one-number distances do not say.
    /// </summary>
    public (IReadOnlyList<double> Frequencies, IReadOnlyList<(string Source, double[] Ratio)> Rows) SpectrumRatios()
    {
        var train = Summaries["train"].Spectrum;
        var rows = new List<(string, double[])>();
        foreach (var name in VersusTrain.Select(r => r.Source))
        {
            var s = Summaries[name].Spectrum;
            rows.Add((name, train.Power.Select((p, k) => s.Power[k] / p).ToArray()));
        }
        return (train.Frequencies, rows);
    }

    /// <summary>
    /// Each set's value of <paramref name="measure"/>, the training reference ("train") first, then the floor's second draw,
    /// held-out real and each candidate.
    /// </summary>
    public IReadOnlyList<(string Source, T Value)> PerSource<T>(Func<TSummary, T> measure) =>
        [("train", measure(Summaries["train"])), .. VersusTrain.Select(r => (r.Source, measure(Summaries[r.Source])))];

    /// <summary>Distances of a further patch set (e.g. the model at another temperature) to the training reference.</summary>
    public RealismRow DistancesToTrain(string name, PatchSet patches)
    {
        var finite = patches.FinitePatches(out int dropped);
        if (finite.Count == 0) return new RealismRow(name, Statistics.Select(_ => double.PositiveInfinity).ToArray(), dropped);
        var s = _summarise(finite);
        var train = Summaries["train"];
        return new RealismRow(name, Statistics.Select(st => st.Distance(s, train)).ToArray(), dropped);
    }

    /// <summary>
    /// Compares <paramref name="candidates"/> with <paramref name="trainReference"/>; <paramref name="trainFloor"/>
    /// must be an independent draw of the same size from the same split.
    /// </summary>
    public static RealismReport<TSummary> Compute(IReadOnlyList<RealismStatistic<TSummary>> statistics,
        Func<PatchSet, TSummary> summarise, PatchSet trainReference, PatchSet trainFloor, PatchSet heldOut,
        IReadOnlyList<PatchSource> candidates)
    {
        ArgumentNullException.ThrowIfNull(statistics);
        ArgumentNullException.ThrowIfNull(summarise);
        ArgumentNullException.ThrowIfNull(candidates);
        foreach (var set in new[] { trainReference, trainFloor, heldOut }.Concat(candidates.Select(c => c.Patches)))
            if (set.Height != trainReference.Height || set.Width != trainReference.Width || set.Count == 0)
                throw new ArgumentException("all patch sets must be non-empty and of one patch size");
        if (candidates.Select(c => c.Name).Distinct().Count() != candidates.Count)
            throw new ArgumentException("candidate names must be distinct");

        var train = summarise(trainReference);
        var floor = summarise(trainFloor);
        var held = summarise(heldOut);
        var summaries = new Dictionary<string, TSummary> { ["train"] = train, [RealismRows.FloorName] = floor, [RealismRows.HeldOutName] = held };
        var versusTrain = new List<RealismRow> { Row(RealismRows.FloorName, floor, train, statistics), Row(RealismRows.HeldOutName, held, train, statistics) };
        var versusHeld = new List<RealismRow> { Row("train", train, held, statistics) };
        foreach (var candidate in candidates)
        {
            var finite = candidate.Patches.FinitePatches(out int dropped);
            if (finite.Count == 0)
                throw new EvaluationException($"every patch of '{candidate.Name}' has non-finite values (the model diverges)");
            var s = summarise(finite);
            summaries[candidate.Name] = s;
            versusTrain.Add(Row(candidate.Name, s, train, statistics) with { NonFinitePatches = dropped });
            versusHeld.Add(Row(candidate.Name, s, held, statistics) with { NonFinitePatches = dropped });
        }
        return new RealismReport<TSummary>(statistics, summarise, versusTrain, versusHeld, summaries);
    }

    private static RealismRow Row(string name, TSummary a, TSummary b, IReadOnlyList<RealismStatistic<TSummary>> statistics) =>
        new(name, statistics.Select(s => s.Distance(a, b)).ToArray());
}

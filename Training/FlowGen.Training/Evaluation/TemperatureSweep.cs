// Temperature guidance (issue 5, item 4): the realism statistics of a model's samples at each
// temperature, and the temperature to recommend as the model's default. Statistics have different units,
// so each is put on the Gaussian baseline's scale: score(T) = mean over statistics of
// (d(T) + floor) / (d_gaussian + floor), where the floor (train vs train) keeps statistics that the
// Gaussian already matches from dominating. The recommended temperature has the lowest score; a
// temperature at which any sample is non-finite scores +infinity and is never recommended.
namespace FlowGen.Training.Evaluation;

/// <summary>Distances to the training split at one temperature (over finite samples), and their combined score.</summary>
public sealed record TemperatureRow(float Temperature, IReadOnlyList<double> Distances, int NonFinitePatches, double Score);

public sealed class TemperatureSweep
{
    /// <summary>The temperatures issue 5 asks about.</summary>
    public static IReadOnlyList<float> DefaultTemperatures { get; } = [0.6f, 0.7f, 0.8f, 0.9f, 1.0f];

    private TemperatureSweep(IReadOnlyList<TemperatureRow> rows)
    {
        Rows = rows;
        Recommended = rows.MinBy(r => r.Score)!.Temperature;
    }

    public IReadOnlyList<TemperatureRow> Rows { get; }
    public float Recommended { get; }

    /// <summary>
    /// Samples <paramref name="count"/> patches at each temperature and scores them against the report's
    /// training reference, floor and <paramref name="gaussianName"/> row.
    /// </summary>
    public static TemperatureSweep Run<TSummary>(RealismReport<TSummary> report, Func<float, PatchSet> sample,
        IReadOnlyList<float> temperatures, string gaussianName) where TSummary : ISpectrumSummary
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(sample);
        if (temperatures.Count == 0) throw new ArgumentException("no temperatures to sweep");
        var floor = report.Row(RealismRows.FloorName).Distances;
        var gaussian = report.Row(gaussianName).Distances;
        var rows = new List<TemperatureRow>();
        foreach (float t in temperatures)
        {
            var row = report.DistancesToTrain($"T = {t}", sample(t));
            var d = row.Distances;
            double score = row.NonFinitePatches > 0 ? double.PositiveInfinity
                : Enumerable.Range(0, d.Count).Average(i => (d[i] + floor[i]) / (gaussian[i] + floor[i] + 1e-300));
            rows.Add(new TemperatureRow(t, d, row.NonFinitePatches, double.IsNaN(score) ? double.PositiveInfinity : score));
        }
        return new TemperatureSweep(rows);
    }
}

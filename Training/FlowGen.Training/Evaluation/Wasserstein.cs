// Wasserstein-1 (earth mover's) distance between two 1-D empirical distributions:
// W1 = integral |F_a(x) - F_b(x)| dx over the merged breakpoints of both sorted samples. Sample sizes
// may differ. Non-finite values must be removed by the caller.
namespace FlowGen.Training.Evaluation;

public static class Wasserstein
{
    /// <summary>W1 between the empirical distributions of two ascending-sorted, non-empty samples.</summary>
    public static double Distance1(ReadOnlySpan<double> sortedA, ReadOnlySpan<double> sortedB)
    {
        if (sortedA.IsEmpty || sortedB.IsEmpty) throw new ArgumentException("W1 needs two non-empty samples");
        // A NaN would stall the sweep below (NaN == x is never true): refuse non-finite values instead of hanging.
        foreach (double v in sortedA) if (!double.IsFinite(v)) throw new ArgumentException("W1 needs finite samples; remove non-finite values first");
        foreach (double v in sortedB) if (!double.IsFinite(v)) throw new ArgumentException("W1 needs finite samples; remove non-finite values first");
        return Distance1Core(sortedA, sortedB);
    }

    private static double Distance1Core(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        // Sweep x upward; between consecutive breakpoints both CDFs are constant.
        int i = 0, j = 0;
        double total = 0, x = Math.Min(a[0], b[0]);
        double invA = 1.0 / a.Length, invB = 1.0 / b.Length;
        while (i < a.Length || j < b.Length)
        {
            double next = j >= b.Length || (i < a.Length && a[i] <= b[j]) ? a[i] : b[j];
            total += Math.Abs(i * invA - j * invB) * (next - x);
            x = next;
            while (i < a.Length && a[i] == x) i++;
            while (j < b.Length && b[j] == x) j++;
        }
        return total;
    }
}

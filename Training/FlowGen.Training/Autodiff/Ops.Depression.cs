// The depression penalty of `flowgen train --depression-weight`: how far the closed depressions of a batch of heightmaps
// reach below their spill level, beyond a free depth, as one differentiable scalar. Shapes: x [N, 1, S, S] in units of
// `scale` metres. Per sample, priority-flood from the border gives every pixel p its spill level x[src(p)] (src(p) = p where
// p drains out, else the crest its depression spills over; TerrainMorphometry.SpillLevels), and
//   depth(p) = scale · (x[src(p)] − x[p]),  penalty = Σ_{n,p} relu(depth(p) − free) / (N·S²)   [metres per pixel]
//   backward: every pixel deeper than free gets −g·scale/(N·S²), its crest +g·scale/(N·S²) per such pixel
// (almost everywhere: the flood's partition into depressions is piecewise constant in x). The gradient asks for what
// breaching and filling do by hand, the dam lowered and the pit raised. Samples are the parallel items.
using FlowGen.Training.Evaluation;

namespace FlowGen.Training.Autodiff;

public static partial class Ops
{
    /// <summary>Mean depth (m) by which pixels lie more than <paramref name="free"/> metres below their spill level, over a batch
    /// of one-channel heightmaps in units of <paramref name="scale"/> metres (shapes in the file comment).</summary>
    public static Tensor<float> DepressionPenalty(Tensor<float> x, double scale, double free)
    {
        if (x.Rank != 4 || x.Dim(1) != 1 || x.Dim(2) < 3 || x.Dim(3) < 3)
            throw new ArgumentException($"DepressionPenalty needs heightmaps [N,1,H,W] of at least 3x3, got [{string.Join(",", x.Shape)}].");
        if (!(scale > 0) || !(free >= 0)) throw new ArgumentOutOfRangeException(nameof(scale), "scale must be positive and the free depth at least 0.");
        int n = x.Dim(0), h = x.Dim(2), w = x.Dim(3), hw = h * w;
        var xd = x.Data;
        var source = new int[n * hw];
        var deep = new bool[n * hw];
        var perSample = new double[n];
        Engine.For(n, sm =>
        {
            var filled = Scratch<float>.Get(hw);
            var src = source.AsSpan(sm * hw, hw);
            TerrainMorphometry.SpillLevels(xd.AsSpan(sm * hw, hw), h, w, filled, src);
            double sum = 0;
            for (int p = 0; p < hw; p++)
            {
                double excess = scale * ((double)filled[p] - xd[sm * hw + p]) - free;
                if (excess <= 0) continue;
                deep[sm * hw + p] = true;
                sum += excess;
            }
            perSample[sm] = sum;
        });
        double total = 0;
        foreach (double s in perSample) total += s; // in sample order: the same sum whatever the thread count
        double norm = 1.0 / ((double)n * hw);
        return Tensor<float>.Result([], [(float)(total * norm)], [x], r =>
        {
            float g = (float)(r.Grad![0] * scale * norm);
            var dx = x.GradBuffer();
            Engine.For(n, sm =>
            {
                int o = sm * hw;
                for (int p = 0; p < hw; p++)
                {
                    if (!deep[o + p]) continue;
                    dx[o + p] -= g;
                    dx[o + source[o + p]] += g; // the crest lies in the same sample
                }
            });
        });
    }
}

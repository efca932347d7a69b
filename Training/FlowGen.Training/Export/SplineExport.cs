// ONNX form of the rational-quadratic spline coupling, both directions (sampling: inverse; density: forward), standard ops only.
// Parameters live on axis 2 of [N, Cb, P, H·W]. The last conv gets two extra output rows per channel
// (zero weights, bias softplus⁻¹(1 - min_d)) so the derivative block already holds the boundary 1s.
// Bin lookup without gathers: lt_k = [y < upper_k] for the K-1 interior edges is monotone in k, so
// one-hot_k = lt_k - lt_{k-1} (lt_{-1} = 0, lt_{K-1} = 1) and each knot quantity is ReduceSum(one-hot · q).
using FlowGen.Training.Flows;
using static FlowGen.Training.Export.OnnxGraphBuilder;

namespace FlowGen.Training.Export;

internal static class SplineExport
{
    // The coupling's knots from its network: upper bin edges and bin sizes along x and y, and the K + 1 knot derivatives
    // (boundary 1s included), each [N, Cb, ·, H·W]; the input's halves come back too.
    private sealed record Knots(string A, string B, string XUp, string XW, string YUp, string YH, string D);

    private static Knots KnotsOf(OnnxGraphBuilder g, SplineCouplingTransform<float> sp, string h, FlowExporter.LevelContext? ctx)
    {
        const double minW = 1e-3, minH = 1e-3, minD = 1e-3;
        int k = sp.Bins, cb = sp.Cb, pIn = 3 * k - 1, pOut = 3 * k + 1;
        double bound = sp.TailBound;
        var (a, bHalf) = FlowExporter.Halves(g, h, sp.Ca, cb);
        var w3 = sp.Net.Conv3.Weight.Data;
        var b3 = sp.Net.Conv3.Bias.Data;
        int rowLen = w3.Length / (cb * pIn);
        var w = new float[cb * pOut * rowLen];
        var b = new float[cb * pOut];
        float edge = (float)Math.Log(Math.Exp(1 - minD) - 1); // softplus(edge) + min_d = 1
        for (int j = 0; j < cb; j++)
            for (int q = 0; q < pOut; q++)
            {
                int src = q < 2 * k ? q : q == 2 * k || q == 3 * k ? -1 : q - 1;
                if (src < 0)
                {
                    b[j * pOut + q] = edge;
                    continue;
                }
                Array.Copy(w3, (j * pIn + src) * rowLen, w, (j * pOut + q) * rowLen, rowLen);
                b[j * pOut + q] = b3[j * pIn + src];
            }
        string p = FlowExporter.Net(g, sp.Net, a, ctx, w, b, cb * pOut);
        p = g.Op("Reshape", [p, g.Ints("shape", 0, cb, pOut, -1)]);
        string C(double v) => g.Floats("c", [1], [v]);

        // widths/heights = min + (1 - min·K)·softmax; upper edges = 2B·cumsum - B; bin sizes = 2B·widths.
        (string Upper, string Size) Edges(string logits, double min)
        {
            string sm = g.Op("Softmax", [logits], Int("axis", 2));
            string wd = g.Op("Add", [g.Op("Mul", [sm, C(1 - min * k)]), C(min)]);
            string cum = g.Op("CumSum", [wd, g.ScalarInt("axis", 2)]);
            string upper = g.Op("Sub", [g.Op("Mul", [cum, C(2 * bound)]), C(bound)]);
            return (upper, g.Op("Mul", [wd, C(2 * bound)]));
        }
        var (xUp, xw) = Edges(Slice(g, p, 0, k), minW);
        var (yUp, yh) = Edges(Slice(g, p, k, 2 * k), minH);
        string d = g.Op("Add", [g.Op("Softplus", [Slice(g, p, 2 * k, 3 * k + 1)]), C(minD)]);
        return new Knots(a, bHalf, xUp, xw, yUp, yh, d);
    }

    private static string Slice(OnnxGraphBuilder g, string x, int a, int e) =>
        g.Op("Slice", [x, g.Ints("start", a), g.Ints("end", e), g.Ints("axis", 2)]);

    // One-hot [N, Cb, K, H·W] of the bin each value v [N, Cb, 1, H·W] falls in along the upper edges `upper`.
    private static Func<string, string> BinPicker(OnnxGraphBuilder g, string v, string upper, int k)
    {
        string lt = g.Op("Cast", [g.Op("Less", [v, Slice(g, upper, 0, k - 1)])], Int("to", 1));
        var parts = new List<string> { Slice(g, lt, 0, 1) };
        if (k > 2) parts.Add(g.Op("Sub", [Slice(g, lt, 1, k - 1), Slice(g, lt, 0, k - 2)]));
        parts.Add(g.Op("Sub", [g.Floats("c", [1], [1.0]), Slice(g, lt, k - 2, k - 1)]));
        string onehot = g.Op("Concat", parts.ToArray(), Int("axis", 2));
        string axis2 = g.Ints("axis", 2);
        return q => g.Op("ReduceSum", [g.Op("Mul", [onehot, q]), axis2], Int("keepdims", 1));
    }

    // The bin each transformed element v [N, Cb, 1, H·W] falls in, found along the y edges (inverse) or the x edges (forward):
    // its lower knot (x0, y0), size (wk, hk), knot derivatives d0 and d1, and slope s = hk / wk.
    private sealed record Bin(Knots Kn, string V, string Wk, string X0, string Hk, string Y0, string D0, string D1, string S);

    private static Bin BinOf(OnnxGraphBuilder g, SplineCouplingTransform<float> sp, string h, FlowExporter.LevelContext? ctx, bool alongY)
    {
        int k = sp.Bins;
        var kn = KnotsOf(g, sp, h, ctx);
        string v = g.Op("Reshape", [kn.B, g.Ints("shape", 0, sp.Cb, 1, -1)]);
        var pick = BinPicker(g, v, alongY ? kn.YUp : kn.XUp, k);
        string wk = pick(kn.XW), x0 = g.Op("Sub", [pick(kn.XUp), wk]);
        string hk = pick(kn.YH), y0 = g.Op("Sub", [pick(kn.YUp), hk]);
        string d0 = pick(Slice(g, kn.D, 0, k)), d1 = pick(Slice(g, kn.D, 1, k + 1));
        return new Bin(kn, v, wk, x0, hk, y0, d0, d1, g.Op("Div", [hk, wk]));
    }

    // Linear tails: the spline's value inside [-B, B], v itself outside; back to the half's shape, after the untouched half.
    private static string WithTails(OnnxGraphBuilder g, Bin b, string outside, string inside)
    {
        string v = g.Op("Where", [outside, b.V, inside]);
        v = g.Op("Reshape", [v, g.Op("Shape", [b.Kn.B])]);
        return g.Op("Concat", [b.Kn.A, v], Int("axis", 1));
    }

    private static string Outside(OnnxGraphBuilder g, SplineCouplingTransform<float> sp, string v) =>
        g.Op("Greater", [g.Op("Abs", [v]), g.Floats("c", [1], [sp.TailBound])]);

    /// <summary>The coupling's inverse (y -> x): the sampling direction.</summary>
    public static string Inverse(OnnxGraphBuilder g, SplineCouplingTransform<float> sp, string h, FlowExporter.LevelContext? ctx)
    {
        var b = BinOf(g, sp, h, ctx, alongY: true);
        string C(double v) => g.Floats("c", [1], [v]);
        var (y, wk, x0, hk, y0, d0, d1, s) = (b.V, b.Wk, b.X0, b.Hk, b.Y0, b.D0, b.D1, b.S);
        string dy = g.Op("Sub", [y, y0]);
        string t = g.Op("Sub", [g.Op("Add", [d0, d1]), g.Op("Mul", [s, C(2)])]);
        string qa = g.Op("Add", [g.Op("Mul", [hk, g.Op("Sub", [s, d0])]), g.Op("Mul", [dy, t])]);
        string qb = g.Op("Sub", [g.Op("Mul", [hk, d0]), g.Op("Mul", [dy, t])]);
        string qc = g.Op("Neg", [g.Op("Mul", [s, dy])]);
        string disc = g.Op("Relu", [g.Op("Sub", [g.Op("Mul", [qb, qb]), g.Op("Mul", [C(4), g.Op("Mul", [qa, qc])])])]);
        string th = g.Op("Div", [g.Op("Mul", [C(2), qc]), g.Op("Sub", [g.Op("Neg", [qb]), g.Op("Sqrt", [disc])])]);
        th = g.Op("Clip", [th, g.Floats("lo", [], [0f]), g.Floats("hi", [], [1f])]);
        string xin = g.Op("Add", [g.Op("Mul", [th, wk]), x0]);
        return WithTails(g, b, Outside(g, sp, y), xin);
    }

    /// <summary>
    /// The coupling's forward map (x -> y): the density direction. Adds Σ log dy/dx of each sample ([N]) to
    /// <paramref name="terms"/>: per transformed element 2 log s + log(d_{k+1} θ² + 2 s θ(1-θ) + d_k (1-θ)²) - 2 log(den),
    /// 0 on the linear tails.
    /// </summary>
    public static string Forward(OnnxGraphBuilder g, SplineCouplingTransform<float> sp, string h, FlowExporter.LevelContext? ctx, List<string> terms)
    {
        var b = BinOf(g, sp, h, ctx, alongY: false);
        string C(double v) => g.Floats("c", [1], [v]);
        var (x, wk, x0, hk, y0, d0, d1, s) = (b.V, b.Wk, b.X0, b.Hk, b.Y0, b.D0, b.D1, b.S);
        string th = g.Op("Div", [g.Op("Sub", [x, x0]), wk]);
        string omt = g.Op("Sub", [C(1), th]);
        string th1 = g.Op("Mul", [th, omt]);
        string th2 = g.Op("Mul", [th, th]);
        string den = g.Op("Add", [s, g.Op("Mul", [g.Op("Sub", [g.Op("Add", [d0, d1]), g.Op("Mul", [s, C(2)])]), th1])]);
        string num = g.Op("Mul", [hk, g.Op("Add", [g.Op("Mul", [s, th2]), g.Op("Mul", [d0, th1])])]);
        string yin = g.Op("Add", [y0, g.Op("Div", [num, den])]);
        string dnum = g.Op("Mul", [g.Op("Mul", [s, s]), g.Op("Add", [g.Op("Add", [g.Op("Mul", [d1, th2]), g.Op("Mul", [g.Op("Mul", [s, th1]), C(2)])]),
            g.Op("Mul", [d0, g.Op("Mul", [omt, omt])])])]);
        string ldin = g.Op("Sub", [g.Op("Log", [dnum]), g.Op("Mul", [g.Op("Log", [den]), C(2)])]);
        // linear tails: log-derivative 0 (Where drops the spline's values there, NaN or not)
        string outside = Outside(g, sp, x);
        terms.Add(g.Op("ReduceSum", [g.Op("Where", [outside, g.Floats("zero", [], [0f]), ldin]), g.Ints("axes", 1, 2, 3)], Int("keepdims", 0)));
        return WithTails(g, b, outside, yin);
    }
}

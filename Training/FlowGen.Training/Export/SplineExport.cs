// ONNX form of the rational-quadratic spline coupling's inverse (sampling direction), standard ops only.
// Parameters live on axis 2 of [N, Cb, P, H·W]. The last conv gets two extra output rows per channel
// (zero weights, bias softplus⁻¹(1 - min_d)) so the derivative block already holds the boundary 1s.
// Bin lookup without gathers: lt_k = [y < upper_k] for the K-1 interior edges is monotone in k, so
// one-hot_k = lt_k - lt_{k-1} (lt_{-1} = 0, lt_{K-1} = 1) and each knot quantity is ReduceSum(one-hot · q).
using FlowGen.Training.Flows;
using static FlowGen.Training.Export.OnnxGraphBuilder;

namespace FlowGen.Training.Export;

internal static class SplineExport
{
    public static string Inverse(OnnxGraphBuilder g, SplineCouplingTransform<float> sp, string h, FlowExporter.LevelContext? ctx)
    {
        const double minW = 1e-3, minH = 1e-3, minD = 1e-3;
        int k = sp.Bins, cb = sp.Cb, pIn = 3 * k - 1, pOut = 3 * k + 1;
        double bound = sp.TailBound;
        var (ya, yb) = FlowExporter.Halves(g, h, sp.Ca, cb);
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
        string p = FlowExporter.Net(g, sp.Net, ya, ctx, w, b, cb * pOut);
        p = g.Op("Reshape", [p, g.Ints("shape", 0, cb, pOut, -1)]);
        string Sl(string x, int a, int e) => g.Op("Slice", [x, g.Ints("start", a), g.Ints("end", e), g.Ints("axis", 2)]);
        string C(double v) => g.Floats("c", [1], [v]);
        string axis2 = g.Ints("axis", 2);

        // widths/heights = min + (1 - min·K)·softmax; upper edges = 2B·cumsum - B; bin sizes = 2B·widths.
        (string Upper, string Size) Edges(string logits, double min)
        {
            string sm = g.Op("Softmax", [logits], Int("axis", 2));
            string wd = g.Op("Add", [g.Op("Mul", [sm, C(1 - min * k)]), C(min)]);
            string cum = g.Op("CumSum", [wd, g.ScalarInt("axis", 2)]);
            string upper = g.Op("Sub", [g.Op("Mul", [cum, C(2 * bound)]), C(bound)]);
            return (upper, g.Op("Mul", [wd, C(2 * bound)]));
        }
        var (xUp, xw) = Edges(Sl(p, 0, k), minW);
        var (yUp, yh) = Edges(Sl(p, k, 2 * k), minH);
        string d = g.Op("Add", [g.Op("Softplus", [Sl(p, 2 * k, 3 * k + 1)]), C(minD)]);
        string y = g.Op("Reshape", [yb, g.Ints("shape", 0, cb, 1, -1)]);

        string lt = g.Op("Cast", [g.Op("Less", [y, Sl(yUp, 0, k - 1)])], Int("to", 1));
        var parts = new List<string> { Sl(lt, 0, 1) };
        if (k > 2) parts.Add(g.Op("Sub", [Sl(lt, 1, k - 1), Sl(lt, 0, k - 2)]));
        parts.Add(g.Op("Sub", [C(1), Sl(lt, k - 2, k - 1)]));
        string onehot = g.Op("Concat", parts.ToArray(), Int("axis", 2));
        string Pick(string q) => g.Op("ReduceSum", [g.Op("Mul", [onehot, q]), axis2], Int("keepdims", 1));

        string wk = Pick(xw), x0 = g.Op("Sub", [Pick(xUp), wk]);
        string hk = Pick(yh), y0 = g.Op("Sub", [Pick(yUp), hk]);
        string d0 = Pick(Sl(d, 0, k)), d1 = Pick(Sl(d, 1, k + 1));
        string s = g.Op("Div", [hk, wk]);
        string dy = g.Op("Sub", [y, y0]);
        string t = g.Op("Sub", [g.Op("Add", [d0, d1]), g.Op("Mul", [s, C(2)])]);
        string qa = g.Op("Add", [g.Op("Mul", [hk, g.Op("Sub", [s, d0])]), g.Op("Mul", [dy, t])]);
        string qb = g.Op("Sub", [g.Op("Mul", [hk, d0]), g.Op("Mul", [dy, t])]);
        string qc = g.Op("Neg", [g.Op("Mul", [s, dy])]);
        string disc = g.Op("Relu", [g.Op("Sub", [g.Op("Mul", [qb, qb]), g.Op("Mul", [C(4), g.Op("Mul", [qa, qc])])])]);
        string th = g.Op("Div", [g.Op("Mul", [C(2), qc]), g.Op("Sub", [g.Op("Neg", [qb]), g.Op("Sqrt", [disc])])]);
        th = g.Op("Clip", [th, g.Floats("lo", [], [0f]), g.Floats("hi", [], [1f])]);
        string xin = g.Op("Add", [g.Op("Mul", [th, wk]), x0]);
        // linear tails: identity outside [-B, B]
        string outside = g.Op("Greater", [g.Op("Abs", [y]), C(bound)]);
        string x = g.Op("Where", [outside, y, xin]);
        x = g.Op("Reshape", [x, g.Op("Shape", [yb])]);
        return g.Op("Concat", [ya, x], Int("axis", 1));
    }
}

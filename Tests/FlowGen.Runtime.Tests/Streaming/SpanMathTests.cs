// SpanMath against its scalar definitions, bitwise, for every length around the vector widths (0..67), out of place
// and in place, with special values (±0, ±∞, NaN, subnormals) among the inputs.
using FlowGen.Runtime.Streaming;

namespace FlowGen.Runtime.Tests.Streaming;

[Trait("Category", "Kernels")]
public class SpanMathTests
{
    private static float[] Values(int n, int seed)
    {
        var rng = new Random(seed);
        float[] special = [0f, -0f, float.PositiveInfinity, float.NegativeInfinity, float.NaN, 1e-40f, -3.3e38f];
        var v = new float[n];
        for (int i = 0; i < n; i++) v[i] = i % 11 == 5 ? special[i % special.Length] : (float)(rng.NextDouble() * 200 - 100);
        return v;
    }

    private static void Same(float[] expected, float[] actual) =>
        Assert.Equal(expected.Select(BitConverter.SingleToInt32Bits), actual.Select(BitConverter.SingleToInt32Bits));

    [Fact]
    public void Scale_matches_the_scalar_product_at_every_length()
    {
        for (int n = 0; n < 68; n++)
        {
            var src = Values(n, n);
            var expected = src.Select(v => v * 0.37f).ToArray();
            var dst = new float[n];
            SpanMath.Scale(src, 0.37f, dst);
            Same(expected, dst);
            SpanMath.Scale(src, 0.37f, src);   // in place
            Same(expected, src);
        }
    }

    [Fact]
    public void Mix_matches_the_scalar_formula_at_every_length()
    {
        const float rho = 0.253f;
        for (int n = 0; n < 68; n++)
        {
            var q = Values(n, n);
            var w = Values(n, n + 100);
            var expected = q.Select((v, i) => (1 - rho) * v + rho * w[i] * w[i]).ToArray();
            SpanMath.Mix(q, w, rho);
            Same(expected, q);
        }
        Assert.Throws<ArgumentException>(() => SpanMath.Mix(new float[4], new float[3], rho));
    }

    [Fact]
    public void Add_matches_the_scalar_sum_at_every_length()
    {
        for (int n = 0; n < 68; n++)
        {
            var src = Values(n, n);
            var dst = Values(n, 100 + n);
            var expected = dst.Zip(src, (d, s) => d + s).ToArray();
            SpanMath.Add(src, dst);
            Same(expected, dst);
        }
    }

    [Fact]
    public void ShiftDivide_matches_the_scalar_quotient_at_every_length()
    {
        for (int n = 0; n < 68; n++)
        {
            var src = Values(n, n);
            var expected = src.Select(v => (v - 2.5f) / 93.7f).ToArray();
            var dst = new float[n];
            SpanMath.ShiftDivide(src, 2.5f, 93.7f, dst);
            Same(expected, dst);
        }
    }

    [Fact]
    public void DivideBySqrt_matches_the_scalar_quotient_at_every_length()
    {
        for (int n = 0; n < 68; n++)
        {
            var a = Values(n, n);
            var b = Values(n, 200 + n).Select(Math.Abs).ToArray();
            var expected = a.Zip(b, (x, y) => x / MathF.Sqrt(y)).ToArray();
            var dst = new float[n];
            SpanMath.DivideBySqrt(a, b, dst);
            Same(expected, dst);
            SpanMath.DivideBySqrt(a, b, a);   // in place
            Same(expected, a);
        }
    }

    [Fact]
    public void A_destination_shorter_than_the_source_is_refused()
    {
        Assert.Throws<ArgumentException>(() => SpanMath.Scale(new float[5], 2f, new float[4]));
        Assert.Throws<ArgumentException>(() => SpanMath.Add(new float[5], new float[4]));
        Assert.Throws<ArgumentException>(() => SpanMath.ShiftDivide(new float[5], 1f, 2f, new float[4]));
        Assert.Throws<ArgumentException>(() => SpanMath.DivideBySqrt(new float[5], new float[5], new float[4]));
    }
}

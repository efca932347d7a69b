// FlowModel.SamplePlausible on the reference Glow with a flowgen.sample.max_relief written into its metadata:
// samples with more than twice that relief (or non-finite) are redrawn at halved temperatures; the rest are untouched.
using FlowGen.Runtime.Onnx.Proto;
using Google.Protobuf;

namespace FlowGen.Runtime.Tests.Sampling;

public class SamplePlausibleTests
{
    private static FlowModel WithMaxRelief(double? relief)
    {
        var proto = ModelProto.Parser.ParseFrom(File.ReadAllBytes(GlowReferenceTests.Fixture("glow_ref_sample.onnx")));
        if (relief is { } r) proto.MetadataProps.Add(new StringStringEntryProto { Key = "flowgen.sample.max_relief", Value = r.ToString("R", System.Globalization.CultureInfo.InvariantCulture) });
        return FlowModel.Load(proto.ToByteArray(), new FlowModelOptions { MaxBatch = 64 }, "glow_ref_sample+relief.onnx");
    }

    private static double Relief(ReadOnlySpan<float> s)
    {
        float lo = float.PositiveInfinity, hi = float.NegativeInfinity;
        foreach (float v in s)
        {
            if (!float.IsFinite(v)) return double.PositiveInfinity;
            (lo, hi) = (Math.Min(lo, v), Math.Max(hi, v));
        }
        return hi - lo;
    }

    [Fact]
    public void Samples_with_far_more_relief_than_the_data_are_redrawn_colder_and_the_rest_are_untouched()
    {
        const int n = 512, p = 1024;
        var raw = new float[n * p];
        using (var plain = WithMaxRelief(null))
        {
            plain.Sample(raw, 3, 0, n, 1f);
            // Without max_relief only non-finite samples are redrawn.
            Assert.Equal(raw.Chunk(p).Count(c => double.IsPositiveInfinity(Relief(c))), plain.SamplePlausible(new float[n * p], 3, 0, n, 1f));
        }
        var reliefs = Enumerable.Range(0, n).Select(i => Relief(raw.AsSpan(i * p, p))).ToArray();
        double limitRelief = reliefs.Order().ElementAt(n * 9 / 10) / 2; // 2 x max_relief = the 90th percentile: ~10 % redrawn
        using var model = WithMaxRelief(limitRelief);
        Assert.Equal(limitRelief, model.Metadata.MaxRelief!.Value, 12);
        var got = new float[n * p];
        int redrawn = model.SamplePlausible(got, 3, 0, n, 1f);
        var over = Enumerable.Range(0, n).Where(i => reliefs[i] > 2 * limitRelief).ToArray();
        Assert.InRange(over.Length, n / 20, n / 5);
        Assert.Equal(over.Length, redrawn);
        for (int i = 0; i < n; i++)
        {
            var s = got.AsSpan(i * p, p);
            if (!over.Contains(i))
            {
                Assert.True(s.SequenceEqual(raw.AsSpan(i * p, p)), $"sample {i} changed");
                continue;
            }
            Assert.True(Relief(s) <= 2 * limitRelief, $"sample {i} still has relief {Relief(s)}");
            // It is the first of T/2, T/4, ... whose sample is plausible, drawn with the same seed and index.
            var again = new float[p];
            for (float t = 0.5f; ; t *= 0.5f)
            {
                model.Sample(again, 3, i, 1, t);
                if (Relief(again) <= 2 * limitRelief) break;
            }
            Assert.True(s.SequenceEqual(again), $"sample {i} is not the first plausible colder draw");
        }
        // Physical units: the limit scales with flowgen.scale, the same samples are redrawn.
        var phys = new float[n * p];
        Assert.Equal(redrawn, model.SamplePlausible(phys, 3, 0, n, 1f, SampleUnits.Physical));
    }

    [Fact]
    public void A_sample_implausible_even_at_temperature_zero_becomes_the_flat_mean_patch()
    {
        // A relief limit no draw can meet: every sample is redrawn down to temperature 0 and then replaced by the data's
        // mean (model units 0, physical flowgen.offset), deterministic and never left implausible.
        using var model = WithMaxRelief(1e-9);
        const int n = 5, p = 1024;
        var got = Enumerable.Repeat(float.NaN, n * p).ToArray();
        Assert.Equal(n, model.SamplePlausible(got, 3, 0, n, 1f));
        Assert.All(got, v => Assert.Equal(0f, v));
        var phys = new float[n * p];
        Assert.Equal(n, model.SamplePlausible(phys, 3, 0, n, 1f, SampleUnits.Physical));
        Assert.All(phys, v => Assert.Equal((float)model.Metadata.Offset, v));
    }
}

// The trainer's seeded random generator: SplitMix64 (Steele et al. 2014). Its whole state is one
// 64-bit integer, so checkpoints store it and --resume continues the exact same stream.
namespace FlowGen.Training.Data;

/// <summary>Deterministic 64-bit generator with uniform, integer and Gaussian draws.</summary>
public sealed class Rng
{
    /// <summary>Creates a generator for <paramref name="seed"/>; different seeds give unrelated streams.</summary>
    public Rng(ulong seed) => State = seed * 0x9E3779B97F4A7C15UL ^ 0xD1B54A32D192ED03UL;

    /// <summary>The full state (save it to resume the stream).</summary>
    public ulong State { get; set; }

    /// <summary>Next 64 random bits.</summary>
    public ulong NextUInt64()
    {
        ulong z = State += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Uniform in [0, 1) with 53 random bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform integer in [0, n) (Lemire's multiply-shift; bias below 2^-32 for n &lt; 2^32).</summary>
    public int NextInt(int n)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(n, 1);
        return (int)(((NextUInt64() >> 32) * (ulong)n) >> 32);
    }

    /// <summary>Standard normal (Box-Muller, one value per call).</summary>
    public double NextGaussian()
    {
        double u1 = 1.0 - NextDouble(), u2 = NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
    }
}

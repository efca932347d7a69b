// Counter-based random numbers for evaluation draws: value = hash(seed, stream, index), so every draw
// (crop position, dequantisation noise, baseline latent) is reproducible on its own and independent of
// order and thread count. SplitMix64's finaliser as the mixer (Steele et al. 2014); not System.Random.
namespace FlowGen.Training.Evaluation;

internal static class CounterRandom
{
    /// <summary>64 well-mixed bits for the key (seed, stream, index).</summary>
    public static ulong Hash(ulong seed, ulong stream, ulong index)
    {
        ulong z = Mix(seed ^ Mix(stream + 0x9E3779B97F4A7C15UL)) ^ index * 0xD1B54A32D192ED03UL;
        return Mix(z + 0x9E3779B97F4A7C15UL);
    }

    /// <summary>Uniform in [0, 1) with 53 random bits.</summary>
    public static double Uniform(ulong seed, ulong stream, ulong index) =>
        (Hash(seed, stream, index) >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform integer in [0, n) (multiply-shift; bias below 2^-32 for the n used here).</summary>
    public static int Below(ulong seed, ulong stream, ulong index, int n) =>
        (int)((Hash(seed, stream, index) >> 32) * (ulong)n >> 32);

    /// <summary>Standard normal by Box-Muller on two uniforms of the same key pair.</summary>
    public static double Normal(ulong seed, ulong stream, ulong index)
    {
        double u1 = 1.0 - Uniform(seed, stream, 2 * index);   // (0, 1]: log is finite
        double u2 = Uniform(seed, stream, 2 * index + 1);
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }

    private static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}

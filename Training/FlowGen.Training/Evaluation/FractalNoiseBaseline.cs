// The procedural baseline a terrain artist would otherwise reach for: fractional Brownian motion of
// 2-D gradient (Perlin) noise, sum_o gain^o * noise(f0 2^o x). Its gain (Hurst exponent H, gain = 2^-H)
// is fitted so the patches' spectral slope beta matches the training data's, and its amplitude so the
// RMS per-patch standard deviation matches. Samples only: fBm has no tractable density.
namespace FlowGen.Training.Evaluation;

public sealed class FractalNoiseBaseline
{
    /// <summary>Lowest octave: one cycle per two patch widths, so the largest features span the patch.</summary>
    private const double BaseCyclesPerPatch = 0.5;
    private const int FitPatches = 128;

    private FractalNoiseBaseline(int size, double gain, double amplitude)
    {
        Size = size;
        Gain = gain;
        Amplitude = amplitude;
        // Octaves from f0 up to the Nyquist frequency 0.5 cycles per pixel.
        Octaves = 1 + (int)Math.Floor(Math.Log2(0.5 * size / BaseCyclesPerPatch));
    }

    public int Size { get; }
    public double Gain { get; }
    public double Amplitude { get; }
    public int Octaves { get; }
    /// <summary>Hurst exponent of the fitted fBm: gain = 2^-H.</summary>
    public double Hurst => -Math.Log2(Gain);

    /// <summary>Fits gain and amplitude to square training patches (physical units).</summary>
    public static FractalNoiseBaseline Fit(PatchSet training)
    {
        ArgumentNullException.ThrowIfNull(training);
        if (training.Count == 0 || training.Height != training.Width) throw new ArgumentException("fBm fit needs square, non-empty patches");
        double targetBeta = RadialPowerSpectrum.Compute(training).Beta;
        double targetStd = RmsStd(training);
        int size = training.Height;

        // beta grows monotonically with H (amplitude does not change it): bisection on H in [-0.5, 2.5]
        // to about 1e-3, each trial on the same noise (fixed seed) so beta(H) is smooth.
        double lo = -0.5, hi = 2.5;
        for (int it = 0; it < 12; it++)
        {
            double mid = 0.5 * (lo + hi);
            var trial = new FractalNoiseBaseline(size, Math.Pow(2, -mid), 1.0);
            double beta = RadialPowerSpectrum.Compute(trial.Sample(FitPatches, seed: 0x5eed)).Beta;
            if (beta < targetBeta) lo = mid; else hi = mid;
        }
        var unit = new FractalNoiseBaseline(size, Math.Pow(2, -0.5 * (lo + hi)), 1.0);
        double std = RmsStd(unit.Sample(FitPatches, seed: 0x5eed));
        return new FractalNoiseBaseline(size, unit.Gain, targetStd / std);
    }

    /// <summary><paramref name="count"/> patches (physical units, zero mean on average) at random offsets.</summary>
    public PatchSet Sample(int count, ulong seed)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        int p = Size;
        var data = new float[count * p * p];
        double f0 = BaseCyclesPerPatch / p;
        for (int n = 0; n < count; n++)
        {
            // Offsets far apart in noise space so patches are independent.
            double ox = CounterRandom.Uniform(seed, 4, (ulong)n * 2) * 1e4;
            double oy = CounterRandom.Uniform(seed, 4, (ulong)n * 2 + 1) * 1e4;
            for (int y = 0; y < p; y++)
                for (int x = 0; x < p; x++)
                {
                    double v = 0, amp = 1, f = f0;
                    for (int o = 0; o < Octaves; o++)
                    {
                        v += amp * GradientNoise((x + ox) * f + 17.3 * o, (y + oy) * f - 31.7 * o, seed + (ulong)o);
                        amp *= Gain;
                        f *= 2;
                    }
                    data[(n * p + y) * p + x] = (float)(Amplitude * v);
                }
        }
        return new PatchSet(data, count, p, p);
    }

    /// <summary>2-D gradient noise (Perlin 2002 quintic fade) with unit gradients from a lattice hash.</summary>
    internal static double GradientNoise(double x, double y, ulong seed)
    {
        double fx = Math.Floor(x), fy = Math.Floor(y);
        long ix = (long)fx, iy = (long)fy;
        double tx = x - fx, ty = y - fy;
        double n00 = Corner(ix, iy, tx, ty, seed), n10 = Corner(ix + 1, iy, tx - 1, ty, seed);
        double n01 = Corner(ix, iy + 1, tx, ty - 1, seed), n11 = Corner(ix + 1, iy + 1, tx - 1, ty - 1, seed);
        double u = Fade(tx), v = Fade(ty);
        return (n00 + u * (n10 - n00)) + v * ((n01 + u * (n11 - n01)) - (n00 + u * (n10 - n00)));
    }

    // 32 unit gradients evenly spaced in angle; the lattice hash picks one (no trigonometry per corner).
    private static readonly double[] GradX = Enumerable.Range(0, 32).Select(i => Math.Cos(i * Math.PI / 16)).ToArray();
    private static readonly double[] GradY = Enumerable.Range(0, 32).Select(i => Math.Sin(i * Math.PI / 16)).ToArray();

    private static double Corner(long ix, long iy, double dx, double dy, ulong seed)
    {
        int g = (int)(CounterRandom.Hash(seed, 5, (ulong)ix * 0x9E3779B1UL ^ (ulong)iy * 0x85EBCA77C2B2AE63UL) >> 59);
        return GradX[g] * dx + GradY[g] * dy;
    }

    private static double Fade(double t) => t * t * t * (t * (t * 6 - 15) + 10);

    private static double RmsStd(PatchSet patches)
    {
        double total = 0;
        for (int i = 0; i < patches.Count; i++)
        {
            var z = patches.Patch(i);
            double mean = 0, m2 = 0;
            foreach (float v in z) mean += v;
            mean /= z.Length;
            foreach (float v in z) m2 += (v - mean) * (v - mean);
            total += m2 / z.Length;
        }
        return Math.Sqrt(total / patches.Count);
    }
}

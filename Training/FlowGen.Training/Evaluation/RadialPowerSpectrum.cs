// Radially averaged power spectrum of a set of patches: each patch has its least-squares plane removed
// (Perron et al. 2008: a regional tilt would otherwise leak into the lowest bins), is tapered
// by a 2-D Hann window (so non-periodic patch edges do not leak a k^-2 tail into every bin), goes
// through a 2-D DFT; |F|^2 is averaged over all patches and over log-spaced annuli of radial frequency
// from 1/size to 0.5 cycles per pixel. Also the fitted spectral slope beta of P(k) ~ k^-beta
// (least squares in log-log over the bins).
namespace FlowGen.Training.Evaluation;

public sealed class RadialPowerSpectrum
{
    /// <summary>Number of log-spaced frequency bins (two per octave for 32-pixel patches).</summary>
    public const int DefaultBins = 8;

    private RadialPowerSpectrum(double[] frequencies, double[] power)
    {
        Frequencies = frequencies;
        Power = power;
        Beta = FitBeta(frequencies, power);
    }

    /// <summary>Geometric centre of each bin (cycles per pixel).</summary>
    public IReadOnlyList<double> Frequencies { get; }

    /// <summary>Mean power in each bin (units of the patch values squared; comparable across sets of one size).</summary>
    public IReadOnlyList<double> Power { get; }

    /// <summary>Fitted slope: P(k) ~ k^-Beta.</summary>
    public double Beta { get; }

    /// <summary>Spectrum of all patches in <paramref name="patches"/>.</summary>
    public static RadialPowerSpectrum Compute(PatchSet patches, int bins = DefaultBins)
    {
        ArgumentNullException.ThrowIfNull(patches);
        if (patches.Count == 0) throw new ArgumentException("spectrum of an empty patch set");
        ArgumentOutOfRangeException.ThrowIfLessThan(bins, 2);
        return ComputeCore(patches, bins);
    }

    /// <summary>Mean squared natural-log ratio of two spectra's bin powers.</summary>
    public static double MeanSquaredLogRatio(RadialPowerSpectrum a, RadialPowerSpectrum b)
    {
        if (a.Power.Count != b.Power.Count) throw new ArgumentException("spectra have different bins");
        double sum = 0;
        for (int i = 0; i < a.Power.Count; i++)
        {
            double d = Math.Log(a.Power[i] / b.Power[i]);
            sum += d * d;
        }
        return sum / a.Power.Count;
    }

    private static RadialPowerSpectrum ComputeCore(PatchSet patches, int bins)
    {
        int h = patches.Height, w = patches.Width;
        double fMin = 1.0 / Math.Min(h, w), fMax = 0.5;
        double logStep = Math.Log(fMax / fMin) / bins;

        // Bin index of every DFT frequency (-1 = outside [fMin, fMax] or DC).
        var binOf = new int[h * w];
        for (int ky = 0; ky < h; ky++)
            for (int kx = 0; kx < w; kx++)
            {
                double fy = (ky <= h / 2 ? ky : ky - h) / (double)h;
                double fx = (kx <= w / 2 ? kx : kx - w) / (double)w;
                double f = Math.Sqrt(fx * fx + fy * fy);
                int b = f < fMin * (1 - 1e-9) || f > fMax * (1 + 1e-9) ? -1 : (int)(Math.Log(f / fMin) / logStep);
                binOf[ky * w + kx] = Math.Min(b, bins - 1);
            }

        var hannY = Hann(h);
        var hannX = Hann(w);
        var dftY = new Dft(h);
        var dftX = new Dft(w);
        var re = new double[h * w];
        var im = new double[h * w];
        var power = new double[bins];
        var counts = new long[bins];
        for (int n = 0; n < patches.Count; n++)
        {
            var p = patches.Patch(n);
            var (mean, gx, gy) = Plane(p, h, w);
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++)
                {
                    double detrended = p[y * w + x] - mean - gx * (x - 0.5 * (w - 1)) - gy * (y - 0.5 * (h - 1));
                    re[y * w + x] = detrended * hannY[y] * hannX[x];
                    im[y * w + x] = 0;
                }
            dftX.TransformRows(re, im, h);
            dftY.TransformColumns(re, im, w);
            for (int k = 0; k < binOf.Length; k++)
            {
                int b = binOf[k];
                if (b < 0) continue;
                power[b] += re[k] * re[k] + im[k] * im[k];
                counts[b]++;
            }
        }

        var freq = new double[bins];
        for (int b = 0; b < bins; b++)
        {
            freq[b] = fMin * Math.Exp((b + 0.5) * logStep);
            power[b] = counts[b] == 0 ? double.NaN : power[b] / counts[b];
        }
        return new RadialPowerSpectrum(freq, power);
    }

    // Least-squares plane z = mean + gx (x - xc) + gy (y - yc) (centred coordinates decouple the terms).
    private static (double Mean, double Gx, double Gy) Plane(ReadOnlySpan<float> p, int h, int w)
    {
        double xc = 0.5 * (w - 1), yc = 0.5 * (h - 1), mean = 0, sx = 0, sy = 0, sxx = 0, syy = 0;
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
            {
                double v = p[y * w + x];
                mean += v;
                sx += v * (x - xc);
                sy += v * (y - yc);
                sxx += (x - xc) * (x - xc);
                syy += (y - yc) * (y - yc);
            }
        return (mean / (h * w), sx / sxx, sy / syy);
    }

    private static double FitBeta(double[] f, double[] p)
    {
        double sx = 0, sy = 0, sxx = 0, sxy = 0;
        int n = 0;
        for (int i = 0; i < f.Length; i++)
        {
            if (!(p[i] > 0)) continue;
            double x = Math.Log(f[i]), y = Math.Log(p[i]);
            sx += x; sy += y; sxx += x * x; sxy += x * y; n++;
        }
        return n < 2 ? double.NaN : -(n * sxy - sx * sy) / (n * sxx - sx * sx);
    }

    // Periodic-free (symmetric) Hann taper: w(i) = sin^2(pi (i + 0.5) / n).
    private static double[] Hann(int n)
    {
        var w = new double[n];
        for (int i = 0; i < n; i++) w[i] = Math.Pow(Math.Sin(Math.PI * (i + 0.5) / n), 2);
        return w;
    }

    /// <summary>Direct O(n^2) DFT along one axis with a precomputed twiddle table (patches are small).</summary>
    private sealed class Dft
    {
        private readonly int _n;
        private readonly double[] _cos, _sin, _tre, _tim;

        public Dft(int n)
        {
            _n = n;
            _cos = new double[n];
            _sin = new double[n];
            for (int k = 0; k < n; k++)
            {
                _cos[k] = Math.Cos(2 * Math.PI * k / n);
                _sin[k] = -Math.Sin(2 * Math.PI * k / n);
            }
            _tre = new double[n];
            _tim = new double[n];
        }

        public void TransformRows(double[] re, double[] im, int rows)
        {
            for (int r = 0; r < rows; r++) Transform(re, im, r * _n, 1);
        }

        public void TransformColumns(double[] re, double[] im, int columns)
        {
            for (int c = 0; c < columns; c++) Transform(re, im, c, columns);
        }

        private void Transform(double[] re, double[] im, int start, int stride)
        {
            for (int k = 0; k < _n; k++)
            {
                double sr = 0, si = 0;
                for (int t = 0, idx = 0; t < _n; t++, idx += k)
                {
                    if (idx >= _n) idx -= _n;
                    double xr = re[start + t * stride], xi = im[start + t * stride];
                    sr += xr * _cos[idx] - xi * _sin[idx];
                    si += xr * _sin[idx] + xi * _cos[idx];
                }
                _tre[k] = sr;
                _tim[k] = si;
            }
            for (int k = 0; k < _n; k++)
            {
                re[start + k * stride] = _tre[k];
                im[start + k * stride] = _tim[k];
            }
        }
    }
}

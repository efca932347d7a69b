// Sample grid PNGs written during training: 4 rows of samples at a temperature, each patch upscaled
// 4x with a gap. Heightmaps are shown in gray over a symmetric range of ±3 model units (±3 sigma);
// textures in their own colours (x · sigma + 127.5). Detail models draw on held-out contexts and show
// context + residual.
using FlowGen.Runtime.Formats;
using FlowGen.Training.Autodiff;
using FlowGen.Training.Flows;

namespace FlowGen.Training.Data;

internal static class SampleGrid
{
    private const int Scale = 4, Gap = 4, Rows = 4;

    /// <summary>Draws <paramref name="count"/> samples from fixed latents and writes the grid to <paramref name="path"/>.</summary>
    public static void Write(string path, MultiScaleFlow<float> model, PatchDataset data, double temperature, int count, float[]? contexts = null)
    {
        var rng = new Rng(0x5A3D1E);
        int dims = model.Config.Dims;
        var z = new float[count * dims];
        for (int i = 0; i < z.Length; i++) z[i] = (float)(rng.NextGaussian() * temperature);
        int p0 = data.Patch, cc = data.ContextChannels;
        Tensor<float>? context = contexts is null ? null : new([count, cc, p0, p0], contexts.AsSpan(0, count * cc * p0 * p0).ToArray());
        var x = model.Decode(new Tensor<float>([count, dims], z), context).Data;
        if (context is not null) // the residual goes on the context's first channel (the upsampled coarse map)
            for (int s = 0; s < count; s++)
                for (int i = 0; i < p0 * p0; i++) x[s * p0 * p0 + i] += context.Data[s * cc * p0 * p0 + i];
        int c = data.Channels, p = data.Patch, cols = (count + Rows - 1) / Rows;
        int w = cols * p * Scale + (cols + 1) * Gap, h = Rows * p * Scale + (Rows + 1) * Gap;
        int oc = c == 1 ? 1 : 3;
        var img = new byte[w * h * oc];
        Array.Fill(img, (byte)255);
        for (int s = 0; s < count; s++)
        {
            int r0 = Gap + s / cols * (p * Scale + Gap), c0 = Gap + s % cols * (p * Scale + Gap);
            for (int i = 0; i < p * Scale; i++)
                for (int j = 0; j < p * Scale; j++)
                    for (int ch = 0; ch < oc; ch++)
                    {
                        float v = x[((s * c + Math.Min(ch, c - 1)) * p + i / Scale) * p + j / Scale];
                        double u = data.Kind == DataKind.Heightmap ? (v + 3) / 6 * 255 : v * data.Sigma + 127.5;
                        img[((r0 + i) * w + c0 + j) * oc + ch] = (byte)Math.Clamp(Math.Round(double.IsFinite(u) ? u : 0), 0, 255);
                    }
        }
        if (oc == 1) PngCodec.WriteGray8(path, w, h, img);
        else PngCodec.WriteRgb8(path, w, h, img);
    }
}

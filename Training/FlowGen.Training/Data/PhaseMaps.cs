// Where each pixel of a detail model's window sits on its context's F×F block grid, as the coupling networks of a
// FlowConfig.PhaseMaps model read it: map 0 is cos(2π(r − (F−1)/2)/F) of the pixel's row r counted from the grid (mod F),
// map 1 the same of its column. The upsampled context's knots are the block centres, (F−1)/2 past each block's first
// pixel: the maps peak there and bottom out half a block away, and they are symmetric about a block's centre, so a
// mirrored window's maps are the mirrored maps.
namespace FlowGen.Training.Data;

/// <summary>The phase maps a detail model with <see cref="Flows.FlowConfig.PhaseMaps"/> reads beside its context.</summary>
public static class PhaseMaps
{
    /// <summary>The map value of a pixel <paramref name="offset"/> pixels past the block grid (any integer) of
    /// <paramref name="factor"/>-pixel blocks.</summary>
    public static float Value(long offset, int factor)
    {
        if (factor < 1) throw new ArgumentOutOfRangeException(nameof(factor), factor, "The block size must be positive.");
        long k = ((offset % factor) + factor) % factor;
        return (float)Math.Cos(2 * Math.PI * (k - (factor - 1) / 2.0) / factor);
    }

    /// <summary>
    /// Writes the <see cref="Flows.FlowConfig.PhaseMapChannels"/> maps [2, size, size] of an untransformed window whose
    /// top-left pixel is <paramref name="rowPhase"/> rows and <paramref name="colPhase"/> columns past the block grid.
    /// </summary>
    public static void Write(Span<float> dst, int size, int factor, int rowPhase, int colPhase)
    {
        if (dst.Length < Flows.FlowConfig.PhaseMapChannels * size * size)
            throw new ArgumentException($"Phase maps of a {size}x{size} window need {Flows.FlowConfig.PhaseMapChannels * size * size} floats, not {dst.Length}.", nameof(dst));
        for (int i = 0; i < size; i++)
        {
            float row = Value(rowPhase + i, factor);
            for (int j = 0; j < size; j++)
            {
                dst[i * size + j] = row;
                dst[size * size + i * size + j] = Value(colPhase + j, factor);
            }
        }
    }
}

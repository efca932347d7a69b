// The latent layout of FlowGen's multi-scale flows (Glow / RealNVP / NSF, DESIGN.md's model contract): each of the L
// levels squeezes 2x2 (channels x4, size /2) and all but the last factor out the second half of the channels as z_l;
// z = concat(z_0, …, z_{L-1}), each flattened in (c, h, w) order, so z_0 (the finest detail) comes first.
namespace FlowGen.Runtime;

/// <summary>Where each level's latents lie in a multi-scale flow's z.</summary>
public static class LatentLayout
{
    /// <summary>Shapes (C, H, W) of z_0 … z_{L-1}, finest first, for <paramref name="channels"/>-channel square patches.</summary>
    public static IReadOnlyList<(int C, int H, int W)> LevelShapes(int channels, int size, int levels)
    {
        if (channels < 1 || levels < 1 || size < 2 || size % (1 << Math.Min(levels, 30)) != 0)
            throw new ArgumentException($"no multi-scale layout for {channels} channels, size {size}, {levels} levels (size must divide by 2^levels)");
        var shapes = new (int C, int H, int W)[levels];
        int c = channels, s = size;
        for (int l = 0; l < levels; l++)
        {
            c *= 4;
            s /= 2;
            shapes[l] = l < levels - 1 ? (c - c / 2, s, s) : (c, s, s);
            c /= 2;
        }
        return shapes;
    }

    /// <summary>Element counts of z_0 … z_{L-1} (see <see cref="LevelShapes"/>).</summary>
    public static int[] LevelLengths(int channels, int size, int levels) =>
        LevelShapes(channels, size, levels).Select(s => s.C * s.H * s.W).ToArray();
}

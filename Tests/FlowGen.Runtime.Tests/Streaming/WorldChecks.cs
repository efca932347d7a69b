// The order-independence checks every multi-scale world must pass: a pixel's value does not depend on the rectangle
// that asks for it, and chunks streamed in random orders, serially or from several threads, come out bit for bit
// the same.
using FlowGen.Runtime.Streaming;

namespace FlowGen.Runtime.Tests.Streaming;

internal static class WorldChecks
{
    private static int Bits(float v) => BitConverter.SingleToInt32Bits(v);

    /// <summary>An 80x70 rectangle at (-37, 1000) at each level of detail against <paramref name="parts"/> random
    /// sub-rectangles of it; <paramref name="inspect"/> sees each whole rectangle first.</summary>
    public static void RectangleIndependent(IWorldSource world, int[] lods, int parts, Action<float[]>? inspect = null)
    {
        foreach (int lod in lods)
        {
            var big = new float[80 * 70];
            world.Fill(-37, 1000, 80, 70, lod, big, default);
            inspect?.Invoke(big);
            var rng = new Random(5 + lod);
            for (int t = 0; t < parts; t++)
            {
                int x = rng.Next(0, 80), y = rng.Next(0, 70), w = rng.Next(1, 80 - x + 1), h = rng.Next(1, 70 - y + 1);
                var part = new float[w * h];
                world.Fill(-37 + x, 1000 + y, w, h, lod, part, default);
                for (int r = 0; r < h; r++)
                    for (int c = 0; c < w; c++)
                        Assert.Equal(Bits(big[(y + r) * 80 + x + c]), Bits(part[r * w + c]));
            }
        }
    }

    /// <summary><paramref name="count"/> random rectangles (sides below <paramref name="maxSide"/>, corners within ±<paramref name="extent"/>,
    /// every <paramref name="coarseEvery"/>th at level of detail 2) come out of <paramref name="cached"/> bit for bit as out of
    /// <paramref name="plain"/>, the same world without patch caches.</summary>
    public static void SameAsUncached(IWorldSource plain, IWorldSource cached, int seed, int count, int extent, int maxSide, int coarseEvery)
    {
        var rng = new Random(seed);
        for (int t = 0; t < count; t++)
        {
            int lod = t % coarseEvery == 0 ? 2 : 0, w = rng.Next(1, maxSide), h = rng.Next(1, maxSide);
            long x = rng.Next(-extent, extent), y = rng.Next(-extent, extent);
            var a = new float[w * h];
            var b = new float[w * h];
            plain.Fill(x, y, w, h, lod, a, default);
            cached.Fill(x, y, w, h, lod, b, default);
            Assert.Equal(a.Select(Bits), b.Select(Bits));
        }
    }

    /// <summary>Streams <paramref name="coords"/> (48-px chunks) from a fresh world per run, first in one order serially,
    /// then in the shuffled orders of <paramref name="runs"/> (seed, from several threads or not), and compares bitwise.</summary>
    public static async Task ChunksOrderIndependent(Func<IWorldSource> newWorld, ChunkCoord[] coords, (int Seed, bool Parallel)[] runs)
    {
        async Task<Dictionary<ChunkCoord, float[]>> Run(int seed, bool parallel)
        {
            using var streamer = new ChunkStreamer(newWorld(), new ChunkStreamerOptions { ChunkSize = 48, MaxConcurrentGenerations = 3 });
            var order = coords.ToArray();
            new Random(seed).Shuffle(order);
            var result = new Dictionary<ChunkCoord, float[]>();
            if (parallel)
            {
                var chunks = await Task.WhenAll(order.Select(c => Task.Run(() => streamer.RequestAsync(c))));
                foreach (var c in chunks) result[c.Coord] = c.Values.ToArray();
            }
            else
                foreach (var c in order) result[c] = (await streamer.RequestAsync(c)).Values.ToArray();
            return result;
        }
        var first = await Run(1, false);
        foreach (var (seed, parallel) in runs)
        {
            var again = await Run(seed, parallel);
            foreach (var c in coords) Assert.Equal(first[c].Select(Bits), again[c].Select(Bits));
        }
    }
}

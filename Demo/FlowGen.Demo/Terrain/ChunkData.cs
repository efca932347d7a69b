// A generated chunk on its way from a worker thread to the GPU: vertex data plus what the overlay reports.
using FlowGen.Runtime.Streaming;

namespace FlowGen.Demo.Terrain;

internal sealed class ChunkData
{
    public required ChunkKey Key { get; init; }
    /// <summary>The world generation this chunk belongs to (bumped by reroll / temperature change).</summary>
    public required int Epoch { get; init; }
    public required float[] Vertices { get; init; }
    public required float MinHeight { get; init; }
    public required float MaxHeight { get; init; }
    public required double GenerationMs { get; init; }

    /// <summary>Pixels a chunk's mesh reads on each side: [-1, Pixels+1] (the last row is shared with the neighbour,
    /// one more for the normals).</summary>
    public static int Apron => 2;

    /// <summary>Generates chunk <paramref name="key"/> of <paramref name="world"/> directly (no cache).</summary>
    public static ChunkData Generate(IWorldSource world, ChunkLayout layout, ChunkKey key, int epoch)
    {
        long start = System.Diagnostics.Stopwatch.GetTimestamp();
        int full = layout.Pixels + 3;
        var pixels = new float[full * full];
        world.Fill((long)key.X * layout.Pixels - 1, (long)key.Y * layout.Pixels - 1, full, full, 0, pixels, CancellationToken.None);
        return Build(pixels, full, layout, key, epoch, start);
    }

    /// <summary>The mesh of a chunk the runtime's <see cref="ChunkStreamer"/> delivered (ChunkSize = layout.Pixels,
    /// Border = <see cref="Apron"/>); <paramref name="start"/> is when it was requested.</summary>
    public static ChunkData FromHeights(HeightChunk heights, ChunkLayout layout, ChunkKey key, int epoch, long start)
    {
        if (heights.Size != layout.Pixels || heights.Border < Apron)
            throw new ArgumentException($"chunk of {heights.Size} px with a {heights.Border}-px apron; the layout needs {layout.Pixels} px and {Apron}", nameof(heights));
        int full = layout.Pixels + 3, skip = heights.Border - 1;
        var pixels = new float[full * full];
        for (int y = 0; y < full; y++)
            heights.Values.Slice((y + skip) * heights.Stride + skip, full).CopyTo(pixels.AsSpan(y * full, full));
        return Build(pixels, full, layout, key, epoch, start);
    }

    // pixels: (Pixels+3)² heights from pixel (-1, -1) of the chunk.
    private static ChunkData Build(float[] pixels, int full, ChunkLayout layout, ChunkKey key, int epoch, long start)
    {
        int n = layout.VerticesPerSide, step = layout.MeshStep;
        // Subsample to the mesh grid (plus border) when the mesh is coarser than the heightmap.
        float[] heights = pixels;
        if (step > 1)
        {
            heights = new float[(n + 2) * (n + 2)];
            for (int j = 0; j < n + 2; j++)
            for (int i = 0; i < n + 2; i++)
            {
                int sx = Math.Clamp(1 + (i - 1) * step, 0, full - 1), sy = Math.Clamp(1 + (j - 1) * step, 0, full - 1);
                heights[j * (n + 2) + i] = pixels[sy * full + sx];
            }
        }
        var vertices = new float[n * n * ChunkMesh.VertexFloats];
        ChunkMesh.Build(heights, n, layout.PixelSizeM * step, vertices);
        float min = float.MaxValue, max = float.MinValue;
        for (int k = 1; k < vertices.Length; k += ChunkMesh.VertexFloats)
        {
            min = Math.Min(min, vertices[k]);
            max = Math.Max(max, vertices[k]);
        }
        return new ChunkData
        {
            Key = key, Epoch = epoch, Vertices = vertices, MinHeight = min, MaxHeight = max,
            GenerationMs = System.Diagnostics.Stopwatch.GetElapsedTime(start).TotalMilliseconds,
        };
    }
}

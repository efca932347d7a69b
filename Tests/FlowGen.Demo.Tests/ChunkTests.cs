// Chunk meshes and streaming: normals and winding of the mesh builder on analytic heightfields, and with
// the reference flow: a chunk is the same whatever order chunks are generated in, neighbours share their
// border vertices exactly, and the streamer delivers every wanted chunk once and drops a replaced world's.
using System.Numerics;
using FlowGen.Demo.Terrain;

namespace FlowGen.Demo.Tests;

public class ChunkTests
{
    [Fact]
    public void MeshOfAnInclinedPlaneHasItsNormalAndHeights()
    {
        const int n = 9;
        const float spacing = 90f, slopeX = 0.5f, slopeZ = -0.25f;
        var heights = new float[(n + 2) * (n + 2)];
        for (int j = 0; j < n + 2; j++)
        for (int i = 0; i < n + 2; i++)
            heights[j * (n + 2) + i] = 100f + slopeX * (i - 1) * spacing + slopeZ * (j - 1) * spacing;
        var vertices = new float[n * n * ChunkMesh.VertexFloats];
        ChunkMesh.Build(heights, n, spacing, vertices);
        var expected = Vector3.Normalize(new Vector3(-slopeX, 1, -slopeZ));
        for (int k = 0; k < n * n; k++)
        {
            var v = vertices.AsSpan(k * ChunkMesh.VertexFloats, ChunkMesh.VertexFloats);
            int i = k % n, j = k / n;
            Assert.Equal(i * spacing, v[0], 3);
            Assert.Equal(100f + slopeX * i * spacing + slopeZ * j * spacing, v[1], 2);
            Assert.Equal(j * spacing, v[2], 3);
            Assert.True(Vector3.Distance(expected, new Vector3(v[3], v[4], v[5])) < 1e-5f, $"normal at {i},{j}");
        }
    }

    [Fact]
    public void GridTrianglesAreCounterClockwiseFromAboveAndCoverEveryQuad()
    {
        const int n = 5;
        var indices = ChunkMesh.GridIndices(n);
        Assert.Equal((n - 1) * (n - 1) * 2 * 3, indices.Length);
        Assert.Equal(n * n - 1, (int)indices.Max());
        for (int t = 0; t < indices.Length; t += 3)
        {
            // Position of vertex k seen from above: x = k % n east, z = k / n south; math y = -z.
            Vector2 P(uint k) => new(k % n, -(float)(k / n));
            Vector2 a = P(indices[t]), b = P(indices[t + 1]), c = P(indices[t + 2]);
            float cross = (b.X - a.X) * (c.Y - a.Y) - (b.Y - a.Y) * (c.X - a.X);
            Assert.True(cross > 0, $"triangle {t / 3} is not counter-clockwise from above");
        }
    }

    private static ChunkLayout Layout(FlowTerrainModel model) => new(model.PatchSize * 3, (float)model.PixelSizeMetres, meshStep: 1);

    [Fact]
    public void ChunkIsTheSameWhateverTheOrderAndNeighboursShareTheirBorder()
    {
        using var model = TerrainModels.Open(HeadlessRenderTests.FixtureModel);
        var layout = Layout(model);
        var worldA = new FlowGen.Runtime.Streaming.LatticeWorld(model.Sampler(0.7f), 42);
        var worldB = new FlowGen.Runtime.Streaming.LatticeWorld(model.Sampler(0.7f), 42);
        var first = ChunkData.Generate(worldA, layout, new ChunkKey(-1, 2), 0);
        var east = ChunkData.Generate(worldA, layout, new ChunkKey(0, 2), 0);
        _ = ChunkData.Generate(worldB, layout, new ChunkKey(5, 5), 0); // a different history
        var again = ChunkData.Generate(worldB, layout, new ChunkKey(-1, 2), 0);
        Assert.True(first.Vertices.AsSpan().SequenceEqual(again.Vertices), "chunk (-1,2) depends on generation order");

        int n = layout.VerticesPerSide, f = ChunkMesh.VertexFloats;
        for (int j = 0; j < n; j++)
        {
            int lastOfWest = (j * n + n - 1) * f, firstOfEast = j * n * f;
            Assert.Equal(first.Vertices[lastOfWest + 1], east.Vertices[firstOfEast + 1]);                           // height
            for (int c = 3; c < 6; c++) Assert.Equal(first.Vertices[lastOfWest + c], east.Vertices[firstOfEast + c], 5); // normal
        }
        Assert.True(first.MaxHeight - first.MinHeight > 10, "a flat chunk: the flow produced no relief");

        var otherSeed = ChunkData.Generate(new FlowGen.Runtime.Streaming.LatticeWorld(model.Sampler(0.7f), 43), layout, new ChunkKey(-1, 2), 0);
        Assert.False(first.Vertices.AsSpan().SequenceEqual(otherSeed.Vertices), "seeds 42 and 43 gave the same chunk");
    }

    [Fact]
    public void StreamerDeliversEachWantedChunkOnceAndDropsAReplacedWorld()
    {
        using var model = TerrainModels.Open(HeadlessRenderTests.FixtureModel);
        var layout = new ChunkLayout(model.PatchSize * 3, (float)model.PixelSizeMetres, meshStep: 4);
        using var streamer = new TerrainStreamer(new FlowGen.Runtime.Streaming.LatticeWorld(model.Sampler(0.7f), 1), layout, workerCount: 2);
        var wanted = new List<ChunkKey> { new(0, 0), new(1, 0), new(0, 1), new(-1, -1) };
        streamer.Want(wanted);
        streamer.WaitIdle();
        streamer.Want(wanted); // asking again for finished, untaken chunks must not regenerate them
        var got = new List<ChunkKey>();
        while (streamer.TryTake(out var chunk)) got.Add(chunk.Key);
        Assert.Equal(wanted.OrderBy(k => k.X).ThenBy(k => k.Y), got.OrderBy(k => k.X).ThenBy(k => k.Y));
        Assert.Equal(4, streamer.ChunksGenerated);

        // A chunk wanted again after it was taken (evicted from the GPU, flown back to) is meshed from the runtime
        // streamer's cached heights, identical to a direct generation.
        streamer.Want([new(1, 0)]);
        streamer.WaitIdle();
        Assert.True(streamer.TryTake(out var again));
        Assert.Equal(1, streamer.CacheHits);
        Assert.True(again.Vertices.AsSpan().SequenceEqual(ChunkData.Generate(new FlowGen.Runtime.Streaming.LatticeWorld(model.Sampler(0.7f), 1), layout, new ChunkKey(1, 0), 0).Vertices));

        // Replace the world while (3,3) of the old one may be in flight: only the new world's (3,3) comes out.
        streamer.Want([new(3, 3)]);
        var world2 = new FlowGen.Runtime.Streaming.LatticeWorld(model.Sampler(0.7f), 2);
        streamer.SetWorld(world2);
        streamer.Want([new(3, 3)]);
        streamer.WaitIdle();
        Assert.True(streamer.TryTake(out var fresh));
        Assert.Equal(1, fresh.Epoch);
        Assert.True(fresh.Vertices.AsSpan().SequenceEqual(ChunkData.Generate(world2, layout, new ChunkKey(3, 3), 1).Vertices));
        Assert.False(streamer.TryTake(out _));
    }
}

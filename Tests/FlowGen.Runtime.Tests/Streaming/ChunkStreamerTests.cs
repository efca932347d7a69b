using FlowGen.Runtime.Streaming;

namespace FlowGen.Runtime.Tests.Streaming;

public class ChunkStreamerTests
{
    private static readonly ChunkStreamerOptions Small = new() { ChunkSize = 64, MemoryBudgetBytes = 64 * 64 * 4 * 8, MaxConcurrentGenerations = 2 };

    [Fact]
    public async Task Chunks_are_bitwise_identical_whatever_the_order_and_threads()
    {
        var coords = new List<ChunkCoord>();
        for (int y = -2; y <= 2; y++)
            for (int x = -2; x <= 2; x++)
                coords.Add(new ChunkCoord(x, y));
        Dictionary<ChunkCoord, float[]>? first = null;
        for (int trial = 0; trial < 4; trial++)
        {
            var order = coords.OrderBy(_ => Random.Shared.Next()).ToArray();
            using var streamer = new ChunkStreamer(new LatticeWorld(new HashPatchSampler(), 99), Small);
            var chunks = await Task.WhenAll(order.Select(c => Task.Run(() => streamer.RequestAsync(c))));
            var got = chunks.ToDictionary(c => c.Coord, c => c.Values.ToArray());
            if (first is null) first = got;
            else
                foreach (var (coord, values) in got)
                    Assert.Equal(first[coord], values);
        }
    }

    [Fact]
    public async Task A_chunk_apron_holds_exactly_its_neighbours_values()
    {
        var world = new LatticeWorld(new HashPatchSampler(), 5);
        using var plain = new ChunkStreamer(world, Small);
        using var bordered = new ChunkStreamer(world, Small with { Border = 2 });
        var centre = await bordered.RequestAsync(new ChunkCoord(0, 0));
        Assert.Equal((64, 2, 68), (centre.Size, centre.Border, centre.Stride));
        Assert.Equal(68 * 68, centre.Values.Length);
        var self = await plain.RequestAsync(new ChunkCoord(0, 0));
        var right = await plain.RequestAsync(new ChunkCoord(1, 0));
        var above = await plain.RequestAsync(new ChunkCoord(0, -1));
        var diagonal = await plain.RequestAsync(new ChunkCoord(-1, -1));
        for (int y = 0; y < 64; y++)
            for (int x = 0; x < 64; x++)
                Assert.Equal(self.Values[y * 64 + x], centre.At(x, y));
        for (int y = 0; y < 64; y++)
            for (int b = 0; b < 2; b++)
                Assert.Equal(right.Values[y * 64 + b], centre.At(64 + b, y));
        for (int x = 0; x < 64; x++)
            Assert.Equal(above.Values[63 * 64 + x], centre.At(x, -1));
        Assert.Equal(diagonal.Values[62 * 64 + 62], centre.At(-2, -2));
        Assert.Throws<ArgumentOutOfRangeException>(() => centre.At(66, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => self.At(-1, 0));
    }

    [Fact]
    public async Task Neighbouring_chunks_continue_each_other()
    {
        var world = new LatticeWorld(new HashPatchSampler(), 3);
        using var streamer = new ChunkStreamer(world, Small);
        var left = await streamer.RequestAsync(new ChunkCoord(0, 0));
        var right = await streamer.RequestAsync(new ChunkCoord(1, 0));
        var strip = new float[128 * 64];
        world.Fill(0, 0, 128, 64, 0, strip, default);
        for (int y = 0; y < 64; y++)
        {
            Assert.Equal(strip.AsSpan(y * 128, 64).ToArray(), left.Values.Slice(y * 64, 64).ToArray());
            Assert.Equal(strip.AsSpan(y * 128 + 64, 64).ToArray(), right.Values.Slice(y * 64, 64).ToArray());
        }
    }

    [Fact]
    public async Task The_cache_stays_within_its_budget_and_serves_repeats()
    {
        var sampler = new HashPatchSampler();
        using var streamer = new ChunkStreamer(new LatticeWorld(sampler, 1), Small);
        for (int x = 0; x < 20; x++) await streamer.RequestAsync(new ChunkCoord(x, 0));
        var stats = streamer.Stats;
        Assert.True(stats.CachedBytes <= Small.MemoryBudgetBytes);
        Assert.Equal(8, stats.CachedChunks);
        int calls = sampler.Calls;
        var again = await streamer.RequestAsync(new ChunkCoord(19, 0));
        Assert.Equal(calls, sampler.Calls);
        Assert.True(streamer.TryGetCached(new ChunkCoord(19, 0), out var cached));
        Assert.Same(again, cached);
        Assert.False(streamer.TryGetCached(new ChunkCoord(0, 0), out _));
    }

    [Fact]
    public async Task Concurrent_requests_for_one_chunk_share_one_generation()
    {
        var sampler = new HashPatchSampler(delayMs: 5);
        using var streamer = new ChunkStreamer(new LatticeWorld(sampler, 1), Small);
        var tasks = Enumerable.Range(0, 8).Select(_ => streamer.RequestAsync(new ChunkCoord(4, 4))).ToArray();
        var chunks = await Task.WhenAll(tasks);
        Assert.All(chunks, c => Assert.Same(chunks[0], c));
        Assert.Equal(1, streamer.Stats.Generated);
    }

    [Fact]
    public async Task Cancelling_mid_chunk_stops_the_generation_and_caches_nothing()
    {
        using var gate = new ManualResetEventSlim(false);
        var sampler = new HashPatchSampler(gate: gate);    // the first lattice row (of 5) blocks until the gate opens
        using var streamer = new ChunkStreamer(new LatticeWorld(sampler, 1), Small);
        using var cts = new CancellationTokenSource();
        var task = streamer.RequestAsync(new ChunkCoord(0, 0), cts.Token);
        Assert.True(sampler.Started.Wait(TimeSpan.FromSeconds(30)));
        cts.Cancel();
        gate.Set();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => task);
        for (int i = 0; i < 100 && streamer.Stats.InFlight > 0; i++) await Task.Delay(20);
        Assert.Equal(0, streamer.Stats.InFlight);
        await Task.Delay(200);                                // an uncancelled generation would finish all 5 rows by now
        Assert.InRange(sampler.Calls, 1, 2);                  // it stopped at the next row boundary
        Assert.Equal(0, streamer.Stats.Generated);
        Assert.False(streamer.TryGetCached(new ChunkCoord(0, 0), out _));
        var chunk = await streamer.RequestAsync(new ChunkCoord(0, 0)); // and a new request starts afresh
        Assert.Equal(64 * 64, chunk.Values.Length);
    }

    [Fact]
    public void Bad_settings_and_coordinates_are_refused()
    {
        var world = new LatticeWorld(new HashPatchSampler(), 1);
        Assert.Throws<ArgumentOutOfRangeException>(() => new ChunkStreamer(world, new ChunkStreamerOptions { ChunkSize = 8 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ChunkStreamer(world, new ChunkStreamerOptions { MemoryBudgetBytes = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ChunkStreamer(world, new ChunkStreamerOptions { MaxConcurrentGenerations = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ChunkStreamer(world, new ChunkStreamerOptions { Border = -1 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ChunkStreamer(world, new ChunkStreamerOptions { Border = 65 }));
        using var streamer = new ChunkStreamer(world, Small);
        Assert.Throws<ArgumentOutOfRangeException>(() => { _ = streamer.RequestAsync(new ChunkCoord(long.MaxValue, 0)); });
        Assert.Throws<ArgumentOutOfRangeException>(() => { _ = streamer.RequestAsync(new ChunkCoord(0, 0, Lod: 1)); });
    }

    [Fact]
    public async Task Coordinates_past_the_world_limit_fail_with_a_clear_error()
    {
        var world = new LatticeWorld(new HashPatchSampler(), 1);
        using var streamer = new ChunkStreamer(world, Small);
        long beyond = world.CoordinateLimit / 64 + 1;
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => streamer.RequestAsync(new ChunkCoord(beyond, 0)));
        Assert.Equal(0, streamer.Stats.InFlight);
    }
}

// The demo's world state between the terrain source and the renderer: the seed and temperature (keys
// change them), the chunks wanted around the camera, uploads within the per-frame budget, eviction of
// far chunks, and the numbers the title bar / --bench report.
using System.Diagnostics;
using System.Numerics;
using FlowGen.Demo.Render;
using FlowGen.Demo.Terrain;
using FlowGen.Runtime.Streaming;

namespace FlowGen.Demo.App;

internal sealed class DemoWorld : IDisposable
{
    /// <summary>Chunk edge in patch sizes: 3 x 32 px = 96 px = 8.6 km with the reference model's 90 m pixels.</summary>
    private const int PatchesPerChunk = 3;

    private readonly ITerrainModel _model;
    private readonly int _levels;
    private readonly TerrainStreamer _streamer;
    private readonly int _viewRadius;
    private readonly List<ChunkKey> _wanted = [];
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private long _uploadedAtLastRate;
    private double _lastRateTime;

    private readonly DemTerrain? _dem;

    /// <summary>The viewer's world of <paramref name="model"/>; with <paramref name="demPath"/> (--dem) a real DEM under its detail model.</summary>
    public DemoWorld(ITerrainModel model, ulong seed, float temperature, int viewRadius, int meshStep, int workers, int levels = PyramidWorld.DefaultLevels,
        string? demPath = null)
    {
        _model = model;
        if (demPath is not null)
            _dem = DemTerrain.Load(demPath, model.DetailSampler()
                ?? throw new FlowGen.Runtime.FlowGenException("--dem draws its detail with a detail model: leave --detail out (the bundled pair) or give one", demPath));
        _levels = levels;
        Seed = seed;
        Temperature = temperature;
        _viewRadius = viewRadius;
        Layout = new ChunkLayout(model.PatchSize * PatchesPerChunk, (float)model.PixelSizeMetres, meshStep);
        _streamer = new TerrainStreamer(NewWorld(), Layout, workers);
    }

    public ChunkLayout Layout { get; }
    public ulong Seed { get; private set; }
    public float Temperature { get; private set; }
    public long ChunksUploaded { get; private set; }
    public double MeanGenerationMs => _streamer.MeanGenerationMs;
    public int Pending => _streamer.Pending;
    /// <summary>Chunks uploaded per second since the world was created.</summary>
    public double MeanChunksPerSecond => ChunksUploaded / Math.Max(_clock.Elapsed.TotalSeconds, 1e-9);
    /// <summary>Chunks uploaded per second, over the last second or so.</summary>
    public double ChunksPerSecond { get; private set; }
    /// <summary>Distance at which terrain fades into the sky: the edge of the loaded square.</summary>
    public float ViewDistanceM => Math.Max(1, _viewRadius) * Layout.SizeM;

    /// <summary>The seamless multi-scale world of the current seed and temperature: the same seed always gives the same
    /// terrain at the same place, whatever order chunks are generated in (the multi-scale worlds' guarantee): the detail
    /// model's ConditionalPyramidWorld when there is one (over the --dem DEM when given), else the one model's PyramidWorld.</summary>
    public IWorldSource NewWorld() => _model.DetailSampler() is { } detail
        ? _dem is not null ? _dem.World(detail, Seed) : ConditionalPyramidWorld.Create(_model.Sampler(Temperature), detail, Seed, Math.Max(2, _levels))
        : new PyramidWorld(_model.Sampler(Temperature), Seed, _levels);

    /// <summary>
    /// Ground height under (<paramref name="xM"/>, <paramref name="zM"/>) and a colour ramp for the heights in view: the
    /// range of the world's large-scale relief over the loaded square (a coarse level of detail, cheap), widened by the
    /// patch-scale relief. The camera starts its altitude above that ground.
    /// </summary>
    public (float Ground, Vector2 Ramp) Survey(float xM, float zM)
    {
        var world = NewWorld();
        float px = Layout.PixelSizeM, sigma = _model.HeightScaleM;
        long x = (long)MathF.Floor(xM / px), y = (long)MathF.Floor(zM / px);
        Span<float> ground = stackalloc float[1];
        world.Fill(x, y, 1, 1, 0, ground, CancellationToken.None);
        int lod = Math.Min(5, world.MaxLod), cell = 1 << lod;
        int half = (int)Math.Ceiling(ViewDistanceM / px / cell) + 1, n = 2 * half;
        var coarse = new float[n * n];
        world.Fill(LatticeWorld.FloorDiv(x, cell) - half, LatticeWorld.FloorDiv(y, cell) - half, n, n, lod, coarse, CancellationToken.None);
        float lo = Math.Min(coarse.Min(), ground[0]), hi = Math.Max(coarse.Max(), ground[0]);
        return (ground[0], new Vector2(lo - 2f * sigma, hi + 2.5f * sigma));
    }

    /// <summary>Next world seed (R key).</summary>
    public void Reroll()
    {
        Seed++;
        _streamer.SetWorld(NewWorld());
    }

    /// <summary>Temperature up/down (+/- keys), clamped to [0.05, 2].</summary>
    public void AdjustTemperature(float delta)
    {
        Temperature = Math.Clamp(MathF.Round((Temperature + delta) * 100) / 100, 0.05f, 2f);
        _streamer.SetWorld(NewWorld());
    }

    /// <summary>Requests the chunks around <paramref name="camera"/>, evicts far ones, and uploads finished
    /// chunks until <paramref name="budgetMs"/> is spent (at least one per call, so loading always progresses).
    /// A new epoch (reroll / temperature) replaces resident chunks as their new versions arrive.</summary>
    public void Update(Camera camera, TerrainRenderer renderer, double budgetMs)
    {
        var eye = camera.Eye;
        var centre = Layout.KeyAt(eye.X, eye.Z);
        int epoch = _streamer.Epoch;
        if (epoch != _residentEpoch)
        {
            _stale.UnionWith(renderer.Resident);
            _residentEpoch = epoch;
        }
        _wanted.Clear();
        for (int dy = -_viewRadius; dy <= _viewRadius; dy++)
        for (int dx = -_viewRadius; dx <= _viewRadius; dx++)
        {
            var key = new ChunkKey(centre.X + dx, centre.Y + dy);
            if (!renderer.IsResident(key) || _stale.Contains(key)) _wanted.Add(key);
        }
        _wanted.Sort((a, b) => Distance2(a, centre).CompareTo(Distance2(b, centre)));
        _streamer.Want(_wanted);
        // Keep a one-chunk margin (hysteresis) so chunks do not flicker in and out at the boundary.
        int keep = _viewRadius + 1;
        renderer.Evict(k => Math.Abs(k.X - centre.X) > keep || Math.Abs(k.Y - centre.Y) > keep);
        _stale.RemoveWhere(k => !renderer.IsResident(k));

        long start = Stopwatch.GetTimestamp();
        while (_streamer.TryTake(out var chunk))
        {
            renderer.Upload(chunk);
            _stale.Remove(chunk.Key);
            ChunksUploaded++;
            if (Stopwatch.GetElapsedTime(start).TotalMilliseconds >= budgetMs) break;
        }
        double now = _clock.Elapsed.TotalSeconds;
        if (now - _lastRateTime >= 1.0)
        {
            ChunksPerSecond = (ChunksUploaded - _uploadedAtLastRate) / (now - _lastRateTime);
            _uploadedAtLastRate = ChunksUploaded;
            _lastRateTime = now;
        }
    }

    /// <summary>Blocks until every chunk in view is generated and uploaded (headless screenshots).</summary>
    public void Complete(Camera camera, TerrainRenderer renderer)
    {
        while (true)
        {
            Update(camera, renderer, double.MaxValue);
            if (_wanted.Count == 0) return;
            _streamer.WaitIdle();
            Update(camera, renderer, double.MaxValue);
            if (_wanted.TrueForAll(k => renderer.IsResident(k) && !_stale.Contains(k))) return;
        }
    }

    private readonly HashSet<ChunkKey> _stale = [];
    private int _residentEpoch;

    private static int Distance2(ChunkKey a, ChunkKey b) => (a.X - b.X) * (a.X - b.X) + (a.Y - b.Y) * (a.Y - b.Y);

    public void Dispose() => _streamer.Dispose();
}

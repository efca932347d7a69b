// Meshes chunks on worker threads, nearest first. The render loop says each frame which chunks it
// wants (Want), takes finished chunks (TryTake) and uploads them within its own time budget; generation
// itself never runs on the render thread. Heights come from the runtime's ChunkStreamer (the engine-facing
// streaming API: de-duplicated, cached within a memory budget, so a chunk flown back to is not generated
// again). A new world (reroll, temperature) bumps the epoch: queued work is dropped, results of the old
// world are discarded, and its streamer is disposed once its last in-flight chunk is done.
using System.Collections.Concurrent;
using FlowGen.Runtime;
using FlowGen.Runtime.Streaming;

namespace FlowGen.Demo.Terrain;

internal sealed class TerrainStreamer : IDisposable
{
    private readonly ChunkLayout _layout;
    private readonly Thread[] _workers;
    private readonly object _gate = new();
    private readonly List<ChunkKey> _queue = []; // wanted and not started, nearest last (popped from the end)
    private readonly HashSet<(ChunkKey Key, int Epoch)> _inFlight = []; // an old world's chunk may still be in flight
    private readonly HashSet<ChunkKey> _ready = []; // finished, current epoch, not yet taken
    private readonly ConcurrentQueue<ChunkData> _done = new();
    private readonly ConcurrentQueue<Exception> _failures = new();
    private IWorldSource _world;
    private ChunkStreamer _heights;
    private readonly Dictionary<int, ChunkStreamer> _retired = []; // old epochs' streamers with chunks in flight
    private int _epoch;
    private bool _stopping;
    private long _generated;
    private double _generationMs;

    public TerrainStreamer(IWorldSource world, ChunkLayout layout, int workerCount)
    {
        _world = world;
        _layout = layout;
        _workers = new Thread[Math.Max(1, workerCount)];
        _heights = NewStreamer(world);
        for (int i = 0; i < _workers.Length; i++)
        {
            _workers[i] = new Thread(WorkerLoop) { IsBackground = true, Name = $"flowgen-chunk-{i}" };
            _workers[i].Start();
        }
    }

    public int Epoch { get { lock (_gate) return _epoch; } }
    public IWorldSource World { get { lock (_gate) return _world; } }
    public long ChunksGenerated { get { lock (_gate) return _generated; } }
    /// <summary>Mean worker time per generated chunk, milliseconds.</summary>
    public double MeanGenerationMs { get { lock (_gate) return _generated == 0 ? 0 : _generationMs / _generated; } }
    /// <summary>Chunks queued or being generated.</summary>
    public int Pending { get { lock (_gate) return _queue.Count + _inFlight.Count; } }

    /// <summary>Height chunks served from the streamer's cache instead of generated (all worlds so far).</summary>
    public long CacheHits { get { lock (_gate) return _hits + _heights.Stats.CacheHits; } }

    private long _hits;

    private ChunkStreamer NewStreamer(IWorldSource world) => new(world, new ChunkStreamerOptions
    {
        ChunkSize = _layout.Pixels, Border = ChunkData.Apron, MaxConcurrentGenerations = _workers.Length,
    });

    /// <summary>Replaces the world: queued chunks are dropped, in-flight ones are discarded when they finish.</summary>
    public void SetWorld(IWorldSource world)
    {
        lock (_gate)
        {
            _world = world;
            _hits += _heights.Stats.CacheHits;
            if (_inFlight.Any(f => f.Epoch == _epoch)) _retired[_epoch] = _heights;
            else _heights.Dispose();
            _heights = NewStreamer(world);
            _epoch++;
            _queue.Clear();
            _ready.Clear();
            while (_done.TryDequeue(out _)) { }
        }
    }

    /// <summary>The chunks to generate, nearest first; replaces the previous wish list (already queued
    /// chunks that are no longer wanted are dropped).</summary>
    public void Want(IReadOnlyList<ChunkKey> nearestFirst)
    {
        lock (_gate)
        {
            _queue.Clear();
            for (int i = nearestFirst.Count - 1; i >= 0; i--)
                if (!_inFlight.Contains((nearestFirst[i], _epoch)) && !_ready.Contains(nearestFirst[i])) _queue.Add(nearestFirst[i]);
            Monitor.PulseAll(_gate);
        }
    }

    /// <summary>A finished chunk of the current epoch, if any. Rethrows a worker's failure.</summary>
    public bool TryTake(out ChunkData chunk)
    {
        if (_failures.TryDequeue(out var failure))
        {
            // Bad-input errors (a model that fails to sample) keep their type and message for the user.
            if (failure is FlowGenException) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(failure);
            throw new InvalidOperationException("chunk generation failed: " + failure.Message, failure);
        }
        lock (_gate)
        {
            while (_done.TryDequeue(out chunk!))
                if (chunk.Epoch == _epoch)
                {
                    _ready.Remove(chunk.Key);
                    return true;
                }
        }
        return false;
    }

    /// <summary>Blocks until nothing is queued or in flight (headless screenshots want a complete view).</summary>
    public void WaitIdle()
    {
        lock (_gate)
            while ((_queue.Count > 0 || _inFlight.Count > 0) && _failures.IsEmpty)
                Monitor.Wait(_gate, 100);
    }

    private void WorkerLoop()
    {
        while (true)
        {
            ChunkKey key;
            ChunkStreamer heights;
            int epoch;
            lock (_gate)
            {
                while (!_stopping && _queue.Count == 0) Monitor.Wait(_gate);
                if (_stopping) return;
                key = _queue[^1];
                _queue.RemoveAt(_queue.Count - 1);
                heights = _heights;
                epoch = _epoch;
                _inFlight.Add((key, epoch));
            }
            try
            {
                long start = System.Diagnostics.Stopwatch.GetTimestamp();
                var chunk = ChunkData.FromHeights(heights.RequestAsync(new ChunkCoord(key.X, key.Y)).GetAwaiter().GetResult(), _layout, key, epoch, start);
                lock (_gate)
                {
                    _generated++;
                    _generationMs += chunk.GenerationMs;
                    if (epoch == _epoch)
                    {
                        _ready.Add(key);
                        _done.Enqueue(chunk);
                    }
                }
            }
            catch (Exception e)
            {
                _failures.Enqueue(e);
            }
            finally
            {
                lock (_gate)
                {
                    _inFlight.Remove((key, epoch));
                    if (_retired.TryGetValue(epoch, out var old) && !_inFlight.Any(f => f.Epoch == epoch))
                    {
                        _retired.Remove(epoch);
                        old.Dispose();
                    }
                    Monitor.PulseAll(_gate);
                }
            }
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _stopping = true;
            _queue.Clear();
            Monitor.PulseAll(_gate);
        }
        foreach (var t in _workers) t.Join();
        foreach (var old in _retired.Values) old.Dispose();
        _retired.Clear();
        _heights.Dispose();
    }
}

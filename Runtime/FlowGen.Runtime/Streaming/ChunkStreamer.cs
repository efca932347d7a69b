// Asynchronous chunk streaming for engines: request chunks by coordinate, get them from a bounded LRU
// cache or from the world source on background tasks. A chunk depends only on the world source and its
// coordinate (the source guarantees it), so request order, concurrency and cache history never change
// what comes back. Requests for a chunk in flight share one generation; when every requester of an
// in-flight chunk has cancelled, its generation is cancelled too and nothing is cached.
namespace FlowGen.Runtime.Streaming;

/// <summary>
/// Streams chunks of an <see cref="IWorldSource"/>. All members are thread-safe.
/// </summary>
public sealed class ChunkStreamer : IDisposable
{
    private readonly IWorldSource _source;
    private readonly int _chunkSize;
    private readonly long _budget;
    private readonly SemaphoreSlim _slots;
    private readonly CancellationTokenSource _shutdown = new();
    private readonly object _lock = new();
    private readonly Dictionary<ChunkCoord, LinkedListNode<HeightChunk>> _cache = new();
    private readonly LinkedList<HeightChunk> _lru = new(); // most recently used first
    private readonly Dictionary<ChunkCoord, InFlight> _inFlight = new();
    private long _cachedBytes;
    private long _generated;
    private long _hits;
    private double _generationMs;
    private readonly int _border;
    private bool _disposed;

    /// <summary>Creates a streamer over <paramref name="source"/>.</summary>
    public ChunkStreamer(IWorldSource source, ChunkStreamerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        options ??= new ChunkStreamerOptions();
        if (options.ChunkSize is < 16 or > 4096)
            throw new ArgumentOutOfRangeException(nameof(options), options.ChunkSize, "ChunkSize must be in 16..4096 pixels.");
        if (options.Border is < 0 or > 64)
            throw new ArgumentOutOfRangeException(nameof(options), options.Border, "Border must be in 0..64 pixels.");
        int stride = options.ChunkSize + 2 * options.Border;
        long chunkBytes = (long)stride * stride * sizeof(float);
        if (options.MemoryBudgetBytes < chunkBytes)
            throw new ArgumentOutOfRangeException(nameof(options), options.MemoryBudgetBytes,
                $"MemoryBudgetBytes must hold at least one chunk ({chunkBytes} bytes).");
        if (options.MaxConcurrentGenerations < 1)
            throw new ArgumentOutOfRangeException(nameof(options), options.MaxConcurrentGenerations, "MaxConcurrentGenerations must be at least 1.");
        _source = source;
        _chunkSize = options.ChunkSize;
        _border = options.Border;
        _budget = options.MemoryBudgetBytes;
        _slots = new SemaphoreSlim(options.MaxConcurrentGenerations);
    }

    /// <summary>Edge length of every chunk in pixels.</summary>
    public int ChunkSize => _chunkSize;

    /// <summary>Counters for overlays and benchmarks.</summary>
    public StreamerStats Stats
    {
        get
        {
            lock (_lock)
                return new StreamerStats(_generated, _hits, _cache.Count, _cachedBytes, _inFlight.Count,
                    _generated == 0 ? 0 : _generationMs / _generated);
        }
    }

    /// <summary>Returns the chunk if it is cached (and marks it recently used), without generating anything.</summary>
    public bool TryGetCached(ChunkCoord coord, out HeightChunk? chunk)
    {
        lock (_lock)
        {
            if (_cache.TryGetValue(coord, out var node))
            {
                Touch(node);
                _hits++;
                chunk = node.Value;
                return true;
            }
        }
        chunk = null;
        return false;
    }

    /// <summary>
    /// Returns chunk <paramref name="coord"/>, generating it in the background if needed. Cancelling
    /// <paramref name="cancellationToken"/> abandons this request; the generation stops when no request waits for it.
    /// </summary>
    public Task<HeightChunk> RequestAsync(ChunkCoord coord, CancellationToken cancellationToken = default)
    {
        ValidateCoord(coord);
        InFlight flight;
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_cache.TryGetValue(coord, out var node))
            {
                Touch(node);
                _hits++;
                return Task.FromResult(node.Value);
            }
            if (!_inFlight.TryGetValue(coord, out flight!))
            {
                flight = new InFlight(CancellationTokenSource.CreateLinkedTokenSource(_shutdown.Token));
                _inFlight.Add(coord, flight);
                flight.Task = Task.Run(() => GenerateAsync(coord, flight));
            }
            flight.Waiters++;
        }
        return WaitAsync(coord, flight, cancellationToken);
    }

    private async Task<HeightChunk> WaitAsync(ChunkCoord coord, InFlight flight, CancellationToken cancellationToken)
    {
        if (!cancellationToken.CanBeCanceled) return await flight.Task!.ConfigureAwait(false);
        // The registration runs synchronously inside Cancel(), so an abandoned generation stops at its next
        // row boundary rather than whenever this method's continuation gets a thread.
        using (cancellationToken.Register(() => Abandon(coord, flight)))
            return await flight.Task!.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    private void Abandon(ChunkCoord coord, InFlight flight)
    {
        lock (_lock)
        {
            if (--flight.Waiters > 0 || flight.Finished) return;
            if (_inFlight.TryGetValue(coord, out var f) && ReferenceEquals(f, flight)) _inFlight.Remove(coord);
            flight.Abandoned = true;
        }
        flight.Cancellation.Cancel(); // outside the lock: cancellation callbacks may run GenerateAsync's finally inline
        flight.ReleaseCancellation();
    }

    private async Task<HeightChunk> GenerateAsync(ChunkCoord coord, InFlight flight)
    {
        var token = flight.Cancellation.Token;
        try
        {
            await _slots.WaitAsync(token).ConfigureAwait(false);
            try
            {
                int stride = _chunkSize + 2 * _border;
                var values = new float[stride * stride];
                long start = System.Diagnostics.Stopwatch.GetTimestamp();
                _source.Fill(coord.X * _chunkSize - _border, coord.Y * _chunkSize - _border, stride, stride, coord.Lod, values, token);
                token.ThrowIfCancellationRequested();
                var chunk = new HeightChunk(coord, _chunkSize, _border, values);
                lock (_lock)
                {
                    _generated++;
                    _generationMs += System.Diagnostics.Stopwatch.GetElapsedTime(start).TotalMilliseconds;
                    if (!_disposed) Insert(chunk);
                }
                return chunk;
            }
            finally
            {
                _slots.Release();
            }
        }
        finally
        {
            // Success, failure or cancellation: the next request for this chunk starts afresh (or hits the cache).
            lock (_lock)
            {
                if (_inFlight.TryGetValue(coord, out var f) && ReferenceEquals(f, flight)) _inFlight.Remove(coord);
                flight.Finished = true;
            }
            // An abandoned flight is cancelled by Abandon outside the lock; the later of the two disposes it.
            if (flight.Abandoned) flight.ReleaseCancellation();
            else flight.Cancellation.Dispose();
        }
    }

    private void ValidateCoord(ChunkCoord coord)
    {
        if (coord.Lod < 0 || coord.Lod > _source.MaxLod)
            throw new ArgumentOutOfRangeException(nameof(coord), coord.Lod, $"Level of detail must be in 0..{_source.MaxLod}.");
        // First and last pixel of the chunk must be representable: |X * size| + size <= 2^62.
        const long limit = 1L << 62;
        long maxChunk = limit / _chunkSize - 1;
        if (coord.X > maxChunk || coord.X < -maxChunk || coord.Y > maxChunk || coord.Y < -maxChunk)
            throw new ArgumentOutOfRangeException(nameof(coord), coord, $"Chunk coordinates must lie within ±{maxChunk} for chunk size {_chunkSize}.");
    }

    private void Insert(HeightChunk chunk)
    {
        if (_cache.ContainsKey(chunk.Coord)) return;
        _cache.Add(chunk.Coord, _lru.AddFirst(chunk));
        _cachedBytes += chunk.Bytes;
        while (_cachedBytes > _budget && _lru.Last is { } oldest)
        {
            _lru.RemoveLast();
            _cache.Remove(oldest.Value.Coord);
            _cachedBytes -= oldest.Value.Bytes;
        }
    }

    private void Touch(LinkedListNode<HeightChunk> node)
    {
        _lru.Remove(node);
        _lru.AddFirst(node);
    }

    /// <summary>Cancels generations in flight and drops the cache.</summary>
    public void Dispose()
    {
        lock (_lock)
        {
            if (_disposed) return;
            _disposed = true;
            _cache.Clear();
            _lru.Clear();
            _cachedBytes = 0;
        }
        _shutdown.Cancel();
    }

    private sealed class InFlight(CancellationTokenSource cancellation)
    {
        public CancellationTokenSource Cancellation { get; } = cancellation;
        public Task<HeightChunk>? Task { get; set; }
        public int Waiters { get; set; }
        public bool Finished { get; set; }
        public bool Abandoned { get; set; }
        private int _releases;

        public void ReleaseCancellation()
        {
            if (Interlocked.Increment(ref _releases) == 2) Cancellation.Dispose();
        }
    }
}

/// <summary>Streamer counters: chunks generated, cache hits, cached chunks and bytes, generations in flight,
/// mean generation time per chunk in milliseconds.</summary>
public readonly record struct StreamerStats(long Generated, long CacheHits, int CachedChunks, long CachedBytes, int InFlight, double MeanGenerationMs);

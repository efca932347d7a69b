// Settings of a ChunkStreamer, with the defaults an engine would start from.
namespace FlowGen.Runtime.Streaming;

/// <summary>Settings of <see cref="ChunkStreamer"/>.</summary>
public sealed record ChunkStreamerOptions
{
    /// <summary>Edge length of a chunk in pixels (16..4096). Default 256: about 23 km at 90 m pixels.</summary>
    public int ChunkSize { get; init; } = 256;

    /// <summary>Upper bound of the cache of finished chunks, in bytes. Default 64 MiB (256 chunks of 256x256).</summary>
    public long MemoryBudgetBytes { get; init; } = 64L << 20;

    /// <summary>
    /// Apron in pixels on every side (0..64, default 0): a chunk then holds (ChunkSize + 2·Border)² values starting at
    /// pixel (X·ChunkSize − Border, Y·ChunkSize − Border), the same values its neighbours hold there, so an engine can
    /// compute normals or erosion at chunk edges without fetching the neighbours.
    /// </summary>
    public int Border { get; init; }

    /// <summary>Chunks generated at the same time. Default 1: the sampler itself uses all cores.</summary>
    public int MaxConcurrentGenerations { get; init; } = 1;
}

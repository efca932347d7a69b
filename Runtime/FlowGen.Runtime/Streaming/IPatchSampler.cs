// What a world needs from a flow: seeded batches of square patches, keyed by sample index.
namespace FlowGen.Runtime.Streaming;

/// <summary>
/// Draws patches of one channel: sample index i of seed s is the same whatever batch produced it.
/// Values are in physical units (metres for heightmaps). Implementations are thread-safe.
/// </summary>
public interface IPatchSampler
{
    /// <summary>Edge length of a patch in pixels.</summary>
    int PatchSize { get; }

    /// <summary>Ground distance between pixels, metres.</summary>
    double PixelSizeMetres { get; }

    /// <summary>Writes patches <paramref name="firstIndex"/> .. +count-1 (PatchSize² values each, row-major) into <paramref name="destination"/>.</summary>
    void Sample(Span<float> destination, ulong seed, long firstIndex, int count);
}

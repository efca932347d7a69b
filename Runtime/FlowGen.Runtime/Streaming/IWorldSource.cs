// An infinite, deterministic field of heights (or texture intensities): any rectangle of world pixels
// at any level of detail. The chunk streamer and `flowgen world` sit on top of it.
namespace FlowGen.Runtime.Streaming;

/// <summary>
/// A deterministic world: the values of a rectangle depend only on the source's own settings (model,
/// world seed, temperature) and the rectangle, never on what was asked before or from which thread.
/// Implementations are thread-safe.
/// </summary>
public interface IWorldSource
{
    /// <summary>Ground distance between two pixels at level of detail 0, in metres.</summary>
    double PixelSizeMetres { get; }

    /// <summary>Deepest level of detail supported; the pixel size doubles with each level.</summary>
    int MaxLod { get; }

    /// <summary>Largest |pixel coordinate| at level of detail 0 (at level D: this >> D); Fill throws beyond it.</summary>
    long CoordinateLimit { get; }

    /// <summary>
    /// Fills <paramref name="destination"/> (row-major, <paramref name="height"/> rows of <paramref name="width"/>)
    /// with the world's values at pixels [x0, x0+width) x [y0, y0+height) of level <paramref name="lod"/>.
    /// Throws <see cref="OperationCanceledException"/> when <paramref name="cancellationToken"/> fires.
    /// </summary>
    void Fill(long x0, long y0, int width, int height, int lod, Span<float> destination, CancellationToken cancellationToken);
}

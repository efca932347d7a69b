// The address of one streamed chunk: chunk coordinates at a level of detail.
namespace FlowGen.Runtime.Streaming;

/// <summary>Chunk (<paramref name="X"/>, <paramref name="Y"/>) at level of detail <paramref name="Lod"/>;
/// its first pixel is (X * chunkSize, Y * chunkSize) in that level's pixel grid.</summary>
public readonly record struct ChunkCoord(long X, long Y, int Lod = 0);

/// <summary>A generated chunk: <see cref="Size"/> x <see cref="Size"/> values, row-major. Immutable once returned.</summary>
public sealed class HeightChunk
{
    internal HeightChunk(ChunkCoord coord, int size, float[] values)
    {
        Coord = coord;
        Size = size;
        _values = values;
    }

    private readonly float[] _values;

    /// <summary>Where the chunk is.</summary>
    public ChunkCoord Coord { get; }

    /// <summary>Edge length in pixels.</summary>
    public int Size { get; }

    /// <summary>The values (metres for heightmaps), row-major, row 0 at the chunk's smallest y.</summary>
    public ReadOnlySpan<float> Values => _values;

    internal long Bytes => (long)_values.Length * sizeof(float);
}

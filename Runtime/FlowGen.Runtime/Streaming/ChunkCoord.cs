// The address of one streamed chunk: chunk coordinates at a level of detail.
namespace FlowGen.Runtime.Streaming;

/// <summary>Chunk (<paramref name="X"/>, <paramref name="Y"/>) at level of detail <paramref name="Lod"/>;
/// its first pixel is (X * chunkSize, Y * chunkSize) in that level's pixel grid.</summary>
public readonly record struct ChunkCoord(long X, long Y, int Lod = 0);

/// <summary>
/// A generated chunk: <see cref="Stride"/> x <see cref="Stride"/> values, row-major, where Stride = Size + 2·Border: the
/// chunk's Size x Size pixels and an apron of <see cref="Border"/> pixels on every side. Immutable once returned.
/// </summary>
public sealed class HeightChunk
{
    internal HeightChunk(ChunkCoord coord, int size, int border, float[] values)
    {
        Coord = coord;
        Size = size;
        Border = border;
        _values = values;
    }

    private readonly float[] _values;

    /// <summary>Where the chunk is.</summary>
    public ChunkCoord Coord { get; }

    /// <summary>Edge length in pixels, apron not counted.</summary>
    public int Size { get; }

    /// <summary>Apron width in pixels on every side (<see cref="ChunkStreamerOptions.Border"/>).</summary>
    public int Border { get; }

    /// <summary>Values per row: Size + 2·Border.</summary>
    public int Stride => Size + 2 * Border;

    /// <summary>The values (metres for heightmaps), row-major, Stride per row; row 0 is Border pixels above the chunk's smallest y.</summary>
    public ReadOnlySpan<float> Values => _values;

    /// <summary>The value at chunk pixel (x, y); -Border ≤ x, y &lt; Size + Border.</summary>
    public float At(int x, int y)
    {
        if (x < -Border || y < -Border || x >= Size + Border || y >= Size + Border)
            throw new ArgumentOutOfRangeException(nameof(x), $"({x}, {y}) is outside the chunk and its {Border}-pixel apron");
        return _values[(y + Border) * Stride + x + Border];
    }

    internal long Bytes => (long)_values.Length * sizeof(float);
}

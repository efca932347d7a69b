// The demo's chunk grid: chunk (cx, cy) covers world pixels [cx*Pixels, (cx+1)*Pixels] (its last row and
// column are the neighbour's first, so meshes meet exactly). World x is east, z (pixel y) is south.
namespace FlowGen.Demo.Terrain;

internal readonly record struct ChunkKey(int X, int Y);

internal sealed class ChunkLayout
{
    public ChunkLayout(int pixels, float pixelSizeM, int meshStep)
    {
        if (pixels % meshStep != 0) throw new ArgumentException($"chunk size {pixels} is not a multiple of the mesh step {meshStep}");
        Pixels = pixels;
        PixelSizeM = pixelSizeM;
        MeshStep = meshStep;
    }

    /// <summary>Chunk edge in heightmap pixels.</summary>
    public int Pixels { get; }
    public float PixelSizeM { get; }
    /// <summary>Heightmap pixels per mesh quad (1 = full resolution).</summary>
    public int MeshStep { get; }
    /// <summary>Vertices per chunk edge.</summary>
    public int VerticesPerSide => Pixels / MeshStep + 1;
    public float SizeM => Pixels * PixelSizeM;

    public ChunkKey KeyAt(float x, float z) => new((int)MathF.Floor(x / SizeM), (int)MathF.Floor(z / SizeM));
}

// Builds a chunk's vertex data from its heightmap: positions in chunk-local metres (x east, y up, z south)
// and normals from central differences. The heightmap carries a one-sample border so normals on the
// chunk edge use the neighbour's heights and match across chunks. One index list serves every chunk.
namespace FlowGen.Demo.Terrain;

internal static class ChunkMesh
{
    /// <summary>Floats per vertex: position xyz, normal xyz.</summary>
    public const int VertexFloats = 6;

    /// <summary>
    /// <paramref name="heights"/>: (n+2)² samples, row-major, sample spacing <paramref name="spacingM"/>, with a
    /// one-sample border; <paramref name="vertices"/>: n² * VertexFloats.
    /// </summary>
    public static void Build(ReadOnlySpan<float> heights, int n, float spacingM, Span<float> vertices)
    {
        int stride = n + 2;
        float inv2 = 1f / (2f * spacingM);
        for (int j = 0; j < n; j++)
        for (int i = 0; i < n; i++)
        {
            int c = (j + 1) * stride + i + 1;
            float dhdx = (heights[c + 1] - heights[c - 1]) * inv2;
            float dhdz = (heights[c + stride] - heights[c - stride]) * inv2;
            float len = MathF.Sqrt(dhdx * dhdx + 1f + dhdz * dhdz);
            var v = vertices.Slice((j * n + i) * VertexFloats, VertexFloats);
            v[0] = i * spacingM;
            v[1] = heights[c];
            v[2] = j * spacingM;
            v[3] = -dhdx / len;
            v[4] = 1f / len;
            v[5] = -dhdz / len;
        }
    }

    /// <summary>Two triangles per grid quad, counter-clockwise seen from above (+y).</summary>
    public static uint[] GridIndices(int n)
    {
        var indices = new uint[(n - 1) * (n - 1) * 6];
        int k = 0;
        for (int j = 0; j < n - 1; j++)
        for (int i = 0; i < n - 1; i++)
        {
            uint a = (uint)(j * n + i), b = a + 1, c = a + (uint)n, d = c + 1;
            indices[k++] = a; indices[k++] = c; indices[k++] = b;
            indices[k++] = b; indices[k++] = c; indices[k++] = d;
        }
        return indices;
    }
}

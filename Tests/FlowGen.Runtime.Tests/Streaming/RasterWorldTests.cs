// RasterWorld: the raster's own values inside it, the nearest edge value (Clamp) or the mirrored raster (Mirror) outside,
// box averages at coarser levels of detail; bad rasters refused.
using FlowGen.Runtime.Streaming;

namespace FlowGen.Runtime.Tests.Streaming;

public class RasterWorldTests
{
    private static readonly float[] Grid = Enumerable.Range(0, 5 * 7).Select(i => (float)(10 * (i / 7) + i % 7)).ToArray(); // 5 rows x 7 columns

    [Theory]
    [InlineData(0, 0, 7, 5)]
    [InlineData(-3, -2, 13, 9)]
    [InlineData(5, 3, 6, 4)]
    [InlineData(-20, 10, 4, 3)]
    [InlineData(2, -9, 1, 1)]
    public void InsideItsValuesOutsideTheNearestEdges(long x0, long y0, int width, int height)
    {
        var world = new RasterWorld(Grid, 7, 5, 90);
        var values = new float[width * height];
        world.Fill(x0, y0, width, height, 0, values, CancellationToken.None);
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
            {
                long row = Math.Clamp(y0 + y, 0, 4), column = Math.Clamp(x0 + x, 0, 6);
                Assert.Equal(10 * row + column, values[y * width + x]);
            }
    }

    [Theory]
    [InlineData(0, 0, 7, 5)]
    [InlineData(-15, -12, 40, 30)]
    [InlineData(100, -33, 9, 4)]
    public void MirroredTheRasterRepeatsEndlesslyAsItsMirrorImages(long x0, long y0, int width, int height)
    {
        var world = new RasterWorld(Grid, 7, 5, 90, RasterEdge.Mirror);
        var values = new float[width * height];
        world.Fill(x0, y0, width, height, 0, values, CancellationToken.None);
        static long Mirror(long i, long n)
        {
            long m = ((i % (2 * n)) + 2 * n) % (2 * n);
            return m < n ? m : 2 * n - 1 - m;
        }
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++) Assert.Equal(10 * Mirror(y0 + y, 5) + Mirror(x0 + x, 7), values[y * width + x]);
        // Continuous across the edge: pixel -1 is pixel 0.
        var edge = new float[2];
        world.Fill(-1, 2, 2, 1, 0, edge, CancellationToken.None);
        Assert.Equal(edge[0], edge[1]);
    }

    [Fact]
    public void CoarserLevelsOfDetailAreBoxAverages()
    {
        var world = new RasterWorld(Grid, 7, 5, 90, RasterEdge.Mirror);
        var coarse = new float[4 * 4];
        world.Fill(-1, -2, 4, 4, 2, coarse, CancellationToken.None); // 4x4 pixels each: columns -4..11, rows -8..7
        var rows = new float[16 * 16];
        world.Fill(-4, -8, 16, 16, 0, rows, CancellationToken.None);
        for (int y = 0; y < 4; y++)
            for (int x = 0; x < 4; x++)
            {
                double sum = 0;
                for (int v = 0; v < 4; v++)
                    for (int u = 0; u < 4; u++) sum += rows[(4 * y + v) * 16 + 4 * x + u];
                Assert.Equal(sum / 16, coarse[y * 4 + x], 4);
            }
        Assert.Equal(8, world.MaxLod);
    }

    [Fact]
    public void UnderADetailLevelItIsTheCoarseTerrain()
    {
        // A detail model that draws nothing: the world is the Catmull-Rom upsampling of the raster, whose 4x4 block means
        // inside (away from the edges) are the raster's values to within the interpolation of a linear ramp.
        var ramp = Enumerable.Range(0, 16 * 16).Select(i => (float)(3 * (i % 16) + 5 * (i / 16))).ToArray();
        var world = new ConditionalPyramidWorld(new RasterWorld(ramp, 16, 16, 360), new ZeroDetail(), seed: 1);
        var fine = new float[64 * 64];
        world.Fill(0, 0, 64, 64, 0, fine, CancellationToken.None);
        for (int by = 2; by < 14; by++)
            for (int bx = 2; bx < 14; bx++)
            {
                double sum = 0;
                for (int v = 0; v < 4; v++)
                    for (int u = 0; u < 4; u++) sum += fine[(4 * by + v) * 64 + 4 * bx + u];
                Assert.Equal(ramp[by * 16 + bx], sum / 16, 3);
            }
    }

    [Fact]
    public void UpscaleTakesADemOfTheDetailModelsCoarsePixels()
    {
        var detail = new ZeroDetail(); // 90 m pixels, context factor 4: DEMs of 360 m
        Assert.Contains("(300 m) must be 4 times the detail model's", Assert.Throws<ArgumentException>(() => ConditionalPyramidWorld.Upscale(detail, Grid, 7, 5, 300, 1)).Message);
        Assert.Equal(90, ConditionalPyramidWorld.Upscale(detail, Grid, 7, 5, 355, 1).PixelSizeMetres); // within 2 %
        Assert.Equal(90, ConditionalPyramidWorld.Upscale(detail, Grid, 7, 5, 300, 1, anyScale: true).PixelSizeMetres);
    }

    [Fact]
    public void BadRastersAreRefused()
    {
        Assert.Throws<ArgumentException>(() => new RasterWorld(Grid, 6, 5, 90));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RasterWorld(Grid, 7, 5, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RasterWorld([], 0, 0, 90));
        var nan = (float[])Grid.Clone();
        nan[9] = float.NaN;
        Assert.Contains("row 1, column 2", Assert.Throws<ArgumentException>(() => new RasterWorld(nan, 7, 5, 90)).Message);
        var world = new RasterWorld(Grid, 7, 5, 90);
        Assert.Throws<ArgumentOutOfRangeException>(() => world.Fill(0, 0, 2, 2, 9, new float[4], CancellationToken.None)); // levels of detail 0..8
        Assert.Throws<ArgumentOutOfRangeException>(() => new RasterWorld(Grid, 7, 5, 90, (RasterEdge)7));
    }

    private sealed class ZeroDetail : IDetailSampler
    {
        public bool ContextPhaseBaked => false;
        public int PatchSize => 32;
        public int ContextFactor => 4;
        public double PixelSizeMetres => 90;
        public int? ContextPhase => null;
        public double DrawCorrelation => 0;

        public void SampleRows(Span<float> destination, ReadOnlySpan<float> context, ulong seed, long firstIndex, int count, int rows, long rowStride,
            CancellationToken cancellationToken) => destination[..(count * rows * PatchSize * PatchSize)].Clear();
    }
}

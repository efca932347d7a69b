// OpenEXR output read back by independent readers: tinyexr (Debian libtinyexr1d, called through
// P/Invoke: sample values) and the OpenEXR library's own tools (exrheader for the header, exrmaketiled
// decoding every chunk). Both skip, naming the reason, where the package is not installed.
using System.Runtime.InteropServices;
using FlowGen.Runtime.Formats;

namespace FlowGen.Runtime.Tests.Formats;

public class ExrWriterTests
{
    private const string TinyExr = "/usr/lib/x86_64-linux-gnu/libtinyexr.so.1d";

    private static Raster Heightmap(int w, int h, int channels = 1)
    {
        var dem = RasterFile.Load(FormatFixtures.Data("jacksboro_fault_dem.npz"));
        var r = new Raster(w, h, channels);
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++)
                for (int c = 0; c < channels; c++) r[x, y, c] = dem[x + 5, y + 7] * (c + 1) + 0.125f * ((x * 7 + y) % 8) - 3.5f * c;
        return r;
    }

    private unsafe delegate int LoadExrFn(float** rgba, int* width, int* height, byte* filename, byte** err);

    private static unsafe float[] ReadWithTinyExr(string path, out int width, out int height)
    {
        var lib = NativeLibrary.Load(TinyExr);
        try
        {
            var load = (delegate* unmanaged<float**, int*, int*, byte*, byte**, int>)NativeLibrary.GetExport(lib, "LoadEXR");
            float* rgba = null;
            int w = 0, h = 0;
            byte* err = null;
            var name = System.Text.Encoding.UTF8.GetBytes(path + "\0");
            int rc;
            fixed (byte* n = name) rc = load(&rgba, &w, &h, n, &err);
            Assert.True(rc == 0, $"tinyexr LoadEXR failed ({rc}): {(err == null ? "" : Marshal.PtrToStringUTF8((IntPtr)err))}");
            var result = new Span<float>(rgba, w * h * 4).ToArray();
            NativeMemory.Free(rgba);
            width = w;
            height = h;
            return result;
        }
        finally
        {
            NativeLibrary.Free(lib);
        }
    }

    [ToolFact("exe:" + TinyExr)]
    public void TinyExrReadsEveryValue()
    {
        using var dir = new TempDir();
        foreach (var compression in new[] { ExrCompression.None, ExrCompression.Zip })
        {
            var r = Heightmap(45, 37);
            string p = dir.File($"h_{compression}.exr");
            ExrWriter.Write(p, r, compression);
            var rgba = ReadWithTinyExr(p, out int w, out int h);
            Assert.Equal((r.Width, r.Height), (w, h));
            for (int i = 0; i < r.Samples.Length; i++)
                Assert.True(rgba[i * 4] == r.Samples[i], $"{compression}: pixel {i} reads {rgba[i * 4]}, wrote {r.Samples[i]}");
        }
    }

    [ToolFact("exe:" + TinyExr)]
    public void TinyExrReadsRgbChannelsInPlace()
    {
        using var dir = new TempDir();
        var r = Heightmap(17, 33, 3);
        ExrWriter.Write(dir.File("rgb.exr"), r, ExrCompression.Zip);
        var rgba = ReadWithTinyExr(dir.File("rgb.exr"), out _, out _);
        for (int p = 0; p < r.Width * r.Height; p++)
            for (int c = 0; c < 3; c++) Assert.Equal(r.Samples[p * 3 + c], rgba[p * 4 + c]);
    }

    [ToolFact("exe:/usr/bin/exrheader", "exe:/usr/bin/exrmaketiled")]
    public void OpenExrToolsAcceptTheFile()
    {
        using var dir = new TempDir();
        foreach (var (compression, name) in new[] { (ExrCompression.None, "none"), (ExrCompression.Zip, "zip, multi-scanline blocks") })
        {
            string p = dir.File("h.exr");
            ExrWriter.Write(p, Heightmap(70, 41), compression);
            Assert.Equal(0, ExternalTool.Run("/usr/bin/exrheader", [p], out var header, out var err1));
            Assert.Contains($"compression (type compression): {name}", header);
            Assert.Contains("dataWindow (type box2i): (0 0) - (69 40)", header);
            Assert.Contains("Y, 32-bit floating-point", header);
            // exrmaketiled decodes every scanline chunk with the OpenEXR library and re-encodes it.
            int rc = ExternalTool.Run("/usr/bin/exrmaketiled", [p, dir.File("t.exr")], out _, out var err2);
            Assert.True(rc == 0, err2);
            Assert.True(new FileInfo(dir.File("t.exr")).Length > 0);
        }
    }

    [Fact]
    public void ZipOutputIsSmallerForTerrainAndHasTheMagic()
    {
        using var dir = new TempDir();
        var r = Heightmap(200, 150);
        ExrWriter.Write(dir.File("n.exr"), r, ExrCompression.None);
        ExrWriter.Write(dir.File("z.exr"), r, ExrCompression.Zip);
        Assert.Equal(RasterFormat.Exr, RasterFile.Detect(dir.File("z.exr")));
        Assert.True(new FileInfo(dir.File("z.exr")).Length < new FileInfo(dir.File("n.exr")).Length);
        Assert.True(new FileInfo(dir.File("n.exr")).Length > 200 * 150 * 4);
    }
}

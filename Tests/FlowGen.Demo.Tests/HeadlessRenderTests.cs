// Headless rendering of a fixed seed and camera with the reference flow (glow_ref fixture), checked by
// content: sky colour above, terrain below, and the GPU depth buffer against an independent CPU ray cast
// through the same heightfield (regenerated from the runtime's LatticeWorld), by coarse statistics.
using System.Numerics;
using FlowGen.Demo.App;
using FlowGen.Demo.Render;
using FlowGen.Demo.Terrain;

namespace FlowGen.Demo.Tests;

public class HeadlessRenderTests
{
    internal static string FixtureModel => Path.Combine(TestEnvironment.RepoRoot, "Tests", "Fixtures", "glow_ref", "glow_ref_sample.onnx");

    private static DemoOptions Options(ulong seed) => DemoOptions.Parse(
    [
        "--headless", "--seed", seed.ToString(), "--width", "256", "--height", "160", "--camera", "100,900,200,30,-18",
        "--view-radius", "1", "--workers", "1",
    ]);

    private static HeadlessRenderer Render(ulong seed)
    {
        var model = TerrainModels.Open(FixtureModel);
        var r = new HeadlessRenderer(Options(seed), model);
        try
        {
            r.RenderFrames(1, completeLast: true);
            return r;
        }
        catch
        {
            r.Dispose();
            throw;
        }
    }

    private static readonly byte[] SkyRgb = [.. new[] { TerrainRenderer.Sky.X, TerrainRenderer.Sky.Y, TerrainRenderer.Sky.Z }.Select(c => (byte)MathF.Round(c * 255))];

    private static bool IsSky(ReadOnlySpan<byte> rgba, int i) =>
        Math.Abs(rgba[4 * i] - SkyRgb[0]) <= 2 && Math.Abs(rgba[4 * i + 1] - SkyRgb[1]) <= 2 && Math.Abs(rgba[4 * i + 2] - SkyRgb[2]) <= 2;

    [VulkanFact]
    public void FixedSeedShowsSkyAboveTerrainAndDepthMatchesACpuRayCast()
    {
        using var r = Render(seed: 7);
        int w = (int)r.Width, h = (int)r.Height;
        var pixels = r.Pixels.ToArray();
        var depth = r.Depth.ToArray();

        // Sky above: the top tenth of the image is the clear colour with an empty depth buffer.
        for (int i = 0; i < w * h / 10; i++)
        {
            Assert.True(IsSky(pixels, i), $"pixel {i % w},{i / w} is not sky");
            Assert.Equal(1f, depth[i]);
        }
        // Terrain below: the bottom 40% is almost all geometry, and shaded (not one flat colour).
        int start = w * h * 6 / 10, terrain = 0;
        var luminance = new List<double>();
        for (int i = start; i < w * h; i++)
        {
            if (depth[i] < 1f) terrain++;
            luminance.Add(0.3 * pixels[4 * i] + 0.59 * pixels[4 * i + 1] + 0.11 * pixels[4 * i + 2]);
        }
        Assert.True(terrain > 0.98 * (w * h - start), $"only {terrain} of {w * h - start} lower pixels are terrain");
        double mean = luminance.Average(), sd = Math.Sqrt(luminance.Average(l => (l - mean) * (l - mean)));
        Assert.True(sd > 3, $"terrain shading is flat (luminance sd {sd:0.00})");

        var (agreement, medianError, compared) = CompareWithRayCast(r, depth, w, h);
        Assert.True(compared > w * h / 40, $"only {compared} pixels compared");
        Assert.True(agreement > 0.97, $"sky/terrain masks agree on only {agreement:P1} of pixels");
        Assert.True(medianError < 0.005, $"median relative distance error {medianError:P2} against the CPU ray cast");
    }

    [VulkanFact]
    public void AnotherSeedGivesAnotherImageAndTheSameSeedTheSameImage()
    {
        byte[] a, b, c;
        using (var r = Render(seed: 7)) a = r.Pixels.ToArray();
        using (var r = Render(seed: 7)) b = r.Pixels.ToArray();
        using (var r = Render(seed: 8)) c = r.Pixels.ToArray();
        Assert.True(a.AsSpan().SequenceEqual(b), "the same seed and camera rendered differently");
        int differing = 0;
        for (int i = 0; i < a.Length; i += 4) if (a[i] != c[i] || a[i + 1] != c[i + 1] || a[i + 2] != c[i + 2]) differing++;
        Assert.True(differing > a.Length / 4 / 10, $"seeds 7 and 8 differ in only {differing} pixels");
    }

    /// <summary>
    /// Casts a ray through every 2nd pixel into the same heightfield (bilinear between the grid samples
    /// the mesh uses, restricted to the loaded chunks) and compares with the distance recovered from the
    /// GPU depth buffer. Returns the fraction of pixels whose sky/terrain verdicts agree and the median
    /// relative distance error where both hit terrain.
    /// </summary>
    private static (double Agreement, double MedianError, int Compared) CompareWithRayCast(HeadlessRenderer r, float[] depth, int w, int h)
    {
        var layout = r.World.Layout;
        var camera = r.Camera;
        var eye = camera.Eye;
        var centre = layout.KeyAt(eye.X, eye.Z);
        int radius = 1, px = layout.Pixels;
        long gx0 = (long)(centre.X - radius) * px, gy0 = (long)(centre.Y - radius) * px;
        int n = (2 * radius + 1) * px + 1;
        var heights = new float[n * n];
        r.World.NewWorld().Fill(gx0, gy0, n, n, 0, heights, CancellationToken.None);
        float spacing = layout.PixelSizeM;

        float Height(float x, float z) // world metres -> bilinear height, NaN outside the loaded square
        {
            float fx = x / spacing - gx0, fz = z / spacing - gy0;
            if (fx < 0 || fz < 0 || fx >= n - 1 || fz >= n - 1) return float.NaN;
            int i = (int)fx, j = (int)fz;
            float u = fx - i, v = fz - j;
            return (1 - v) * ((1 - u) * heights[j * n + i] + u * heights[j * n + i + 1]) + v * ((1 - u) * heights[(j + 1) * n + i] + u * heights[(j + 1) * n + i + 1]);
        }

        var viewProj = camera.View * camera.Projection(w / (float)h, TerrainRenderer.NearPlane, r.FarPlane);
        Assert.True(Matrix4x4.Invert(viewProj, out var inverse));
        Vector3 Unproject(float ndcX, float ndcY, float z)
        {
            var p = Vector4.Transform(new Vector4(ndcX, ndcY, z, 1), inverse);
            return new Vector3(p.X, p.Y, p.Z) / p.W;
        }

        int agree = 0, total = 0;
        var errors = new List<double>();
        for (int y = 0; y < h; y += 2)
        for (int x = 0; x < w; x += 2)
        {
            float ndcX = (x + 0.5f) / w * 2 - 1, ndcY = (y + 0.5f) / h * 2 - 1;
            Vector3 near = Unproject(ndcX, ndcY, 0), far = Unproject(ndcX, ndcY, 1);
            Vector3 dir = Vector3.Normalize(far - near);
            float maxT = (far - near).Length() + near.Length();
            float cpu = float.NaN, step = 15f, prevT = near.Length();
            for (float t = prevT; t < maxT; t += step)
            {
                var p = eye + dir * t;
                float hgt = Height(p.X, p.Z);
                if (float.IsNaN(hgt)) { if (p.Y < -2000 || t > 5 * layout.SizeM) break; prevT = t; continue; }
                if (p.Y <= hgt)
                {
                    float lo = prevT, hi = t; // bisection between the last point above and this one below
                    for (int k = 0; k < 20; k++)
                    {
                        float mid = (lo + hi) / 2;
                        var q = eye + dir * mid;
                        float hq = Height(q.X, q.Z);
                        if (!float.IsNaN(hq) && q.Y <= hq) hi = mid; else lo = mid;
                    }
                    cpu = hi;
                    break;
                }
                prevT = t;
            }
            float d = depth[y * w + x];
            bool gpuHit = d < 1f, cpuHit = !float.IsNaN(cpu);
            total++;
            if (gpuHit == cpuHit) agree++;
            if (gpuHit && cpuHit)
            {
                float gpu = Unproject(ndcX, ndcY, d).Length();
                errors.Add(Math.Abs(gpu - cpu) / cpu);
            }
        }
        errors.Sort();
        return (agree / (double)total, errors.Count == 0 ? double.NaN : errors[errors.Count / 2], errors.Count);
    }
}

// --headless: render N frames offscreen, optionally write the last one as PNG, optionally print timings.
using FlowGen.Demo.Terrain;
using FlowGen.Runtime.Formats;

namespace FlowGen.Demo.App;

internal static class HeadlessApp
{
    public static int Run(DemoOptions o, ITerrainModel model)
    {
        int frames = o.Frames ?? 1;
        var r = new HeadlessRenderer(o, model);
        try
        {
            Console.WriteLine($"flowgen-demo: headless {o.Width}x{o.Height} on {r.DeviceName}, model {model.Name}, seed {o.Seed}, temperature {r.World.Temperature:0.00}");
            r.RenderFrames(frames, completeLast: o.Screenshot is not null);
            if (o.Screenshot is not null)
            {
                PngCodec.WriteRgba8(o.Screenshot, (int)r.Width, (int)r.Height, r.Pixels); // temp file + rename: never a partial PNG
                Console.WriteLine($"wrote {o.Screenshot}");
            }
            if (o.Bench) BenchReport.Print(r.FrameMs, r.World);
        }
        finally
        {
            r.Dispose();
        }
        return ValidationSummary.Report(r.Validation);
    }
}

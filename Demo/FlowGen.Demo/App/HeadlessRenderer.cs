// The offscreen demo: same world, streaming and renderer as the window, rendered into an image that is
// read back after every frame. Used by --headless and by the tests (pixels, depth, camera).
using System.Diagnostics;
using System.Numerics;
using FlowGen.Demo.Render;
using FlowGen.Demo.Terrain;
using FlowGen.Runtime.Vulkan;

namespace FlowGen.Demo.App;

internal sealed class HeadlessRenderer : IDisposable
{
    /// <summary>Simulated time step per frame: headless runs are deterministic, not wall-clock driven.</summary>
    public const float FrameSeconds = 1f / 30f;

    private readonly VulkanInstance _instance;
    private readonly VulkanDevice? _device;
    private readonly TerrainPipeline? _pipeline;
    private readonly TerrainRenderer? _renderer;
    private readonly OffscreenTarget? _target;
    private readonly DemoOptions _options;

    public HeadlessRenderer(DemoOptions options, ITerrainModel model)
    {
        _options = options;
        World = new DemoWorld(model, options.Seed, options.Temperature ?? model.DefaultTemperature, options.ViewRadius, options.MeshStep, options.Workers, options.Levels, options.Dem);
        Camera = DemoCamera.Create(options);
        var survey = World.Survey(Camera.Position.X, Camera.Position.Z); // --camera's Y is the altitude above the ground
        Camera.Position += new Vector3(0, survey.Ground, 0);
        _instance = new VulkanInstance([], options.Validation);
        try
        {
            _device = new VulkanDevice(_instance);
            _pipeline = new TerrainPipeline(_device, OffscreenTarget.ColorFormat, OffscreenTarget.DepthFormat, VkEnum.VK_IMAGE_LAYOUT_TRANSFER_SRC_OPTIMAL, keepDepth: true);
            _renderer = new TerrainRenderer(_device, World.Layout, _pipeline)
            {
                FogDistance = World.ViewDistanceM,
                Ramp = survey.Ramp,
            };
            _target = new OffscreenTarget(_device, _pipeline, options.Width, options.Height);
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public DemoWorld World { get; }
    public Camera Camera { get; }
    public string DeviceName => _device!.Name;
    public ReadOnlySpan<byte> Pixels => _target!.Pixels;
    public ReadOnlySpan<float> Depth => _target!.Depth;
    public uint Width => _target!.Width;
    public uint Height => _target!.Height;
    public float FarPlane => World.ViewDistanceM * 1.5f;
    public ValidationLog? Validation => _instance.Validation;
    /// <summary>CPU time of each rendered frame (update + record + GPU wait), milliseconds.</summary>
    public List<double> FrameMs { get; } = [];

    /// <summary>Renders <paramref name="frames"/> frames. The first waits until the starting view is loaded
    /// (a loading screen); with <paramref name="completeLast"/> the last one does too, so a screenshot shows the
    /// whole view. With a fly speed, frames are paced to <see cref="FrameSeconds"/> of wall time, like a 30 Hz
    /// display, so streaming sees the camera move at its real speed.</summary>
    public void RenderFrames(int frames, bool completeLast)
    {
        float speed = _options.FlySpeed ?? 0;
        for (int f = 0; f < frames; f++)
        {
            long start = Stopwatch.GetTimestamp();
            if (f > 0 && speed > 0) Camera.FlyLevel(speed * FrameSeconds);
            if (f == 0 || (completeLast && f == frames - 1)) World.Complete(Camera, _renderer!);
            else World.Update(Camera, _renderer!, _options.BudgetMs);
            long serial = 0;
            _target!.Render((cb, fb) => serial = _renderer!.Record(cb, fb, _target.Width, _target.Height, Camera));
            _renderer!.Collect(serial); // Render waited for the frame: everything retired before it is free
            FrameMs.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
            var left = TimeSpan.FromSeconds(FrameSeconds) - Stopwatch.GetElapsedTime(start);
            if (speed > 0 && left > TimeSpan.Zero) Thread.Sleep(left);
        }
    }

    public void Dispose()
    {
        World.Dispose();
        _device?.WaitIdle();
        _target?.Dispose();
        _renderer?.Dispose();
        _pipeline?.Dispose();
        _device?.Dispose();
        _instance.Dispose();
    }
}

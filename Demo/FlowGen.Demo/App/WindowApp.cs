// The windowed viewer: GLFW window + Vulkan swapchain, two frames in flight, fly/orbit camera input,
// streaming within the per-frame budget, and a title bar with frame ms, generation ms/chunk, chunks/s.
// The swapchain is recreated on resize, on VK_ERROR_OUT_OF_DATE_KHR / SUBOPTIMAL and on a vsync toggle;
// while minimised (framebuffer 0x0) the loop waits for events instead of rendering.
using System.Diagnostics;
using System.Numerics;
using FlowGen.Demo.Render;
using FlowGen.Demo.Terrain;
using FlowGen.Demo.Window;
using FlowGen.Runtime.Vulkan;

namespace FlowGen.Demo.App;

internal sealed unsafe class WindowApp : IDisposable
{
    private const int FramesInFlight = 2;
    /// <summary>Base fly speed, metres per second (Shift x4, Ctrl x0.25).</summary>
    private const float FlySpeed = 400f;
    private const float ScrollFlyM = 50f, ScrollOrbitM = 200f;
    /// <summary>Look sensitivity, radians per pixel dragged.</summary>
    private const float LookPerPixel = 0.004f;

    private readonly DemoOptions _options;
    private readonly ITerrainModel _model;
    private readonly DemoWindow _window;
    private readonly VulkanInstance _instance;
    private readonly Camera _camera;
    private readonly List<double> _frameMs = [];
    private DemoWorld? _world;
    private ulong _surface;
    private VulkanDevice? _device;
    private VkSurfaceFormatKHR _format;
    private int _depthFormat;
    private TerrainPipeline? _pipeline;
    private TerrainRenderer? _renderer;
    private Swapchain? _swapchain;
    private readonly nint[] _commandBuffers = new nint[FramesInFlight];
    private readonly ulong[] _fences = new ulong[FramesInFlight];
    private readonly ulong[] _imageAvailable = new ulong[FramesInFlight];
    private readonly long[] _slotSerial = [-1, -1];
    private bool _vsync;
    private int _recreations;

    public static int Run(DemoOptions options, ITerrainModel model)
    {
        var app = new WindowApp(options, model);
        try
        {
            app.Loop();
        }
        finally
        {
            app.Dispose();
        }
        return ValidationSummary.Report(app._instance.Validation);
    }

    private WindowApp(DemoOptions options, ITerrainModel model)
    {
        _options = options;
        _model = model;
        _vsync = options.Vsync;
        _camera = DemoCamera.Create(options);
        _window = new DemoWindow(options.Width, options.Height, "FlowGen demo");
        try
        {
            _instance = new VulkanInstance(DemoWindow.RequiredInstanceExtensions(), options.Validation);
        }
        catch
        {
            _window.Dispose();
            throw;
        }
        try
        {
            _surface = _window.CreateSurface(_instance);
            _device = new VulkanDevice(_instance, _surface);
            _format = Swapchain.ChooseFormat(_device, _surface);
            _depthFormat = _device.DepthFormat();
            _pipeline = new TerrainPipeline(_device, _format.format, _depthFormat, VkEnum.VK_IMAGE_LAYOUT_PRESENT_SRC_KHR, keepDepth: false);
            _world = new DemoWorld(model, options.Seed, options.Temperature ?? model.DefaultTemperature, options.ViewRadius, options.MeshStep, options.Workers, options.Levels, options.Dem);
            var survey = _world.Survey(_camera.Position.X, _camera.Position.Z); // --camera's Y is the altitude above the ground
            _camera.Position += new Vector3(0, survey.Ground, 0);
            _renderer = new TerrainRenderer(_device, _world.Layout, _pipeline)
            {
                FogDistance = _world.ViewDistanceM,
                Ramp = survey.Ramp,
            };
            for (int i = 0; i < FramesInFlight; i++)
            {
                _commandBuffers[i] = _device.AllocateCommandBuffer();
                _fences[i] = _device.CreateFence(signaled: true);
                _imageAvailable[i] = _device.CreateSemaphore();
            }
            RecreateSwapchain();
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    private void Loop()
    {
        Console.WriteLine($"flowgen-demo: window on {_device!.Name}, model {_model.Name}, seed {_world!.Seed}, temperature {_world.Temperature:0.00}");
        var clock = Stopwatch.StartNew();
        double last = 0, lastTitle = -1;
        int frame = 0;
        int? limit = _options.Frames;
        while (!_window.ShouldClose && (limit is null || frame < limit))
        {
            Glfw.PollEvents();
            var (fbw, fbh) = _window.FramebufferSize;
            if (fbw == 0 || fbh == 0)
            {
                Glfw.WaitEventsTimeout(0.1); // minimised: nothing to draw into
                continue;
            }
            double now = clock.Elapsed.TotalSeconds;
            float dt = (float)Math.Min(now - last, 0.1);
            last = now;
            long start = Stopwatch.GetTimestamp();
            HandleInput(dt);
            if (_options.ResizeTest && frame == (limit ?? 0) / 2)
                Glfw.SetWindowSize(_window.Handle, (int)_options.Width / 2, (int)_options.Height / 2);
            // --bench measures frames of a loaded view: the first frame waits for it, like a loading screen.
            if (_options.Bench && frame == 0) _world.Complete(_camera, _renderer!);
            else _world.Update(_camera, _renderer!, _options.BudgetMs);
            if (!DrawFrame(frame % FramesInFlight)) continue;
            frame++;
            _frameMs.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
            if (now - lastTitle >= 0.5)
            {
                lastTitle = now;
                Glfw.SetTitle(_window.Handle, Title());
            }
        }
        string mode = _swapchain?.PresentMode switch
        {
            VkEnum.VK_PRESENT_MODE_FIFO_KHR => "FIFO", VkEnum.VK_PRESENT_MODE_MAILBOX_KHR => "MAILBOX", VkEnum.VK_PRESENT_MODE_IMMEDIATE_KHR => "IMMEDIATE", _ => "?",
        };
        Console.WriteLine($"frames {frame}, swapchain recreations {_recreations}, last extent {_swapchain?.Width}x{_swapchain?.Height}, present mode {mode}");
        if (_options.Bench && _frameMs.Count > 0) BenchReport.Print(_frameMs, _world);
    }

    private string Title()
    {
        double ms = _frameMs.Count == 0 ? 0 : _frameMs.TakeLast(30).Average();
        return $"FlowGen demo | {ms:0.0} ms/frame | gen {_world!.MeanGenerationMs:0} ms/chunk | {_world.ChunksPerSecond:0.0} chunks/s | "
             + $"seed {_world.Seed} | T {_world.Temperature:0.00} | {(_camera.Orbit ? "orbit" : "fly")} | vsync {(_vsync ? "on" : "off")}";
    }

    private void HandleInput(float dt)
    {
        while (_window.TryTakePress(out int key))
        {
            switch (key)
            {
                case Glfw.KEY_ESCAPE: Glfw.SetWindowShouldClose(_window.Handle, 1); break;
                case Glfw.KEY_R: _world!.Reroll(); break;
                case Glfw.KEY_EQUAL or Glfw.KEY_KP_ADD: _world!.AdjustTemperature(+0.05f); break;
                case Glfw.KEY_MINUS or Glfw.KEY_KP_SUBTRACT: _world!.AdjustTemperature(-0.05f); break;
                case Glfw.KEY_O: _camera.ToggleOrbit(); break;
                case Glfw.KEY_V:
                    _vsync = !_vsync;
                    RecreateSwapchain();
                    break;
            }
        }
        float speed = FlySpeed * (_window.KeyDown(Glfw.KEY_LEFT_SHIFT) ? 4f : 1f) * (_window.KeyDown(Glfw.KEY_LEFT_CONTROL) ? 0.25f : 1f) * dt;
        float forward = (_window.KeyDown(Glfw.KEY_W) ? 1 : 0) - (_window.KeyDown(Glfw.KEY_S) ? 1 : 0);
        float right = (_window.KeyDown(Glfw.KEY_D) ? 1 : 0) - (_window.KeyDown(Glfw.KEY_A) ? 1 : 0);
        float up = (_window.KeyDown(Glfw.KEY_E) || _window.KeyDown(Glfw.KEY_SPACE) ? 1 : 0) - (_window.KeyDown(Glfw.KEY_Q) || _window.KeyDown(Glfw.KEY_C) ? 1 : 0);
        // One scroll notch: 50 m up/down when flying, 200 m of zoom in orbit mode.
        float scroll = (float)_window.Scroll * (_camera.Orbit ? ScrollOrbitM : ScrollFlyM);
        _window.Scroll = 0;
        _camera.Move(forward * speed, right * speed, up * speed + scroll);
        _camera.FlyLevel((_options.FlySpeed ?? 0) * dt); // --fly-speed: scripted level flights (tests, demos)
        var (dx, dy) = _window.Drag();
        _camera.Turn((float)dx * LookPerPixel, -(float)dy * LookPerPixel);
    }

    /// <summary>Renders and presents one frame into slot <paramref name="slot"/>; false if the swapchain had to be recreated first.</summary>
    private bool DrawFrame(int slot)
    {
        var api = _device!.Api;
        nint d = _device.Handle;
        _device.WaitFence(_fences[slot]);
        if (_slotSerial[slot] >= 0) _renderer!.Collect(_slotSerial[slot]); // frames complete in submission order

        uint image;
        int acquired = api.vkAcquireNextImageKHR(d, _swapchain!.Handle, ulong.MaxValue, _imageAvailable[slot], 0, &image);
        if (acquired == VkResult.VK_ERROR_OUT_OF_DATE_KHR)
        {
            RecreateSwapchain();
            return false;
        }
        VkResult.Check(acquired, "vkAcquireNextImageKHR");

        ulong fence = _fences[slot];
        VkResult.Check(api.vkResetFences(d, 1, &fence), "vkResetFences");
        nint cb = _commandBuffers[slot];
        VkResult.Check(api.vkResetCommandBuffer(cb, 0), "vkResetCommandBuffer");
        _device.BeginCommandBuffer(cb, oneTime: true);
        _slotSerial[slot] = _renderer!.Record(cb, _swapchain.Framebuffer(image), _swapchain.Width, _swapchain.Height, _camera);
        VkResult.Check(api.vkEndCommandBuffer(cb), "vkEndCommandBuffer");

        ulong wait = _imageAvailable[slot], signal = _swapchain.RenderFinished[image];
        uint waitStage = VkConst.VK_PIPELINE_STAGE_COLOR_ATTACHMENT_OUTPUT_BIT;
        var submit = new VkSubmitInfo
        {
            sType = VkStructureType.SUBMIT_INFO, waitSemaphoreCount = 1, pWaitSemaphores = &wait, pWaitDstStageMask = &waitStage,
            commandBufferCount = 1, pCommandBuffers = &cb, signalSemaphoreCount = 1, pSignalSemaphores = &signal,
        };
        VkResult.Check(api.vkQueueSubmit(_device.Queue, 1, &submit, fence), "vkQueueSubmit");

        ulong swapchain = _swapchain.Handle;
        var present = new VkPresentInfoKHR
        {
            sType = VkStructureType.PRESENT_INFO_KHR, waitSemaphoreCount = 1, pWaitSemaphores = &signal, swapchainCount = 1,
            pSwapchains = &swapchain, pImageIndices = &image,
        };
        int presented = api.vkQueuePresentKHR(_device.Queue, &present);
        if (presented is VkResult.VK_ERROR_OUT_OF_DATE_KHR or VkResult.VK_SUBOPTIMAL_KHR || _window.Resized)
            RecreateSwapchain();
        else
            VkResult.Check(presented, "vkQueuePresentKHR");
        return true;
    }

    private void RecreateSwapchain()
    {
        _window.Resized = false;
        var (w, h) = _window.FramebufferSize;
        while (w == 0 || h == 0) // minimised: wait until the window has a size again
        {
            Glfw.WaitEventsTimeout(0.1);
            if (_window.ShouldClose) return;
            (w, h) = _window.FramebufferSize;
        }
        _device!.WaitIdle();
        var old = _swapchain;
        _swapchain = new Swapchain(_device, _surface, _format, _depthFormat, _pipeline!, w, h, _vsync, old?.Handle ?? 0);
        old?.Dispose();
        if (old is not null) _recreations++;
    }

    public void Dispose()
    {
        _world?.Dispose();
        if (_device is not null)
        {
            _device.WaitIdle();
            var api = _device.Api;
            for (int i = 0; i < FramesInFlight; i++)
            {
                if (_fences[i] != 0) api.vkDestroyFence(_device.Handle, _fences[i], null);
                if (_imageAvailable[i] != 0) api.vkDestroySemaphore(_device.Handle, _imageAvailable[i], null);
                if (_commandBuffers[i] != 0) _device.FreeCommandBuffer(_commandBuffers[i]);
                _fences[i] = _imageAvailable[i] = 0;
                _commandBuffers[i] = 0;
            }
            _swapchain?.Dispose();
            _renderer?.Dispose();
            _pipeline?.Dispose();
            _device.Dispose();
        }
        if (_surface != 0) _instance.Api.vkDestroySurfaceKHR(_instance.Handle, _surface, null);
        _surface = 0;
        _instance.Dispose();
        _window.Dispose();
    }
}

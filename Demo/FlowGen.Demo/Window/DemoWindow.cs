// The GLFW window and its input: held keys are polled each frame, discrete presses (reroll, temperature,
// orbit, vsync, quit) and scroll arrive through callbacks and are queued for the render loop.
using System.Runtime.InteropServices;
using FlowGen.Runtime;
using FlowGen.Runtime.Vulkan;

namespace FlowGen.Demo.Window;

/// <summary>No display, no GLFW, or no Vulkan support in GLFW: the window cannot open.</summary>
internal sealed class DisplayException(string message, Exception? inner = null) : FlowGenException(message, null, inner);

internal sealed unsafe class DemoWindow : IDisposable
{
    // GLFW callbacks are static native functions; the viewer has one window, so they feed this instance.
    private static DemoWindow? _current;

    private readonly Queue<int> _presses = new();
    private double _lastX, _lastY;
    private bool _dragging;

    public nint Handle { get; private set; }
    public bool Resized { get; set; }
    public double Scroll { get; set; }

    public DemoWindow(uint width, uint height, string title)
    {
        try
        {
            if (Glfw.Init() == 0)
                throw new DisplayException($"cannot open a window: {Glfw.LastError() ?? "glfwInit failed"} (use --headless to render without a display)");
        }
        catch (DllNotFoundException e)
        {
            throw new DisplayException("cannot open a window: the GLFW library (libglfw.so.3 / glfw3.dll) is not installed (Debian: libglfw3); use --headless", e);
        }
        if (Glfw.VulkanSupported() == 0)
        {
            Glfw.Terminate();
            throw new DisplayException("GLFW found no Vulkan loader for window surfaces");
        }
        Glfw.WindowHint(Glfw.CLIENT_API, Glfw.NO_API);
        Glfw.WindowHint(Glfw.RESIZABLE, 1);
        nint utf8 = Marshal.StringToCoTaskMemUTF8(title);
        try { Handle = Glfw.CreateWindow((int)width, (int)height, (byte*)utf8, 0, 0); }
        finally { Marshal.FreeCoTaskMem(utf8); }
        if (Handle == 0)
        {
            string why = Glfw.LastError() ?? "glfwCreateWindow failed";
            Glfw.Terminate();
            throw new DisplayException($"cannot open a window: {why}");
        }
        _current = this;
        Glfw.SetKeyCallback(Handle, &OnKey);
        Glfw.SetScrollCallback(Handle, &OnScroll);
        Glfw.SetFramebufferSizeCallback(Handle, &OnFramebufferSize);
    }

    /// <summary>The instance extensions GLFW needs for a surface (VK_KHR_surface + the platform's).</summary>
    public static List<string> RequiredInstanceExtensions()
    {
        uint count;
        byte** names = Glfw.GetRequiredInstanceExtensions(&count);
        if (names == null) throw new DisplayException("GLFW cannot create Vulkan surfaces here: " + (Glfw.LastError() ?? "no surface extensions"));
        var list = new List<string>();
        for (int i = 0; i < count; i++) list.Add(Marshal.PtrToStringUTF8((nint)names[i])!);
        return list;
    }

    public ulong CreateSurface(VulkanInstance instance)
    {
        ulong surface;
        VkResult.Check(Glfw.CreateWindowSurface(instance.Handle, Handle, null, &surface), "glfwCreateWindowSurface");
        return surface;
    }

    public (uint Width, uint Height) FramebufferSize
    {
        get
        {
            int w, h;
            Glfw.GetFramebufferSize(Handle, &w, &h);
            return ((uint)Math.Max(w, 0), (uint)Math.Max(h, 0));
        }
    }

    public bool ShouldClose => Glfw.WindowShouldClose(Handle) != 0;
    public bool KeyDown(int key) => Glfw.GetKey(Handle, key) == Glfw.PRESS;
    public bool TryTakePress(out int key) => _presses.TryDequeue(out key);

    /// <summary>Mouse movement since the last call while a button is held (drag to look), in pixels.</summary>
    public (double Dx, double Dy) Drag()
    {
        double x, y;
        Glfw.GetCursorPos(Handle, &x, &y);
        bool down = Glfw.GetMouseButton(Handle, Glfw.MOUSE_BUTTON_LEFT) == Glfw.PRESS || Glfw.GetMouseButton(Handle, Glfw.MOUSE_BUTTON_RIGHT) == Glfw.PRESS;
        var d = down && _dragging ? (x - _lastX, y - _lastY) : (0, 0);
        _dragging = down;
        _lastX = x;
        _lastY = y;
        return d;
    }

    [UnmanagedCallersOnly]
    private static void OnKey(nint window, int key, int scancode, int action, int mods)
    {
        if (action == Glfw.PRESS) _current?._presses.Enqueue(key);
    }

    [UnmanagedCallersOnly]
    private static void OnScroll(nint window, double x, double y)
    {
        if (_current is { } w) w.Scroll += y;
    }

    [UnmanagedCallersOnly]
    private static void OnFramebufferSize(nint window, int width, int height)
    {
        if (_current is { } w) w.Resized = true;
    }

    public void Dispose()
    {
        if (Handle != 0) Glfw.DestroyWindow(Handle);
        Handle = 0;
        _current = null;
        Glfw.Terminate();
    }
}

// GLFW 3.3 by P/Invoke: only what the viewer uses (a window without a client API, a Vulkan surface,
// keyboard, mouse, scroll, framebuffer size). The library is libglfw.so.3 on Linux (the unversioned
// name ships only with -dev), glfw3.dll on Windows, libglfw.3.dylib on macOS.
using System.Reflection;
using System.Runtime.InteropServices;

namespace FlowGen.Demo.Window;

internal static unsafe partial class Glfw
{
    private const string Lib = "glfw";

    public const int CLIENT_API = 0x00022001, NO_API = 0, RESIZABLE = 0x00020003;
    public const int PRESS = 1, RELEASE = 0;
    public const int MOUSE_BUTTON_LEFT = 0, MOUSE_BUTTON_RIGHT = 1;
    public const int KEY_SPACE = 32, KEY_MINUS = 45, KEY_EQUAL = 61, KEY_A = 65, KEY_C = 67, KEY_D = 68, KEY_E = 69;
    public const int KEY_O = 79, KEY_Q = 81, KEY_R = 82, KEY_S = 83, KEY_V = 86, KEY_W = 87;
    public const int KEY_ESCAPE = 256, KEY_KP_SUBTRACT = 333, KEY_KP_ADD = 334, KEY_LEFT_SHIFT = 340, KEY_LEFT_CONTROL = 341;

    static Glfw()
    {
        NativeLibrary.SetDllImportResolver(typeof(Glfw).Assembly, Resolve);
    }

    private static nint Resolve(string name, Assembly assembly, DllImportSearchPath? path)
    {
        if (name != Lib) return 0;
        string[] candidates = OperatingSystem.IsWindows() ? ["glfw3.dll", "glfw.dll"]
            : OperatingSystem.IsMacOS() ? ["libglfw.3.dylib", "libglfw.dylib"]
            : ["libglfw.so.3", "libglfw.so"];
        foreach (string c in candidates)
            if (NativeLibrary.TryLoad(c, assembly, path, out nint h)) return h;
        return 0; // the runtime then throws DllNotFoundException, turned into a clear message by WindowApp
    }

    [LibraryImport(Lib, EntryPoint = "glfwInit")] public static partial int Init();
    [LibraryImport(Lib, EntryPoint = "glfwTerminate")] public static partial void Terminate();
    [LibraryImport(Lib, EntryPoint = "glfwGetError")] public static partial int GetError(byte** description);
    [LibraryImport(Lib, EntryPoint = "glfwWindowHint")] public static partial void WindowHint(int hint, int value);
    [LibraryImport(Lib, EntryPoint = "glfwCreateWindow")] public static partial nint CreateWindow(int width, int height, byte* title, nint monitor, nint share);
    [LibraryImport(Lib, EntryPoint = "glfwDestroyWindow")] public static partial void DestroyWindow(nint window);
    [LibraryImport(Lib, EntryPoint = "glfwWindowShouldClose")] public static partial int WindowShouldClose(nint window);
    [LibraryImport(Lib, EntryPoint = "glfwSetWindowShouldClose")] public static partial void SetWindowShouldClose(nint window, int value);
    [LibraryImport(Lib, EntryPoint = "glfwSetWindowTitle")] public static partial void SetWindowTitle(nint window, byte* title);
    [LibraryImport(Lib, EntryPoint = "glfwSetWindowSize")] public static partial void SetWindowSize(nint window, int width, int height);
    [LibraryImport(Lib, EntryPoint = "glfwGetFramebufferSize")] public static partial void GetFramebufferSize(nint window, int* width, int* height);
    [LibraryImport(Lib, EntryPoint = "glfwPollEvents")] public static partial void PollEvents();
    [LibraryImport(Lib, EntryPoint = "glfwWaitEventsTimeout")] public static partial void WaitEventsTimeout(double seconds);
    [LibraryImport(Lib, EntryPoint = "glfwGetTime")] public static partial double GetTime();
    [LibraryImport(Lib, EntryPoint = "glfwGetKey")] public static partial int GetKey(nint window, int key);
    [LibraryImport(Lib, EntryPoint = "glfwGetMouseButton")] public static partial int GetMouseButton(nint window, int button);
    [LibraryImport(Lib, EntryPoint = "glfwGetCursorPos")] public static partial void GetCursorPos(nint window, double* x, double* y);
    [LibraryImport(Lib, EntryPoint = "glfwVulkanSupported")] public static partial int VulkanSupported();
    [LibraryImport(Lib, EntryPoint = "glfwGetRequiredInstanceExtensions")] public static partial byte** GetRequiredInstanceExtensions(uint* count);
    [LibraryImport(Lib, EntryPoint = "glfwCreateWindowSurface")] public static partial int CreateWindowSurface(nint instance, nint window, void* allocator, ulong* surface);
    [LibraryImport(Lib, EntryPoint = "glfwSetKeyCallback")]
    public static partial nint SetKeyCallback(nint window, delegate* unmanaged<nint, int, int, int, int, void> callback);
    [LibraryImport(Lib, EntryPoint = "glfwSetScrollCallback")]
    public static partial nint SetScrollCallback(nint window, delegate* unmanaged<nint, double, double, void> callback);
    [LibraryImport(Lib, EntryPoint = "glfwSetFramebufferSizeCallback")]
    public static partial nint SetFramebufferSizeCallback(nint window, delegate* unmanaged<nint, int, int, void> callback);

    /// <summary>GLFW's description of its last error, or null.</summary>
    public static string? LastError()
    {
        byte* description = null;
        return GetError(&description) == 0 || description == null ? null : Marshal.PtrToStringUTF8((nint)description);
    }

    public static void SetTitle(nint window, string title)
    {
        nint utf8 = Marshal.StringToCoTaskMemUTF8(title);
        try { SetWindowTitle(window, (byte*)utf8); }
        finally { Marshal.FreeCoTaskMem(utf8); }
    }
}

// Loads the Vulkan loader library (libvulkan.so.1 / vulkan-1.dll / libvulkan.1.dylib) once per process and
// resolves vkGetInstanceProcAddr; every other entry point is fetched through it (global and instance
// functions) or through vkGetDeviceProcAddr (device functions, see VkDeviceApi).
using System.Runtime.InteropServices;

namespace FlowGen.Runtime.Vulkan;

internal static unsafe class VkLoader
{
    private static readonly object Gate = new();
    private static nint _library;
    private static delegate* unmanaged<nint, byte*, nint> _getInstanceProcAddr;

    // Global commands (instance handle 0).
    public static delegate* unmanaged<VkInstanceCreateInfo*, void*, nint*, int> vkCreateInstance;
    public static delegate* unmanaged<uint*, VkLayerProperties*, int> vkEnumerateInstanceLayerProperties;
    public static delegate* unmanaged<byte*, uint*, VkExtensionProperties*, int> vkEnumerateInstanceExtensionProperties;

    /// <summary>The sonames tried, in order: only the versioned names ship without the -dev packages.</summary>
    private static string[] LibraryNames =>
        OperatingSystem.IsWindows() ? ["vulkan-1.dll"]
        : OperatingSystem.IsMacOS() ? ["libvulkan.1.dylib", "libMoltenVK.dylib"]
        : ["libvulkan.so.1"];

    /// <summary>Loads the library and the global commands; throws <see cref="VulkanException"/> if there is no loader.</summary>
    public static void EnsureLoaded()
    {
        lock (Gate)
        {
            if (_library != 0) return;
            nint lib = 0;
            foreach (string name in LibraryNames)
                if (NativeLibrary.TryLoad(name, out lib)) break;
            if (lib == 0)
                throw new VulkanException($"no Vulkan loader found ({string.Join(", ", LibraryNames)}); install a Vulkan driver (on Debian: libvulkan1 mesa-vulkan-drivers)");
            if (!NativeLibrary.TryGetExport(lib, "vkGetInstanceProcAddr", out nint gipa))
                throw new VulkanException("the Vulkan loader does not export vkGetInstanceProcAddr");
            _getInstanceProcAddr = (delegate* unmanaged<nint, byte*, nint>)gipa;
            vkCreateInstance = (delegate* unmanaged<VkInstanceCreateInfo*, void*, nint*, int>)Require(0, "vkCreateInstance");
            vkEnumerateInstanceLayerProperties = (delegate* unmanaged<uint*, VkLayerProperties*, int>)Require(0, "vkEnumerateInstanceLayerProperties");
            vkEnumerateInstanceExtensionProperties = (delegate* unmanaged<byte*, uint*, VkExtensionProperties*, int>)Require(0, "vkEnumerateInstanceExtensionProperties");
            _library = lib;
        }
    }

    /// <summary>vkGetInstanceProcAddr; 0 when the command is not available.</summary>
    public static nint GetInstanceProcAddr(nint instance, string name)
    {
        Span<byte> utf8 = stackalloc byte[128];
        int n = System.Text.Encoding.UTF8.GetBytes(name, utf8[..^1]);
        utf8[n] = 0;
        fixed (byte* p = utf8) return _getInstanceProcAddr(instance, p);
    }

    /// <summary>Like <see cref="GetInstanceProcAddr"/> but throws when the command is missing.</summary>
    public static nint Require(nint instance, string name)
    {
        nint f = GetInstanceProcAddr(instance, name);
        if (f == 0) throw new VulkanException($"the Vulkan implementation lacks {name}");
        return f;
    }

    /// <summary>The names of the instance layers installed (e.g. VK_LAYER_KHRONOS_validation).</summary>
    public static List<string> InstanceLayers()
    {
        EnsureLoaded();
        uint count = 0;
        VkResult.Check(vkEnumerateInstanceLayerProperties(&count, null), "vkEnumerateInstanceLayerProperties");
        var props = new VkLayerProperties[count];
        fixed (VkLayerProperties* p = props)
            VkResult.Check(vkEnumerateInstanceLayerProperties(&count, p), "vkEnumerateInstanceLayerProperties");
        var names = new List<string>();
        for (int i = 0; i < count; i++)
            fixed (byte* name = props[i].layerName) names.Add(Marshal.PtrToStringUTF8((nint)name) ?? "");
        return names;
    }

    /// <summary>The instance extensions the loader and drivers offer (no layer).</summary>
    public static List<string> InstanceExtensions()
    {
        EnsureLoaded();
        uint count = 0;
        VkResult.Check(vkEnumerateInstanceExtensionProperties(null, &count, null), "vkEnumerateInstanceExtensionProperties");
        var props = new VkExtensionProperties[count];
        fixed (VkExtensionProperties* p = props)
            VkResult.Check(vkEnumerateInstanceExtensionProperties(null, &count, p), "vkEnumerateInstanceExtensionProperties");
        var names = new List<string>();
        for (int i = 0; i < count; i++)
            fixed (byte* name = props[i].extensionName) names.Add(Marshal.PtrToStringUTF8((nint)name) ?? "");
        return names;
    }
}

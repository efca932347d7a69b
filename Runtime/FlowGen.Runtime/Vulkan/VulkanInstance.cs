// Owns a VkInstance (and, with validation on, the Khronos validation layer and a debug messenger).
// Creation checks every VkResult; "no driver" comes out as a VulkanException with a readable message.
using System.Runtime.InteropServices;

namespace FlowGen.Runtime.Vulkan;

internal sealed unsafe class VulkanInstance : IDisposable
{
    public const string ValidationLayer = "VK_LAYER_KHRONOS_validation";
    private const string DebugUtils = "VK_EXT_debug_utils";

    private GCHandle _logHandle;
    private ulong _messenger;

    public nint Handle { get; private set; }
    public VkInstanceApi Api { get; }
    /// <summary>Validation messages; null when validation is off.</summary>
    public ValidationLog? Validation { get; }

    /// <param name="extensions">Instance extensions to enable (e.g. the surface extensions GLFW asks for).</param>
    /// <param name="validation">Enable VK_LAYER_KHRONOS_validation; throws if the layer is not installed.</param>
    /// <param name="echoValidation">Also print each validation message to stderr.</param>
    public VulkanInstance(IReadOnlyList<string> extensions, bool validation, bool echoValidation = true)
    {
        VkLoader.EnsureLoaded();
        var ext = new List<string>(extensions);
        var layers = new List<string>();
        if (validation)
        {
            if (!VkLoader.InstanceLayers().Contains(ValidationLayer))
                throw new VulkanException($"validation requested but {ValidationLayer} is not installed (Debian: vulkan-validationlayers)");
            layers.Add(ValidationLayer);
            ext.Add(DebugUtils);
            Validation = new ValidationLog { Echo = echoValidation };
            _logHandle = GCHandle.Alloc(Validation);
        }

        nint[] strings = [.. ext.Concat(layers).Select(Marshal.StringToCoTaskMemUTF8)];
        try
        {
            fixed (nint* names = strings)
            {
                var app = new VkApplicationInfo
                {
                    sType = VkStructureType.APPLICATION_INFO,
                    apiVersion = VkConst.VK_API_VERSION_1_1,
                };
                // The messenger also goes in pNext so vkCreateInstance/vkDestroyInstance are covered (leak reports).
                var messengerInfo = validation ? ValidationLog.CreateInfo(_logHandle) : default;
                var info = new VkInstanceCreateInfo
                {
                    sType = VkStructureType.INSTANCE_CREATE_INFO,
                    pNext = validation ? &messengerInfo : null,
                    pApplicationInfo = &app,
                    enabledExtensionCount = (uint)ext.Count,
                    ppEnabledExtensionNames = (byte**)names,
                    enabledLayerCount = (uint)layers.Count,
                    ppEnabledLayerNames = (byte**)(names + ext.Count),
                };
                nint instance;
                int r = VkLoader.vkCreateInstance(&info, null, &instance);
                if (r == VkResult.VK_ERROR_INCOMPATIBLE_DRIVER)
                    throw new VulkanException("no Vulkan driver (ICD) found: vkCreateInstance returned VK_ERROR_INCOMPATIBLE_DRIVER; install one (Debian: mesa-vulkan-drivers) or check VK_ICD_FILENAMES", r);
                if (r == -7)
                    throw new VulkanException($"vkCreateInstance: an instance extension is not available ({string.Join(", ", ext)})", r);
                VkResult.Check(r, "vkCreateInstance");
                Handle = instance;
                Api = new VkInstanceApi(instance);
                if (validation)
                {
                    ulong messenger;
                    VkResult.Check(Api.vkCreateDebugUtilsMessengerEXT(instance, &messengerInfo, null, &messenger), "vkCreateDebugUtilsMessengerEXT");
                    _messenger = messenger;
                }
            }
        }
        catch
        {
            if (_logHandle.IsAllocated) _logHandle.Free();
            throw;
        }
        finally
        {
            foreach (nint s in strings) Marshal.FreeCoTaskMem(s);
        }
    }

    /// <summary>All physical devices, with their properties.</summary>
    public List<(nint Device, VkPhysicalDeviceProperties Properties)> PhysicalDevices()
    {
        uint count = 0;
        VkResult.Check(Api.vkEnumeratePhysicalDevices(Handle, &count, null), "vkEnumeratePhysicalDevices");
        var devices = new nint[count];
        fixed (nint* p = devices) VkResult.Check(Api.vkEnumeratePhysicalDevices(Handle, &count, p), "vkEnumeratePhysicalDevices");
        var list = new List<(nint, VkPhysicalDeviceProperties)>();
        foreach (nint d in devices.AsSpan(0, (int)count))
        {
            VkPhysicalDeviceProperties props;
            Api.vkGetPhysicalDeviceProperties(d, &props);
            list.Add((d, props));
        }
        return list;
    }

    public void Dispose()
    {
        if (Handle == 0) return;
        if (_messenger != 0) Api.vkDestroyDebugUtilsMessengerEXT(Handle, _messenger, null);
        _messenger = 0;
        Api.vkDestroyInstance(Handle, null);
        Handle = 0;
        if (_logHandle.IsAllocated) _logHandle.Free();
    }
}

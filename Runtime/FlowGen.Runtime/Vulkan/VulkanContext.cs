// The Vulkan instance and device a FlowModel on the Vulkan backend owns (compute only, no surface). Validation is
// on when FLOWGEN_VULKAN_VALIDATION=1 and the layer is installed; its errors then fail Dispose's check in tests.
namespace FlowGen.Runtime.Vulkan;

internal sealed class VulkanContext : IDisposable
{
    private VulkanContext(VulkanInstance instance, VulkanDevice device) => (Instance, Device) = (instance, device);

    public VulkanInstance Instance { get; }
    public VulkanDevice Device { get; }

    /// <summary>Creates the instance and picks a device; <paramref name="source"/> names the model in errors.</summary>
    public static VulkanContext Create(string source)
    {
        VulkanInstance? instance = null;
        try
        {
            bool validation = Environment.GetEnvironmentVariable("FLOWGEN_VULKAN_VALIDATION") == "1"
                && VkLoader.InstanceLayers().Contains(VulkanInstance.ValidationLayer);
            instance = new VulkanInstance([], validation, echoValidation: false);
            return new VulkanContext(instance, new VulkanDevice(instance));
        }
        catch (VulkanException e)
        {
            instance?.Dispose();
            throw new VulkanException($"{source}: the Vulkan backend needs a Vulkan driver and device: {e.Message}", e.Result, e);
        }
        catch
        {
            instance?.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        Device.Dispose();
        Instance.Dispose();
    }
}

/// <summary>Whether this machine can run the Vulkan backend, for tests and tools that skip or fall back.</summary>
internal static class VulkanDeviceProbe
{
    private static readonly Lazy<string?> Reason = new(() =>
    {
        try
        {
            using var instance = new VulkanInstance([], validation: false);
            return instance.PhysicalDevices().Count == 0 ? "no Vulkan physical device" : null;
        }
        catch (VulkanException e)
        {
            return "Vulkan unavailable: " + e.Message;
        }
    });

    /// <summary>Null when a Vulkan device is there, else why not.</summary>
    public static string? Missing() => Reason.Value;
}

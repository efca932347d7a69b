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

// The binding end to end on the machine's driver (lavapipe in CI): instance with validation, device,
// a host-visible buffer round trip, and a clean teardown that the validation layer accepts (no leaks).
using FlowGen.Runtime.Vulkan;

namespace FlowGen.Runtime.Tests.Vulkan;

public class VulkanDeviceTests
{
    private static bool HasValidationLayer() => VkLoader.InstanceLayers().Contains(VulkanInstance.ValidationLayer);

    [VulkanFact]
    public void DeviceBufferAndTeardownAreCleanUnderValidation()
    {
        bool validation = HasValidationLayer();
        var instance = new VulkanInstance([], validation, echoValidation: false);
        var log = instance.Validation;
        try
        {
            using var device = new VulkanDevice(instance);
            Assert.False(string.IsNullOrEmpty(device.Name));
            using var buffer = new VulkanBuffer(device, 4096, VkConst.VK_BUFFER_USAGE_TRANSFER_DST_BIT);
            var words = buffer.AsSpan<uint>();
            Assert.Equal(1024, words.Length);
            for (int i = 0; i < words.Length; i++) words[i] = (uint)(i * 2654435761u);
            for (int i = 0; i < words.Length; i++) Assert.Equal((uint)(i * 2654435761u), words[i]);
            Assert.NotEqual(VkEnum.VK_FORMAT_UNDEFINED, device.DepthFormat());
        }
        finally
        {
            instance.Dispose();
        }
        if (log is not null)
            Assert.True(log.Errors == 0, string.Join("\n", log.Messages));
    }

    [VulkanFact]
    public void LeakedObjectIsReportedByValidation()
    {
        // The no-leak assertions elsewhere are only meaningful if a leak is reported: leak a buffer on purpose.
        if (!HasValidationLayer()) return;
        var instance = new VulkanInstance([], validation: true, echoValidation: false);
        var device = new VulkanDevice(instance);
        var leaked = new VulkanBuffer(device, 256, VkConst.VK_BUFFER_USAGE_TRANSFER_DST_BIT);
        device.Dispose();
        instance.Dispose();
        Assert.True(instance.Validation!.Errors > 0, "destroying a device with a live buffer was not reported");
        GC.KeepAlive(leaked);
    }

    [VulkanFact]
    public void ShaderModuleRejectsNonSpirv()
    {
        using var instance = new VulkanInstance([], validation: false);
        using var device = new VulkanDevice(instance);
        var e = Assert.Throws<VulkanException>(() => device.CreateShaderModule(new byte[] { 1, 2, 3, 4, 5, 6, 7, 8 }));
        Assert.Contains("SPIR-V", e.Message);
    }
}

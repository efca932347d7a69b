// A 2D device-local VkImage with its memory and a view: colour targets, depth buffers.
namespace FlowGen.Runtime.Vulkan;

internal sealed unsafe class VulkanImage : IDisposable
{
    private readonly VulkanDevice _device;
    private ulong _memory;

    public ulong Handle { get; private set; }
    public ulong View { get; private set; }
    public int Format { get; }
    public uint Width { get; }
    public uint Height { get; }

    public VulkanImage(VulkanDevice device, uint width, uint height, int format, uint usage, uint aspect)
    {
        _device = device;
        Format = format;
        Width = width;
        Height = height;
        var api = device.Api;
        var info = new VkImageCreateInfo
        {
            sType = VkStructureType.IMAGE_CREATE_INFO, imageType = VkEnum.VK_IMAGE_TYPE_2D, format = format,
            extent = new VkExtent3D { width = width, height = height, depth = 1 }, mipLevels = 1, arrayLayers = 1,
            samples = VkConst.VK_SAMPLE_COUNT_1_BIT, tiling = VkEnum.VK_IMAGE_TILING_OPTIMAL, usage = usage,
            sharingMode = VkEnum.VK_SHARING_MODE_EXCLUSIVE, initialLayout = VkEnum.VK_IMAGE_LAYOUT_UNDEFINED,
        };
        ulong image;
        VkResult.Check(api.vkCreateImage(device.Handle, &info, null, &image), "vkCreateImage");
        Handle = image;
        try
        {
            VkMemoryRequirements req;
            api.vkGetImageMemoryRequirements(device.Handle, image, &req);
            _memory = device.Allocate(req, VkConst.VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT);
            VkResult.Check(api.vkBindImageMemory(device.Handle, image, _memory, 0), "vkBindImageMemory");
            View = CreateView(device, image, format, aspect);
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>A 2D view of one mip level and layer (also used for swapchain images).</summary>
    public static ulong CreateView(VulkanDevice device, ulong image, int format, uint aspect)
    {
        var info = new VkImageViewCreateInfo
        {
            sType = VkStructureType.IMAGE_VIEW_CREATE_INFO, image = image, viewType = VkEnum.VK_IMAGE_VIEW_TYPE_2D, format = format,
            subresourceRange = new VkImageSubresourceRange { aspectMask = aspect, levelCount = 1, layerCount = 1 },
        };
        ulong view;
        VkResult.Check(device.Api.vkCreateImageView(device.Handle, &info, null, &view), "vkCreateImageView");
        return view;
    }

    public void Dispose()
    {
        var api = _device.Api;
        if (View != 0) api.vkDestroyImageView(_device.Handle, View, null);
        View = 0;
        if (Handle != 0) api.vkDestroyImage(_device.Handle, Handle, null);
        Handle = 0;
        if (_memory != 0) api.vkFreeMemory(_device.Handle, _memory, null);
        _memory = 0;
    }
}

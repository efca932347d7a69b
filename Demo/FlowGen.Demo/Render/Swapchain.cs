// The window's swapchain: images, views, one depth buffer, framebuffers for the terrain render pass, and
// one "render finished" semaphore per image (an image's semaphore is only reused once it was presented
// again). Recreated whole on resize, vsync toggle or VK_ERROR_OUT_OF_DATE_KHR.
using FlowGen.Runtime.Vulkan;

namespace FlowGen.Demo.Render;

internal sealed unsafe class Swapchain : IDisposable
{
    private readonly VulkanDevice _device;
    private readonly ulong[] _images;
    private readonly ulong[] _views;
    private readonly ulong[] _framebuffers;
    private readonly VulkanImage _depth;

    public ulong Handle { get; private set; }
    public uint Width { get; }
    public uint Height { get; }
    public int PresentMode { get; }
    public ulong[] RenderFinished { get; }
    public int ImageCount => _images.Length;
    public ulong Framebuffer(uint image) => _framebuffers[image];

    /// <summary>The colour format the swapchain will use on <paramref name="surface"/> (B8G8R8A8_UNORM when offered:
    /// the shaders write display-ready colours, as in the offscreen RGBA8_UNORM target).</summary>
    public static VkSurfaceFormatKHR ChooseFormat(VulkanDevice device, ulong surface)
    {
        var vki = device.Instance.Api;
        uint count = 0;
        VkResult.Check(vki.vkGetPhysicalDeviceSurfaceFormatsKHR(device.PhysicalDevice, surface, &count, null), "vkGetPhysicalDeviceSurfaceFormatsKHR");
        if (count == 0) throw new VulkanException("the window surface offers no image format");
        var formats = new VkSurfaceFormatKHR[count];
        fixed (VkSurfaceFormatKHR* f = formats)
            VkResult.Check(vki.vkGetPhysicalDeviceSurfaceFormatsKHR(device.PhysicalDevice, surface, &count, f), "vkGetPhysicalDeviceSurfaceFormatsKHR");
        foreach (var f in formats)
            if (f.format is VkEnum.VK_FORMAT_B8G8R8A8_UNORM or VkEnum.VK_FORMAT_R8G8B8A8_UNORM) return f;
        return formats[0];
    }

    public Swapchain(VulkanDevice device, ulong surface, VkSurfaceFormatKHR format, int depthFormat, TerrainPipeline pipeline,
        uint width, uint height, bool vsync, ulong oldSwapchain)
    {
        _device = device;
        var vki = device.Instance.Api;
        var api = device.Api;
        VkSurfaceCapabilitiesKHR caps;
        VkResult.Check(vki.vkGetPhysicalDeviceSurfaceCapabilitiesKHR(device.PhysicalDevice, surface, &caps), "vkGetPhysicalDeviceSurfaceCapabilitiesKHR");
        // currentExtent 0xFFFFFFFF means "the swapchain decides"; otherwise it must match the window.
        Width = caps.currentExtent.width != uint.MaxValue ? caps.currentExtent.width : Math.Clamp(width, caps.minImageExtent.width, caps.maxImageExtent.width);
        Height = caps.currentExtent.height != uint.MaxValue ? caps.currentExtent.height : Math.Clamp(height, caps.minImageExtent.height, caps.maxImageExtent.height);
        PresentMode = ChoosePresentMode(vki, device.PhysicalDevice, surface, vsync);
        uint imageCount = caps.minImageCount + 1;
        if (caps.maxImageCount != 0) imageCount = Math.Min(imageCount, caps.maxImageCount);
        var info = new VkSwapchainCreateInfoKHR
        {
            sType = VkStructureType.SWAPCHAIN_CREATE_INFO_KHR, surface = surface, minImageCount = imageCount, imageFormat = format.format,
            imageColorSpace = format.colorSpace, imageExtent = new VkExtent2D { width = Width, height = Height }, imageArrayLayers = 1,
            imageUsage = VkConst.VK_IMAGE_USAGE_COLOR_ATTACHMENT_BIT, imageSharingMode = VkEnum.VK_SHARING_MODE_EXCLUSIVE,
            preTransform = caps.currentTransform,
            compositeAlpha = (caps.supportedCompositeAlpha & VkConst.VK_COMPOSITE_ALPHA_OPAQUE_BIT_KHR) != 0 ? VkConst.VK_COMPOSITE_ALPHA_OPAQUE_BIT_KHR : VkConst.VK_COMPOSITE_ALPHA_INHERIT_BIT_KHR,
            presentMode = PresentMode, clipped = 1, oldSwapchain = oldSwapchain,
        };
        ulong swapchain;
        VkResult.Check(api.vkCreateSwapchainKHR(device.Handle, &info, null, &swapchain), "vkCreateSwapchainKHR");
        Handle = swapchain;

        uint n = 0;
        VkResult.Check(api.vkGetSwapchainImagesKHR(device.Handle, swapchain, &n, null), "vkGetSwapchainImagesKHR");
        _images = new ulong[n];
        fixed (ulong* p = _images) VkResult.Check(api.vkGetSwapchainImagesKHR(device.Handle, swapchain, &n, p), "vkGetSwapchainImagesKHR");
        _views = new ulong[n];
        _framebuffers = new ulong[n];
        RenderFinished = new ulong[n];
        _depth = new VulkanImage(device, Width, Height, depthFormat, VkConst.VK_IMAGE_USAGE_DEPTH_STENCIL_ATTACHMENT_BIT, VkConst.VK_IMAGE_ASPECT_DEPTH_BIT);
        var attachments = stackalloc ulong[2];
        attachments[1] = _depth.View;
        for (int i = 0; i < n; i++)
        {
            _views[i] = VulkanImage.CreateView(device, _images[i], format.format, VkConst.VK_IMAGE_ASPECT_COLOR_BIT);
            attachments[0] = _views[i];
            var fb = new VkFramebufferCreateInfo
            {
                sType = VkStructureType.FRAMEBUFFER_CREATE_INFO, renderPass = pipeline.RenderPass, attachmentCount = 2, pAttachments = attachments,
                width = Width, height = Height, layers = 1,
            };
            ulong framebuffer;
            VkResult.Check(api.vkCreateFramebuffer(device.Handle, &fb, null, &framebuffer), "vkCreateFramebuffer");
            _framebuffers[i] = framebuffer;
            RenderFinished[i] = device.CreateSemaphore();
        }
    }

    private static int ChoosePresentMode(VkInstanceApi vki, nint physicalDevice, ulong surface, bool vsync)
    {
        if (vsync) return VkEnum.VK_PRESENT_MODE_FIFO_KHR; // always supported
        uint count = 0;
        VkResult.Check(vki.vkGetPhysicalDeviceSurfacePresentModesKHR(physicalDevice, surface, &count, null), "vkGetPhysicalDeviceSurfacePresentModesKHR");
        var modes = new int[count];
        fixed (int* m = modes) VkResult.Check(vki.vkGetPhysicalDeviceSurfacePresentModesKHR(physicalDevice, surface, &count, m), "vkGetPhysicalDeviceSurfacePresentModesKHR");
        if (modes.Contains(VkEnum.VK_PRESENT_MODE_MAILBOX_KHR)) return VkEnum.VK_PRESENT_MODE_MAILBOX_KHR;
        if (modes.Contains(VkEnum.VK_PRESENT_MODE_IMMEDIATE_KHR)) return VkEnum.VK_PRESENT_MODE_IMMEDIATE_KHR;
        return VkEnum.VK_PRESENT_MODE_FIFO_KHR;
    }

    /// <summary>Destroys everything; the caller has waited for the device to be idle.</summary>
    public void Dispose()
    {
        var api = _device.Api;
        nint d = _device.Handle;
        for (int i = 0; i < _images.Length; i++)
        {
            if (_framebuffers[i] != 0) api.vkDestroyFramebuffer(d, _framebuffers[i], null);
            if (_views[i] != 0) api.vkDestroyImageView(d, _views[i], null);
            if (RenderFinished[i] != 0) api.vkDestroySemaphore(d, RenderFinished[i], null);
            _framebuffers[i] = _views[i] = RenderFinished[i] = 0;
        }
        _depth.Dispose();
        if (Handle != 0) api.vkDestroySwapchainKHR(d, Handle, null);
        Handle = 0;
    }
}

// Renders without a window: an RGBA8 colour image and a D32 depth image, read back after each frame into
// host-visible buffers (colour for the PNG, depth for tests that check the geometry).
using FlowGen.Runtime.Vulkan;

namespace FlowGen.Demo.Render;

internal sealed unsafe class OffscreenTarget : IDisposable
{
    public const int ColorFormat = VkEnum.VK_FORMAT_R8G8B8A8_UNORM;
    public const int DepthFormat = VkEnum.VK_FORMAT_D32_SFLOAT;

    private readonly VulkanDevice _device;
    private readonly VulkanImage _color, _depth;
    private readonly VulkanBuffer _colorReadback, _depthReadback;
    private readonly nint _commandBuffer;
    private readonly ulong _fence;
    private ulong _framebuffer;

    public OffscreenTarget(VulkanDevice device, TerrainPipeline pipeline, uint width, uint height)
    {
        _device = device;
        Width = width;
        Height = height;
        _color = new VulkanImage(device, width, height, ColorFormat,
            VkConst.VK_IMAGE_USAGE_COLOR_ATTACHMENT_BIT | VkConst.VK_IMAGE_USAGE_TRANSFER_SRC_BIT, VkConst.VK_IMAGE_ASPECT_COLOR_BIT);
        _depth = new VulkanImage(device, width, height, DepthFormat,
            VkConst.VK_IMAGE_USAGE_DEPTH_STENCIL_ATTACHMENT_BIT | VkConst.VK_IMAGE_USAGE_TRANSFER_SRC_BIT, VkConst.VK_IMAGE_ASPECT_DEPTH_BIT);
        _colorReadback = new VulkanBuffer(device, (ulong)width * height * 4, VkConst.VK_BUFFER_USAGE_TRANSFER_DST_BIT);
        _depthReadback = new VulkanBuffer(device, (ulong)width * height * 4, VkConst.VK_BUFFER_USAGE_TRANSFER_DST_BIT);
        var views = stackalloc ulong[] { _color.View, _depth.View };
        var info = new VkFramebufferCreateInfo
        {
            sType = VkStructureType.FRAMEBUFFER_CREATE_INFO, renderPass = pipeline.RenderPass, attachmentCount = 2, pAttachments = views,
            width = width, height = height, layers = 1,
        };
        ulong framebuffer;
        VkResult.Check(device.Api.vkCreateFramebuffer(device.Handle, &info, null, &framebuffer), "vkCreateFramebuffer");
        _framebuffer = framebuffer;
        _commandBuffer = device.AllocateCommandBuffer();
        _fence = device.CreateFence(signaled: false);
    }

    public uint Width { get; }
    public uint Height { get; }
    /// <summary>The last frame, RGBA8, top row first.</summary>
    public ReadOnlySpan<byte> Pixels => _colorReadback.AsSpan<byte>();
    /// <summary>The last frame's depth buffer (0 near .. 1 far plane; 1 = sky).</summary>
    public ReadOnlySpan<float> Depth => _depthReadback.AsSpan<float>();

    /// <summary>Records with <paramref name="record"/> (which draws into the framebuffer), copies both
    /// attachments to the readback buffers, submits and waits.</summary>
    public void Render(Action<nint, ulong> record)
    {
        var api = _device.Api;
        VkResult.Check(api.vkResetCommandBuffer(_commandBuffer, 0), "vkResetCommandBuffer");
        _device.BeginCommandBuffer(_commandBuffer, oneTime: true);
        record(_commandBuffer, _framebuffer);
        // The render pass leaves both images in TRANSFER_SRC_OPTIMAL; its outgoing dependency orders the copies.
        Copy(_color.Handle, VkConst.VK_IMAGE_ASPECT_COLOR_BIT, _colorReadback.Handle);
        Copy(_depth.Handle, VkConst.VK_IMAGE_ASPECT_DEPTH_BIT, _depthReadback.Handle);
        var toHost = new VkMemoryBarrier
        {
            sType = VkStructureType.MEMORY_BARRIER, srcAccessMask = VkConst.VK_ACCESS_TRANSFER_WRITE_BIT, dstAccessMask = VkConst.VK_ACCESS_HOST_READ_BIT,
        };
        api.vkCmdPipelineBarrier(_commandBuffer, VkConst.VK_PIPELINE_STAGE_TRANSFER_BIT, VkConst.VK_PIPELINE_STAGE_HOST_BIT, 0, 1, &toHost, 0, null, 0, null);
        VkResult.Check(api.vkEndCommandBuffer(_commandBuffer), "vkEndCommandBuffer");
        _device.Submit(_commandBuffer, _fence);
        _device.WaitFence(_fence);
        ulong fence = _fence;
        VkResult.Check(api.vkResetFences(_device.Handle, 1, &fence), "vkResetFences");
    }

    private void Copy(ulong image, uint aspect, ulong buffer)
    {
        var region = new VkBufferImageCopy
        {
            imageSubresource = new VkImageSubresourceLayers { aspectMask = aspect, layerCount = 1 },
            imageExtent = new VkExtent3D { width = Width, height = Height, depth = 1 },
        };
        _device.Api.vkCmdCopyImageToBuffer(_commandBuffer, image, VkEnum.VK_IMAGE_LAYOUT_TRANSFER_SRC_OPTIMAL, buffer, 1, &region);
    }

    public void Dispose()
    {
        var api = _device.Api;
        api.vkDestroyFence(_device.Handle, _fence, null);
        _device.FreeCommandBuffer(_commandBuffer);
        if (_framebuffer != 0) api.vkDestroyFramebuffer(_device.Handle, _framebuffer, null);
        _framebuffer = 0;
        _colorReadback.Dispose();
        _depthReadback.Dispose();
        _color.Dispose();
        _depth.Dispose();
    }
}

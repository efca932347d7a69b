// Graphics commands: images and views, render passes, framebuffers, graphics pipelines, draws, readback copies.
namespace FlowGen.Runtime.Vulkan;

internal sealed unsafe partial class VkDeviceApi
{
    public delegate* unmanaged<nint, VkImageCreateInfo*, void*, ulong*, int> vkCreateImage;
    public delegate* unmanaged<nint, ulong, void*, void> vkDestroyImage;
    public delegate* unmanaged<nint, ulong, VkMemoryRequirements*, void> vkGetImageMemoryRequirements;
    public delegate* unmanaged<nint, ulong, ulong, ulong, int> vkBindImageMemory;
    public delegate* unmanaged<nint, VkImageViewCreateInfo*, void*, ulong*, int> vkCreateImageView;
    public delegate* unmanaged<nint, ulong, void*, void> vkDestroyImageView;
    public delegate* unmanaged<nint, VkRenderPassCreateInfo*, void*, ulong*, int> vkCreateRenderPass;
    public delegate* unmanaged<nint, ulong, void*, void> vkDestroyRenderPass;
    public delegate* unmanaged<nint, VkFramebufferCreateInfo*, void*, ulong*, int> vkCreateFramebuffer;
    public delegate* unmanaged<nint, ulong, void*, void> vkDestroyFramebuffer;
    public delegate* unmanaged<nint, ulong, uint, VkGraphicsPipelineCreateInfo*, void*, ulong*, int> vkCreateGraphicsPipelines;
    public delegate* unmanaged<nint, VkRenderPassBeginInfo*, int, void> vkCmdBeginRenderPass;
    public delegate* unmanaged<nint, void> vkCmdEndRenderPass;
    public delegate* unmanaged<nint, uint, uint, ulong*, ulong*, void> vkCmdBindVertexBuffers;
    public delegate* unmanaged<nint, ulong, ulong, int, void> vkCmdBindIndexBuffer;
    public delegate* unmanaged<nint, uint, uint, uint, int, uint, void> vkCmdDrawIndexed;
    public delegate* unmanaged<nint, uint, uint, VkViewport*, void> vkCmdSetViewport;
    public delegate* unmanaged<nint, uint, uint, VkRect2D*, void> vkCmdSetScissor;
    public delegate* unmanaged<nint, ulong, int, ulong, uint, VkBufferImageCopy*, void> vkCmdCopyImageToBuffer;

    private void LoadGraphics()
    {
        vkCreateImage = (delegate* unmanaged<nint, VkImageCreateInfo*, void*, ulong*, int>)Require("vkCreateImage");
        vkDestroyImage = (delegate* unmanaged<nint, ulong, void*, void>)Require("vkDestroyImage");
        vkGetImageMemoryRequirements = (delegate* unmanaged<nint, ulong, VkMemoryRequirements*, void>)Require("vkGetImageMemoryRequirements");
        vkBindImageMemory = (delegate* unmanaged<nint, ulong, ulong, ulong, int>)Require("vkBindImageMemory");
        vkCreateImageView = (delegate* unmanaged<nint, VkImageViewCreateInfo*, void*, ulong*, int>)Require("vkCreateImageView");
        vkDestroyImageView = (delegate* unmanaged<nint, ulong, void*, void>)Require("vkDestroyImageView");
        vkCreateRenderPass = (delegate* unmanaged<nint, VkRenderPassCreateInfo*, void*, ulong*, int>)Require("vkCreateRenderPass");
        vkDestroyRenderPass = (delegate* unmanaged<nint, ulong, void*, void>)Require("vkDestroyRenderPass");
        vkCreateFramebuffer = (delegate* unmanaged<nint, VkFramebufferCreateInfo*, void*, ulong*, int>)Require("vkCreateFramebuffer");
        vkDestroyFramebuffer = (delegate* unmanaged<nint, ulong, void*, void>)Require("vkDestroyFramebuffer");
        vkCreateGraphicsPipelines = (delegate* unmanaged<nint, ulong, uint, VkGraphicsPipelineCreateInfo*, void*, ulong*, int>)Require("vkCreateGraphicsPipelines");
        vkCmdBeginRenderPass = (delegate* unmanaged<nint, VkRenderPassBeginInfo*, int, void>)Require("vkCmdBeginRenderPass");
        vkCmdEndRenderPass = (delegate* unmanaged<nint, void>)Require("vkCmdEndRenderPass");
        vkCmdBindVertexBuffers = (delegate* unmanaged<nint, uint, uint, ulong*, ulong*, void>)Require("vkCmdBindVertexBuffers");
        vkCmdBindIndexBuffer = (delegate* unmanaged<nint, ulong, ulong, int, void>)Require("vkCmdBindIndexBuffer");
        vkCmdDrawIndexed = (delegate* unmanaged<nint, uint, uint, uint, int, uint, void>)Require("vkCmdDrawIndexed");
        vkCmdSetViewport = (delegate* unmanaged<nint, uint, uint, VkViewport*, void>)Require("vkCmdSetViewport");
        vkCmdSetScissor = (delegate* unmanaged<nint, uint, uint, VkRect2D*, void>)Require("vkCmdSetScissor");
        vkCmdCopyImageToBuffer = (delegate* unmanaged<nint, ulong, int, ulong, uint, VkBufferImageCopy*, void>)Require("vkCmdCopyImageToBuffer");
    }
}

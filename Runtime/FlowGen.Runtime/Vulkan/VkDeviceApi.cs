// Device-level Vulkan commands, resolved per VkDevice through vkGetDeviceProcAddr (no loader trampoline).
// Split by part: this file has device, queue, command-buffer and synchronisation commands; the other
// VkDeviceApi.*.cs files add memory, buffer, pipeline, compute, graphics and swapchain commands.
namespace FlowGen.Runtime.Vulkan;

internal sealed unsafe partial class VkDeviceApi
{
    private readonly nint _device;
    private readonly delegate* unmanaged<nint, byte*, nint> _getDeviceProcAddr;

    public delegate* unmanaged<nint, void*, void> vkDestroyDevice;
    public delegate* unmanaged<nint, uint, uint, nint*, void> vkGetDeviceQueue;
    public delegate* unmanaged<nint, int> vkDeviceWaitIdle;
    public delegate* unmanaged<nint, uint, VkSubmitInfo*, ulong, int> vkQueueSubmit;
    public delegate* unmanaged<nint, int> vkQueueWaitIdle;
    public delegate* unmanaged<nint, VkCommandPoolCreateInfo*, void*, ulong*, int> vkCreateCommandPool;
    public delegate* unmanaged<nint, ulong, void*, void> vkDestroyCommandPool;
    public delegate* unmanaged<nint, VkCommandBufferAllocateInfo*, nint*, int> vkAllocateCommandBuffers;
    public delegate* unmanaged<nint, ulong, uint, nint*, void> vkFreeCommandBuffers;
    public delegate* unmanaged<nint, VkCommandBufferBeginInfo*, int> vkBeginCommandBuffer;
    public delegate* unmanaged<nint, int> vkEndCommandBuffer;
    public delegate* unmanaged<nint, uint, int> vkResetCommandBuffer;
    public delegate* unmanaged<nint, VkFenceCreateInfo*, void*, ulong*, int> vkCreateFence;
    public delegate* unmanaged<nint, ulong, void*, void> vkDestroyFence;
    public delegate* unmanaged<nint, uint, ulong*, uint, ulong, int> vkWaitForFences;
    public delegate* unmanaged<nint, uint, ulong*, int> vkResetFences;
    public delegate* unmanaged<nint, VkSemaphoreCreateInfo*, void*, ulong*, int> vkCreateSemaphore;
    public delegate* unmanaged<nint, ulong, void*, void> vkDestroySemaphore;
    public delegate* unmanaged<nint, uint, uint, uint, uint, VkMemoryBarrier*, uint, VkBufferMemoryBarrier*, uint, VkImageMemoryBarrier*, void> vkCmdPipelineBarrier;

    public VkDeviceApi(nint device, delegate* unmanaged<nint, byte*, nint> getDeviceProcAddr, bool swapchain)
    {
        _device = device;
        _getDeviceProcAddr = getDeviceProcAddr;
        vkDestroyDevice = (delegate* unmanaged<nint, void*, void>)Require("vkDestroyDevice");
        vkGetDeviceQueue = (delegate* unmanaged<nint, uint, uint, nint*, void>)Require("vkGetDeviceQueue");
        vkDeviceWaitIdle = (delegate* unmanaged<nint, int>)Require("vkDeviceWaitIdle");
        vkQueueSubmit = (delegate* unmanaged<nint, uint, VkSubmitInfo*, ulong, int>)Require("vkQueueSubmit");
        vkQueueWaitIdle = (delegate* unmanaged<nint, int>)Require("vkQueueWaitIdle");
        vkCreateCommandPool = (delegate* unmanaged<nint, VkCommandPoolCreateInfo*, void*, ulong*, int>)Require("vkCreateCommandPool");
        vkDestroyCommandPool = (delegate* unmanaged<nint, ulong, void*, void>)Require("vkDestroyCommandPool");
        vkAllocateCommandBuffers = (delegate* unmanaged<nint, VkCommandBufferAllocateInfo*, nint*, int>)Require("vkAllocateCommandBuffers");
        vkFreeCommandBuffers = (delegate* unmanaged<nint, ulong, uint, nint*, void>)Require("vkFreeCommandBuffers");
        vkBeginCommandBuffer = (delegate* unmanaged<nint, VkCommandBufferBeginInfo*, int>)Require("vkBeginCommandBuffer");
        vkEndCommandBuffer = (delegate* unmanaged<nint, int>)Require("vkEndCommandBuffer");
        vkResetCommandBuffer = (delegate* unmanaged<nint, uint, int>)Require("vkResetCommandBuffer");
        vkCreateFence = (delegate* unmanaged<nint, VkFenceCreateInfo*, void*, ulong*, int>)Require("vkCreateFence");
        vkDestroyFence = (delegate* unmanaged<nint, ulong, void*, void>)Require("vkDestroyFence");
        vkWaitForFences = (delegate* unmanaged<nint, uint, ulong*, uint, ulong, int>)Require("vkWaitForFences");
        vkResetFences = (delegate* unmanaged<nint, uint, ulong*, int>)Require("vkResetFences");
        vkCreateSemaphore = (delegate* unmanaged<nint, VkSemaphoreCreateInfo*, void*, ulong*, int>)Require("vkCreateSemaphore");
        vkDestroySemaphore = (delegate* unmanaged<nint, ulong, void*, void>)Require("vkDestroySemaphore");
        vkCmdPipelineBarrier = (delegate* unmanaged<nint, uint, uint, uint, uint, VkMemoryBarrier*, uint, VkBufferMemoryBarrier*, uint, VkImageMemoryBarrier*, void>)Require("vkCmdPipelineBarrier");
        LoadMemory();
        LoadBuffer();
        LoadPipeline();
        LoadGraphics();
        LoadCompute();
        if (swapchain) LoadWsi();
    }

    private nint Require(string name)
    {
        Span<byte> utf8 = stackalloc byte[128];
        int n = System.Text.Encoding.UTF8.GetBytes(name, utf8[..^1]);
        utf8[n] = 0;
        nint f;
        fixed (byte* p = utf8) f = _getDeviceProcAddr(_device, p);
        if (f == 0) throw new VulkanException($"the Vulkan device lacks {name}");
        return f;
    }
}

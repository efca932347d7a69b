// A VkBuffer with its own memory: host-visible, coherent and mapped for its whole life (vertex, index and readback
// buffers of the demo; the compute backend's arena on integrated GPUs), or device-local and unmapped (the compute
// backend's arena on a discrete GPU, filled through a host-visible mirror by copy commands).
namespace FlowGen.Runtime.Vulkan;

internal sealed unsafe class VulkanBuffer : IDisposable
{
    private readonly VulkanDevice _device;
    private ulong _memory;

    public ulong Handle { get; private set; }
    public ulong Size { get; }
    public void* Mapped { get; private set; }

    /// <summary>A buffer of <paramref name="size"/> bytes; host-visible, coherent and mapped, or (<paramref name="hostVisible"/> false)
    /// in device-local memory the host cannot see (a discrete GPU's own memory), filled and read by copy commands.</summary>
    public VulkanBuffer(VulkanDevice device, ulong size, uint usage, bool hostVisible = true)
    {
        if (size == 0) throw new ArgumentOutOfRangeException(nameof(size), "a Vulkan buffer needs at least one byte");
        _device = device;
        Size = size;
        var api = device.Api;
        var info = new VkBufferCreateInfo
        {
            sType = VkStructureType.BUFFER_CREATE_INFO, size = size, usage = usage, sharingMode = VkEnum.VK_SHARING_MODE_EXCLUSIVE,
        };
        ulong buffer;
        VkResult.Check(api.vkCreateBuffer(device.Handle, &info, null, &buffer), "vkCreateBuffer");
        Handle = buffer;
        try
        {
            VkMemoryRequirements req;
            api.vkGetBufferMemoryRequirements(device.Handle, buffer, &req);
            _memory = device.Allocate(req, hostVisible
                ? VkConst.VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT | VkConst.VK_MEMORY_PROPERTY_HOST_COHERENT_BIT
                : VkConst.VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT);
            VkResult.Check(api.vkBindBufferMemory(device.Handle, buffer, _memory, 0), "vkBindBufferMemory");
            if (hostVisible)
            {
                void* mapped;
                VkResult.Check(api.vkMapMemory(device.Handle, _memory, 0, VkConst.VK_WHOLE_SIZE, 0, &mapped), "vkMapMemory");
                Mapped = mapped;
            }
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public Span<T> AsSpan<T>() where T : unmanaged => Mapped != null ? new(Mapped, checked((int)(Size / (ulong)sizeof(T))))
        : throw new InvalidOperationException("a device-local buffer is not mapped");

    public void Dispose()
    {
        var api = _device.Api;
        if (Handle != 0) api.vkDestroyBuffer(_device.Handle, Handle, null);
        Handle = 0;
        if (_memory != 0) api.vkFreeMemory(_device.Handle, _memory, null); // freeing also unmaps
        _memory = 0;
        Mapped = null;
    }
}

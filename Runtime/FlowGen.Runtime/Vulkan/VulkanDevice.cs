// Owns a VkDevice with one queue family that does graphics + compute (and presents to a surface when one
// is given), a command pool, and helpers shared by the renderer and the compute backend: memory-type
// search, shader modules, one-shot command submission.
using System.Runtime.InteropServices;

namespace FlowGen.Runtime.Vulkan;

internal sealed unsafe class VulkanDevice : IDisposable
{
    private readonly VkPhysicalDeviceMemoryProperties _memory;

    public VulkanInstance Instance { get; }
    public nint PhysicalDevice { get; }
    public string Name { get; }
    public nint Handle { get; private set; }
    public VkDeviceApi Api { get; }
    public uint QueueFamily { get; }
    public nint Queue { get; }
    public ulong CommandPool { get; private set; }

    /// <param name="instance">The instance the device comes from (it must outlive the device).</param>
    /// <param name="surface">A surface the queue must present to (0 for offscreen or compute only).</param>
    public VulkanDevice(VulkanInstance instance, ulong surface = 0)
    {
        Instance = instance;
        var vki = instance.Api;
        // Prefer discrete, then integrated GPUs, then anything (lavapipe is a CPU device).
        var candidates = instance.PhysicalDevices()
            .OrderBy(d => d.Properties.deviceType switch { VkEnum.VK_PHYSICAL_DEVICE_TYPE_DISCRETE_GPU => 0, VkEnum.VK_PHYSICAL_DEVICE_TYPE_INTEGRATED_GPU => 1, _ => 2 });
        foreach (var (pd, props) in candidates)
        {
            int family = FindQueueFamily(vki, pd, surface);
            if (family < 0) continue;
            PhysicalDevice = pd;
            QueueFamily = (uint)family;
            var p = props;
            Name = Marshal.PtrToStringUTF8((nint)p.deviceName) ?? "?";
            break;
        }
        if (PhysicalDevice == 0)
            throw new VulkanException(surface != 0
                ? "no Vulkan device has a queue that does graphics, compute and presents to this window"
                : "no Vulkan device has a graphics + compute queue");
        Name ??= "?";

        VkPhysicalDeviceMemoryProperties mem;
        vki.vkGetPhysicalDeviceMemoryProperties(PhysicalDevice, &mem);
        _memory = mem;

        float priority = 1f;
        var queueInfo = new VkDeviceQueueCreateInfo
        {
            sType = VkStructureType.DEVICE_QUEUE_CREATE_INFO, queueFamilyIndex = QueueFamily, queueCount = 1, pQueuePriorities = &priority,
        };
        nint swapchainExt = surface != 0 ? Marshal.StringToCoTaskMemUTF8("VK_KHR_swapchain") : 0;
        try
        {
            var info = new VkDeviceCreateInfo
            {
                sType = VkStructureType.DEVICE_CREATE_INFO, queueCreateInfoCount = 1, pQueueCreateInfos = &queueInfo,
                enabledExtensionCount = surface != 0 ? 1u : 0u, ppEnabledExtensionNames = (byte**)&swapchainExt,
            };
            nint device;
            VkResult.Check(vki.vkCreateDevice(PhysicalDevice, &info, null, &device), "vkCreateDevice");
            Handle = device;
        }
        finally
        {
            if (swapchainExt != 0) Marshal.FreeCoTaskMem(swapchainExt);
        }
        Api = new VkDeviceApi(Handle, vki.vkGetDeviceProcAddr, swapchain: surface != 0);
        nint queue;
        Api.vkGetDeviceQueue(Handle, QueueFamily, 0, &queue);
        Queue = queue;
        var poolInfo = new VkCommandPoolCreateInfo
        {
            sType = VkStructureType.COMMAND_POOL_CREATE_INFO, flags = VkConst.VK_COMMAND_POOL_CREATE_RESET_COMMAND_BUFFER_BIT, queueFamilyIndex = QueueFamily,
        };
        ulong pool;
        VkResult.Check(Api.vkCreateCommandPool(Handle, &poolInfo, null, &pool), "vkCreateCommandPool");
        CommandPool = pool;
    }

    private static int FindQueueFamily(VkInstanceApi vki, nint pd, ulong surface)
    {
        uint count = 0;
        vki.vkGetPhysicalDeviceQueueFamilyProperties(pd, &count, null);
        var families = new VkQueueFamilyProperties[count];
        fixed (VkQueueFamilyProperties* f = families) vki.vkGetPhysicalDeviceQueueFamilyProperties(pd, &count, f);
        const uint need = VkConst.VK_QUEUE_GRAPHICS_BIT | VkConst.VK_QUEUE_COMPUTE_BIT;
        for (uint i = 0; i < count; i++)
        {
            if ((families[i].queueFlags & need) != need) continue;
            if (surface != 0)
            {
                uint supported = 0;
                VkResult.Check(vki.vkGetPhysicalDeviceSurfaceSupportKHR(pd, i, surface, &supported), "vkGetPhysicalDeviceSurfaceSupportKHR");
                if (supported == 0) continue;
            }
            return (int)i;
        }
        return -1;
    }

    /// <summary>Whether the device has memory of its own that the host cannot map (a discrete GPU's VRAM): storage there is
    /// fast for the device and reached from the host only by copies.</summary>
    public bool HasDeviceOnlyMemory
    {
        get
        {
            for (int i = 0; i < _memory.memoryTypeCount; i++)
            {
                uint f = _memory.PropertyFlags(i);
                if ((f & VkConst.VK_MEMORY_PROPERTY_DEVICE_LOCAL_BIT) != 0 && (f & VkConst.VK_MEMORY_PROPERTY_HOST_VISIBLE_BIT) == 0) return true;
            }
            return false;
        }
    }

    /// <summary>The first memory type allowed by <paramref name="typeBits"/> that has all <paramref name="flags"/>.</summary>
    public uint FindMemoryType(uint typeBits, uint flags)
    {
        for (int i = 0; i < _memory.memoryTypeCount; i++)
            if ((typeBits & (1u << i)) != 0 && (_memory.PropertyFlags(i) & flags) == flags)
                return (uint)i;
        throw new VulkanException($"no Vulkan memory type with flags 0x{flags:x} among 0x{typeBits:x}");
    }

    /// <summary>Allocates and binds memory for <paramref name="requirements"/>.</summary>
    public ulong Allocate(VkMemoryRequirements requirements, uint flags)
    {
        var info = new VkMemoryAllocateInfo
        {
            sType = VkStructureType.MEMORY_ALLOCATE_INFO, allocationSize = requirements.size,
            memoryTypeIndex = FindMemoryType(requirements.memoryTypeBits, flags),
        };
        ulong memory;
        VkResult.Check(Api.vkAllocateMemory(Handle, &info, null, &memory), "vkAllocateMemory");
        return memory;
    }

    /// <summary>A depth format the device can render to (D32_SFLOAT, else X8_D24).</summary>
    public int DepthFormat()
    {
        foreach (int format in (ReadOnlySpan<int>)[VkEnum.VK_FORMAT_D32_SFLOAT, VkEnum.VK_FORMAT_X8_D24_UNORM_PACK32])
        {
            VkFormatProperties props;
            Instance.Api.vkGetPhysicalDeviceFormatProperties(PhysicalDevice, format, &props);
            if ((props.optimalTilingFeatures & VkConst.VK_FORMAT_FEATURE_DEPTH_STENCIL_ATTACHMENT_BIT) != 0) return format;
        }
        throw new VulkanException("the Vulkan device supports no depth attachment format FlowGen uses (D32_SFLOAT, X8_D24)");
    }

    /// <summary>A shader module from SPIR-V words (the caller destroys it).</summary>
    public ulong CreateShaderModule(ReadOnlySpan<byte> spirv)
    {
        if (spirv.Length == 0 || spirv.Length % 4 != 0 || MemoryMarshal.Read<uint>(spirv) != 0x07230203)
            throw new VulkanException("not a SPIR-V module (bad length or magic number)");
        fixed (byte* code = spirv)
        {
            var info = new VkShaderModuleCreateInfo
            {
                sType = VkStructureType.SHADER_MODULE_CREATE_INFO, codeSize = (nuint)spirv.Length, pCode = (uint*)code,
            };
            ulong module;
            VkResult.Check(Api.vkCreateShaderModule(Handle, &info, null, &module), "vkCreateShaderModule");
            return module;
        }
    }

    public nint AllocateCommandBuffer()
    {
        var info = new VkCommandBufferAllocateInfo
        {
            sType = VkStructureType.COMMAND_BUFFER_ALLOCATE_INFO, commandPool = CommandPool, level = VkConst.VK_COMMAND_BUFFER_LEVEL_PRIMARY, commandBufferCount = 1,
        };
        nint cb;
        VkResult.Check(Api.vkAllocateCommandBuffers(Handle, &info, &cb), "vkAllocateCommandBuffers");
        return cb;
    }

    public void FreeCommandBuffer(nint cb) => Api.vkFreeCommandBuffers(Handle, CommandPool, 1, &cb);

    public ulong CreateFence(bool signaled)
    {
        var info = new VkFenceCreateInfo { sType = VkStructureType.FENCE_CREATE_INFO, flags = signaled ? VkConst.VK_FENCE_CREATE_SIGNALED_BIT : 0 };
        ulong fence;
        VkResult.Check(Api.vkCreateFence(Handle, &info, null, &fence), "vkCreateFence");
        return fence;
    }

    public ulong CreateSemaphore()
    {
        var info = new VkSemaphoreCreateInfo { sType = VkStructureType.SEMAPHORE_CREATE_INFO };
        ulong semaphore;
        VkResult.Check(Api.vkCreateSemaphore(Handle, &info, null, &semaphore), "vkCreateSemaphore");
        return semaphore;
    }

    /// <summary>Waits (without a time limit: a lost device returns an error, it does not hang) for the fence.</summary>
    public void WaitFence(ulong fence) => VkResult.Check(Api.vkWaitForFences(Handle, 1, &fence, 1, ulong.MaxValue), "vkWaitForFences");

    public void BeginCommandBuffer(nint cb, bool oneTime)
    {
        var begin = new VkCommandBufferBeginInfo
        {
            sType = VkStructureType.COMMAND_BUFFER_BEGIN_INFO, flags = oneTime ? VkConst.VK_COMMAND_BUFFER_USAGE_ONE_TIME_SUBMIT_BIT : 0,
        };
        VkResult.Check(Api.vkBeginCommandBuffer(cb, &begin), "vkBeginCommandBuffer");
    }

    /// <summary>Submits <paramref name="cb"/> with no semaphores and signals <paramref name="fence"/>.</summary>
    public void Submit(nint cb, ulong fence)
    {
        var submit = new VkSubmitInfo { sType = VkStructureType.SUBMIT_INFO, commandBufferCount = 1, pCommandBuffers = &cb };
        VkResult.Check(Api.vkQueueSubmit(Queue, 1, &submit, fence), "vkQueueSubmit");
    }

    public void WaitIdle()
    {
        if (Handle != 0) VkResult.Check(Api.vkDeviceWaitIdle(Handle), "vkDeviceWaitIdle");
    }

    public void Dispose()
    {
        if (Handle == 0) return;
        if (CommandPool != 0) Api.vkDestroyCommandPool(Handle, CommandPool, null);
        CommandPool = 0;
        Api.vkDestroyDevice(Handle, null);
        Handle = 0;
    }
}

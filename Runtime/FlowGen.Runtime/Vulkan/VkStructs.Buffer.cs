// Blittable mirrors of the buffer structs.
using System.Runtime.InteropServices;

namespace FlowGen.Runtime.Vulkan;

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct VkBufferCreateInfo
{
    public int sType; public void* pNext; public uint flags; public ulong size; public uint usage; public int sharingMode;
    public uint queueFamilyIndexCount; public uint* pQueueFamilyIndices;
}

[StructLayout(LayoutKind.Sequential)]
internal struct VkBufferCopy { public ulong srcOffset, dstOffset, size; }

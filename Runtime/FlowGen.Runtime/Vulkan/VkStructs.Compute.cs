// Blittable mirrors of the compute structs: descriptor sets of storage buffers, compute pipelines and
// buffer barriers (what the compute backend dispatches with).
using System.Runtime.InteropServices;

namespace FlowGen.Runtime.Vulkan;

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct VkDescriptorSetLayoutBinding
{
    public uint binding; public int descriptorType; public uint descriptorCount; public uint stageFlags; public ulong* pImmutableSamplers;
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct VkDescriptorSetLayoutCreateInfo
{
    public int sType; public void* pNext; public uint flags; public uint bindingCount; public VkDescriptorSetLayoutBinding* pBindings;
}

[StructLayout(LayoutKind.Sequential)]
internal struct VkDescriptorPoolSize { public int type; public uint descriptorCount; }

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct VkDescriptorPoolCreateInfo
{
    public int sType; public void* pNext; public uint flags; public uint maxSets; public uint poolSizeCount; public VkDescriptorPoolSize* pPoolSizes;
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct VkDescriptorSetAllocateInfo
{
    public int sType; public void* pNext; public ulong descriptorPool; public uint descriptorSetCount; public ulong* pSetLayouts;
}

[StructLayout(LayoutKind.Sequential)]
internal struct VkDescriptorBufferInfo { public ulong buffer, offset, range; }

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct VkWriteDescriptorSet
{
    public int sType; public void* pNext; public ulong dstSet; public uint dstBinding; public uint dstArrayElement; public uint descriptorCount;
    public int descriptorType; public void* pImageInfo; public VkDescriptorBufferInfo* pBufferInfo; public ulong* pTexelBufferView;
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct VkComputePipelineCreateInfo
{
    public int sType; public void* pNext; public uint flags; public VkPipelineShaderStageCreateInfo stage; public ulong layout;
    public ulong basePipelineHandle; public int basePipelineIndex;
}

[StructLayout(LayoutKind.Sequential)]
internal unsafe struct VkBufferMemoryBarrier
{
    public int sType; public void* pNext; public uint srcAccessMask; public uint dstAccessMask; public uint srcQueueFamilyIndex;
    public uint dstQueueFamilyIndex; public ulong buffer; public ulong offset; public ulong size;
}

// Compute commands: descriptor set layouts, pools and sets of storage buffers, compute pipelines, dispatch, buffer copies.
// (vkCmdPipelineBarrier, shared with graphics, is in VkDeviceApi.cs and takes VkBufferMemoryBarrier too.)
namespace FlowGen.Runtime.Vulkan;

internal sealed unsafe partial class VkDeviceApi
{
    public delegate* unmanaged<nint, VkDescriptorSetLayoutCreateInfo*, void*, ulong*, int> vkCreateDescriptorSetLayout;
    public delegate* unmanaged<nint, ulong, void*, void> vkDestroyDescriptorSetLayout;
    public delegate* unmanaged<nint, VkDescriptorPoolCreateInfo*, void*, ulong*, int> vkCreateDescriptorPool;
    public delegate* unmanaged<nint, ulong, void*, void> vkDestroyDescriptorPool;
    public delegate* unmanaged<nint, VkDescriptorSetAllocateInfo*, ulong*, int> vkAllocateDescriptorSets;
    public delegate* unmanaged<nint, uint, VkWriteDescriptorSet*, uint, void*, void> vkUpdateDescriptorSets;
    public delegate* unmanaged<nint, ulong, uint, VkComputePipelineCreateInfo*, void*, ulong*, int> vkCreateComputePipelines;
    public delegate* unmanaged<nint, int, ulong, uint, uint, ulong*, uint, uint*, void> vkCmdBindDescriptorSets;
    public delegate* unmanaged<nint, uint, uint, uint, void> vkCmdDispatch;
    public delegate* unmanaged<nint, ulong, ulong, uint, VkBufferCopy*, void> vkCmdCopyBuffer;

    private void LoadCompute()
    {
        vkCreateDescriptorSetLayout = (delegate* unmanaged<nint, VkDescriptorSetLayoutCreateInfo*, void*, ulong*, int>)Require("vkCreateDescriptorSetLayout");
        vkDestroyDescriptorSetLayout = (delegate* unmanaged<nint, ulong, void*, void>)Require("vkDestroyDescriptorSetLayout");
        vkCreateDescriptorPool = (delegate* unmanaged<nint, VkDescriptorPoolCreateInfo*, void*, ulong*, int>)Require("vkCreateDescriptorPool");
        vkDestroyDescriptorPool = (delegate* unmanaged<nint, ulong, void*, void>)Require("vkDestroyDescriptorPool");
        vkAllocateDescriptorSets = (delegate* unmanaged<nint, VkDescriptorSetAllocateInfo*, ulong*, int>)Require("vkAllocateDescriptorSets");
        vkUpdateDescriptorSets = (delegate* unmanaged<nint, uint, VkWriteDescriptorSet*, uint, void*, void>)Require("vkUpdateDescriptorSets");
        vkCreateComputePipelines = (delegate* unmanaged<nint, ulong, uint, VkComputePipelineCreateInfo*, void*, ulong*, int>)Require("vkCreateComputePipelines");
        vkCmdBindDescriptorSets = (delegate* unmanaged<nint, int, ulong, uint, uint, ulong*, uint, uint*, void>)Require("vkCmdBindDescriptorSets");
        vkCmdDispatch = (delegate* unmanaged<nint, uint, uint, uint, void>)Require("vkCmdDispatch");
        vkCmdCopyBuffer = (delegate* unmanaged<nint, ulong, ulong, uint, VkBufferCopy*, void>)Require("vkCmdCopyBuffer");
    }
}

// Commands shared by graphics and compute pipelines: shader modules, pipeline layouts, binding, push constants.
namespace FlowGen.Runtime.Vulkan;

internal sealed unsafe partial class VkDeviceApi
{
    public delegate* unmanaged<nint, VkShaderModuleCreateInfo*, void*, ulong*, int> vkCreateShaderModule;
    public delegate* unmanaged<nint, ulong, void*, void> vkDestroyShaderModule;
    public delegate* unmanaged<nint, VkPipelineLayoutCreateInfo*, void*, ulong*, int> vkCreatePipelineLayout;
    public delegate* unmanaged<nint, ulong, void*, void> vkDestroyPipelineLayout;
    public delegate* unmanaged<nint, ulong, void*, void> vkDestroyPipeline;
    public delegate* unmanaged<nint, int, ulong, void> vkCmdBindPipeline;
    public delegate* unmanaged<nint, ulong, uint, uint, uint, void*, void> vkCmdPushConstants;

    private void LoadPipeline()
    {
        vkCreateShaderModule = (delegate* unmanaged<nint, VkShaderModuleCreateInfo*, void*, ulong*, int>)Require("vkCreateShaderModule");
        vkDestroyShaderModule = (delegate* unmanaged<nint, ulong, void*, void>)Require("vkDestroyShaderModule");
        vkCreatePipelineLayout = (delegate* unmanaged<nint, VkPipelineLayoutCreateInfo*, void*, ulong*, int>)Require("vkCreatePipelineLayout");
        vkDestroyPipelineLayout = (delegate* unmanaged<nint, ulong, void*, void>)Require("vkDestroyPipelineLayout");
        vkDestroyPipeline = (delegate* unmanaged<nint, ulong, void*, void>)Require("vkDestroyPipeline");
        vkCmdBindPipeline = (delegate* unmanaged<nint, int, ulong, void>)Require("vkCmdBindPipeline");
        vkCmdPushConstants = (delegate* unmanaged<nint, ulong, uint, uint, uint, void*, void>)Require("vkCmdPushConstants");
    }
}

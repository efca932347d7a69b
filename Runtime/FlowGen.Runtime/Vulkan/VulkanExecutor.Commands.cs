// The Vulkan backend's command buffers: a batch size's dispatches with the barriers between steps, and on a staged
// (device-local) arena the copies of inputs in and outputs out, plus the one-time upload of the constants.
namespace FlowGen.Runtime.Vulkan;

internal sealed unsafe partial class VulkanExecutor
{
    // One command buffer: every step's dispatches, a compute-to-compute barrier between steps, a barrier to the host at the end.
    private void Record(Slot slot, int batch)
    {
        var api = _device.Api;
        nint cb = slot.Commands;
        _device.BeginCommandBuffer(cb, oneTime: false);
        ulong set = slot.Set;
        api.vkCmdBindDescriptorSets(cb, VkEnum.VK_PIPELINE_BIND_POINT_COMPUTE, _layout, 0, 1, &set, 0, null);
        var between = new VkMemoryBarrier
        {
            sType = VkStructureType.MEMORY_BARRIER, srcAccessMask = VkConst.VK_ACCESS_SHADER_WRITE_BIT,
            dstAccessMask = VkConst.VK_ACCESS_SHADER_READ_BIT | VkConst.VK_ACCESS_SHADER_WRITE_BIT,
        };
        if (_staged) CopyIn(cb, batch);
        else Barrier(cb, VkConst.VK_PIPELINE_STAGE_HOST_BIT, VkConst.VK_ACCESS_HOST_WRITE_BIT, VkConst.VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, VkConst.VK_ACCESS_SHADER_READ_BIT);
        int next = 0, bound = -1;
        uint* push = stackalloc uint[2];
        for (int s = 0; s < _barrierAfter.Count; s++)
        {
            int end = _barrierAfter[s];
            if (end == next) continue;
            for (; next < end; next++)
            {
                var (kernel, at, count) = _dispatches[next];
                if ((int)kernel != bound)
                {
                    api.vkCmdBindPipeline(cb, VkEnum.VK_PIPELINE_BIND_POINT_COMPUTE, _pipelines[(int)kernel]);
                    bound = (int)kernel;
                }
                push[0] = at;
                push[1] = count;
                api.vkCmdPushConstants(cb, _layout, VkConst.VK_SHADER_STAGE_COMPUTE_BIT, 0, 8, push);
                uint groups = (uint)((count + LocalSize - 1) / LocalSize);
                uint gx = Math.Min(groups, MaxGroupsX), gy = (groups + gx - 1) / gx;
                api.vkCmdDispatch(cb, gx, gy, 1);
            }
            api.vkCmdPipelineBarrier(cb, VkConst.VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, VkConst.VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, 0, 1, &between, 0, null, 0, null);
        }
        if (_staged) CopyOut(cb, batch);
        else Barrier(cb, VkConst.VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, VkConst.VK_ACCESS_SHADER_WRITE_BIT, VkConst.VK_PIPELINE_STAGE_HOST_BIT, VkConst.VK_ACCESS_HOST_READ_BIT);
        VkResult.Check(api.vkEndCommandBuffer(cb), "vkEndCommandBuffer");
    }

    private void Barrier(nint cb, uint srcStage, uint srcAccess, uint dstStage, uint dstAccess)
    {
        var b = new VkMemoryBarrier { sType = VkStructureType.MEMORY_BARRIER, srcAccessMask = srcAccess, dstAccessMask = dstAccess };
        _device.Api.vkCmdPipelineBarrier(cb, srcStage, dstStage, 0, 1, &b, 0, null, 0, null);
    }

    // Staged arena: the run's inputs and shape values from the mirror into the arena, before the first dispatch.
    private void CopyIn(nint cb, int batch)
    {
        var regions = new List<VkBufferCopy>();
        foreach (var v in Plan.Inputs) Region(regions, v.Offset, v.ElementCount(batch) * ElementTypes.Size(v.Type));
        foreach (var v in _batchDependent) Region(regions, v.Offset, v.SymValues!.Length * 8L);
        Barrier(cb, VkConst.VK_PIPELINE_STAGE_HOST_BIT, VkConst.VK_ACCESS_HOST_WRITE_BIT, VkConst.VK_PIPELINE_STAGE_TRANSFER_BIT, VkConst.VK_ACCESS_TRANSFER_READ_BIT);
        CopyRegions(cb, _host, _arena, regions);
        Barrier(cb, VkConst.VK_PIPELINE_STAGE_TRANSFER_BIT, VkConst.VK_ACCESS_TRANSFER_WRITE_BIT, VkConst.VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT,
            VkConst.VK_ACCESS_SHADER_READ_BIT | VkConst.VK_ACCESS_SHADER_WRITE_BIT);
    }

    // Staged arena: the outputs back into the mirror, after the last dispatch.
    private void CopyOut(nint cb, int batch)
    {
        var regions = new List<VkBufferCopy>();
        foreach (var v in Plan.Outputs) Region(regions, v.Offset, v.ElementCount(batch) * ElementTypes.Size(v.Type));
        Barrier(cb, VkConst.VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT, VkConst.VK_ACCESS_SHADER_WRITE_BIT, VkConst.VK_PIPELINE_STAGE_TRANSFER_BIT, VkConst.VK_ACCESS_TRANSFER_READ_BIT);
        CopyRegions(cb, _arena, _host, regions);
        Barrier(cb, VkConst.VK_PIPELINE_STAGE_TRANSFER_BIT, VkConst.VK_ACCESS_TRANSFER_WRITE_BIT, VkConst.VK_PIPELINE_STAGE_HOST_BIT, VkConst.VK_ACCESS_HOST_READ_BIT);
    }

    private static void Region(List<VkBufferCopy> regions, long offset, long bytes)
    {
        if (bytes > 0) regions.Add(new VkBufferCopy { srcOffset = (ulong)offset, dstOffset = (ulong)offset, size = (ulong)bytes });
    }

    private void CopyRegions(nint cb, VulkanBuffer from, VulkanBuffer to, List<VkBufferCopy> regions)
    {
        if (regions.Count == 0) return;
        var array = regions.ToArray();
        fixed (VkBufferCopy* r = array) _device.Api.vkCmdCopyBuffer(cb, from.Handle, to.Handle, (uint)array.Length, r);
    }

    // Staged arena: the whole mirror (constants, zeros) into the arena once, before any run.
    private void Upload(ulong bytes)
    {
        nint cb = _device.AllocateCommandBuffer();
        ulong fence = 0;
        try
        {
            _device.BeginCommandBuffer(cb, oneTime: true);
            Barrier(cb, VkConst.VK_PIPELINE_STAGE_HOST_BIT, VkConst.VK_ACCESS_HOST_WRITE_BIT, VkConst.VK_PIPELINE_STAGE_TRANSFER_BIT, VkConst.VK_ACCESS_TRANSFER_READ_BIT);
            CopyRegions(cb, _host, _arena, [new VkBufferCopy { size = bytes }]);
            Barrier(cb, VkConst.VK_PIPELINE_STAGE_TRANSFER_BIT, VkConst.VK_ACCESS_TRANSFER_WRITE_BIT, VkConst.VK_PIPELINE_STAGE_COMPUTE_SHADER_BIT,
                VkConst.VK_ACCESS_SHADER_READ_BIT | VkConst.VK_ACCESS_SHADER_WRITE_BIT);
            VkResult.Check(_device.Api.vkEndCommandBuffer(cb), "vkEndCommandBuffer");
            fence = _device.CreateFence(signaled: false);
            _device.Submit(cb, fence);
            _device.WaitFence(fence);
        }
        finally
        {
            if (fence != 0) _device.Api.vkDestroyFence(_device.Handle, fence, null);
            _device.FreeCommandBuffer(cb);
        }
    }
}

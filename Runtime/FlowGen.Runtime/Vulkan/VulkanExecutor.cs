// The Vulkan compute backend: the same execution plan as the CPU backend (Graph/ExecutionPlan.cs), its arena one
// storage buffer on the device, each step one or more dispatches of four shaders (Shaders/flow_*.comp, embedded
// SPIR-V): a direct convolution with its fused bias and activation, an elementwise-chain interpreter, a strided
// copy (Transpose, DepthToSpace/SpaceToDepth, Slice, Expand, each input of a Concat) and a reduction. A step's
// shapes and offsets go into a buffer of ints that its push constants point into. A slot holds such a buffer, its
// descriptor set and a command buffer recorded for one batch size, made the first time that size runs (up to 32; a
// world's lattice rows come in a dozen sizes, a sampling call in two: a full batch and its remainder; past that the
// least recently used slot is re-recorded). A run at a size a slot holds is one submit and one fence wait and
// allocates nothing.
//
// Numerics: every output element is computed by one invocation in the CPU kernels' order of terms (bias, then
// w·x over input channel, kernel row, kernel column; reductions in row-major order), but GPUs need not fuse the
// multiply-adds nor round exp/log as the CPU does, so results agree to float rounding, not bit for bit (tests hold
// them to the CPU backend and ONNX Runtime within 1e-4). Float32 steps only: the bundled flows and any model
// exported by the trainer compile to Conv, Elementwise, Slice, Concat, Transpose, DepthToSpace and ReduceMean.
//
// Memory: on a device whose memory the host can map (integrated GPUs, lavapipe) the arena is host-visible and inputs
// and outputs are read and written in place. On a device with memory of its own (a discrete GPU) the arena lives there
// and a host-visible mirror of the same layout carries the constants (copied once), each run's inputs and
// shape values (copied in at the start of the command buffer) and its outputs (copied back at the end), so the kernels
// never read over the bus.
using System.Reflection;
using FlowGen.Runtime.Graph;

namespace FlowGen.Runtime.Vulkan;

internal sealed unsafe partial class VulkanExecutor : IPlanExecutor
{
    private const int MaxRank = 6, LocalSize = 256, MaxGroupsX = 65535;
    private enum Kernel { Conv, Eltwise, Copy, Reduce }

    private static readonly string[] ShaderNames = ["flow_conv", "flow_eltwise", "flow_copy", "flow_reduce"];

    private readonly VulkanDevice _device;
    private const int MaxSlots = 32;
    private readonly VulkanBuffer _arena;            // what the kernels read and write
    private readonly VulkanBuffer _host;             // the host's view: the arena itself, or its mirror when staged
    private readonly bool _staged;
    private readonly PlanValue[] _batchDependent;
    private readonly ulong _setLayout, _pool, _layout, _fence;
    private readonly ulong[] _pipelines = new ulong[4];
    private readonly Slot?[] _slots;                 // created on first use, one per batch size up to MaxSlots
    private readonly long _paramBytes;
    private readonly List<(Kernel Kernel, uint Base, uint Count)> _dispatches = [];
    private readonly List<int> _barrierAfter = [];  // dispatch counts at which a step ends
    private int _valuesBatch = -1;                   // the batch the arena's shape-dependent values hold
    private long _runs;
    private bool _disposed;

    // A batch size's parameters, descriptor set and recorded commands.
    private sealed class Slot
    {
        public required VulkanBuffer Params;
        public ulong Set;
        public nint Commands;
        public int Batch = -1;
        public long LastUse;
    }

    /// <summary>Steps this backend runs (float32 tensors only).</summary>
    internal static readonly HashSet<string> Supported = ["Conv", "Elementwise", "Transpose", "DepthToSpace", "SpaceToDepth", "Slice", "Expand", "Concat", "ReduceSum", "ReduceMean"];

    /// <summary>Why this backend cannot run <paramref name="plan"/> (an operator it lacks, a non-float32 step, an arena past its
    /// 32-bit offsets), or null when it can. `flowgen inspect` reports it without a device.</summary>
    internal static string? Refusal(ExecutionPlan plan)
    {
        foreach (var s in plan.Steps)
        {
            if (!Supported.Contains(s.OpType)) return $"operator {s.OpType} ('{s.Name}') has no Vulkan implementation; sample this model on the CPU";
            foreach (var v in s.Inputs.Concat(s.Outputs))
                if (v is not null && v.Type != ElementType.Float32)
                    return $"{s.OpType} ('{s.Name}') works on {ElementTypes.Name(v.Type)} tensors; the Vulkan backend runs float32 steps only";
        }
        foreach (var v in plan.Values)
            if (v.Offset % 4 != 0) return $"value '{v.Name}' is not 4-byte aligned in the arena";
        if (plan.ArenaBytes / 4 >= int.MaxValue) return $"the arena ({plan.ArenaBytes} bytes) is too large for the Vulkan backend's 32-bit offsets";
        return null;
    }

    /// <summary>Prepares <paramref name="plan"/> on <paramref name="device"/>; <paramref name="forceStaged"/> keeps the arena in
    /// device-local memory behind a mirror even where the host could map it (what a discrete GPU gets; for tests).</summary>
    public VulkanExecutor(ExecutionPlan plan, VulkanDevice device, bool forceStaged = false)
    {
        Plan = plan;
        _device = device;
        if (Refusal(plan) is { } why) throw new FlowGenException($"{plan.Source}: {why}", null);

        var api = device.Api;
        nint d = device.Handle;
        _staged = forceStaged || device.HasDeviceOnlyMemory;
        ulong bytes = (ulong)Math.Max(16, plan.ArenaBytes);
        const uint usage = VkConst.VK_BUFFER_USAGE_STORAGE_BUFFER_BIT | VkConst.VK_BUFFER_USAGE_TRANSFER_SRC_BIT | VkConst.VK_BUFFER_USAGE_TRANSFER_DST_BIT;
        _host = new VulkanBuffer(device, bytes, usage);
        try
        {
            _arena = _staged ? new VulkanBuffer(device, bytes, usage, hostVisible: false) : _host;
            new Span<byte>(_host.Mapped, checked((int)_host.Size)).Clear();
            foreach (var v in plan.Values)
                if (v.Const is { } c && v.AliasOf is null) c.Data.CopyTo(new Span<byte>((byte*)_host.Mapped + v.Offset, c.Data.Length));
            if (_staged) Upload(bytes);
            _batchDependent = plan.Values.Where(v => v.SymValues is not null).ToArray();
            _slots = new Slot?[Math.Min(plan.MaxBatch, MaxSlots)];
            _paramBytes = ParamInts(plan) * 4 + 16;

            var bindings = stackalloc VkDescriptorSetLayoutBinding[2];
            for (uint b = 0; b < 2; b++)
                bindings[b] = new VkDescriptorSetLayoutBinding { binding = b, descriptorType = VkConst.VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, descriptorCount = 1, stageFlags = VkConst.VK_SHADER_STAGE_COMPUTE_BIT };
            var setLayoutInfo = new VkDescriptorSetLayoutCreateInfo { sType = VkStructureType.DESCRIPTOR_SET_LAYOUT_CREATE_INFO, bindingCount = 2, pBindings = bindings };
            ulong setLayout, pool, layout;
            VkResult.Check(api.vkCreateDescriptorSetLayout(d, &setLayoutInfo, null, &setLayout), "vkCreateDescriptorSetLayout");
            _setLayout = setLayout;
            var size = new VkDescriptorPoolSize { type = VkConst.VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, descriptorCount = 2 * (uint)_slots.Length };
            var poolInfo = new VkDescriptorPoolCreateInfo { sType = VkStructureType.DESCRIPTOR_POOL_CREATE_INFO, maxSets = (uint)_slots.Length, poolSizeCount = 1, pPoolSizes = &size };
            VkResult.Check(api.vkCreateDescriptorPool(d, &poolInfo, null, &pool), "vkCreateDescriptorPool");
            _pool = pool;
            var range = new VkPushConstantRange { stageFlags = VkConst.VK_SHADER_STAGE_COMPUTE_BIT, size = 8 };
            var layoutInfo = new VkPipelineLayoutCreateInfo { sType = VkStructureType.PIPELINE_LAYOUT_CREATE_INFO, setLayoutCount = 1, pSetLayouts = &setLayout, pushConstantRangeCount = 1, pPushConstantRanges = &range };
            VkResult.Check(api.vkCreatePipelineLayout(d, &layoutInfo, null, &layout), "vkCreatePipelineLayout");
            _layout = layout;
            byte* main = stackalloc byte[] { (byte)'m', (byte)'a', (byte)'i', (byte)'n', 0 };
            for (int k = 0; k < ShaderNames.Length; k++)
            {
                ulong module = device.CreateShaderModule(Spirv(ShaderNames[k]));
                var info = new VkComputePipelineCreateInfo
                {
                    sType = VkStructureType.COMPUTE_PIPELINE_CREATE_INFO, layout = layout, basePipelineIndex = -1,
                    stage = new VkPipelineShaderStageCreateInfo { sType = VkStructureType.PIPELINE_SHADER_STAGE_CREATE_INFO, stage = VkConst.VK_SHADER_STAGE_COMPUTE_BIT, module = module, pName = main },
                };
                ulong pipeline;
                var r = api.vkCreateComputePipelines(d, 0, 1, &info, null, &pipeline);
                api.vkDestroyShaderModule(d, module, null);
                VkResult.Check(r, "vkCreateComputePipelines");
                _pipelines[k] = pipeline;
            }
            _fence = device.CreateFence(signaled: false);
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public ExecutionPlan Plan { get; }

    /// <summary>The device the plan runs on.</summary>
    public string DeviceName => _device.Name;

    public void SetInput(int index, ReadOnlySpan<byte> data)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var v = Plan.Inputs[index];
        if (data.Length > v.Bytes) throw new ArgumentException($"input '{v.Name}' is larger than the plan's maximum batch allows");
        data.CopyTo(new Span<byte>((byte*)_host.Mapped + v.Offset, data.Length));
    }

    public void Run(int batch)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (batch < 1 || batch > Plan.MaxBatch) throw new ArgumentOutOfRangeException(nameof(batch), batch, $"batch must be in 1..{Plan.MaxBatch}");
        if (batch != _valuesBatch)
        {
            foreach (var v in _batchDependent)
            {
                var s = v.SymValues!;
                for (int i = 0; i < s.Length; i++) ((long*)((byte*)_host.Mapped + v.Offset))[i] = s[i].At(batch);
            }
            _valuesBatch = batch;
        }
        Slot? slot = null;
        foreach (var k in _slots) if (k?.Batch == batch) slot = k;
        if (slot is null)
        {
            // a new batch size: a slot not made yet, else the least recently used one is re-recorded
            int free = Array.IndexOf(_slots, null);
            if (free >= 0) slot = _slots[free] = CreateSlot();
            else
            {
                slot = _slots[0]!;
                foreach (var k in _slots) if (k!.LastUse < slot.LastUse) slot = k;
            }
            Bind(slot, batch);
        }
        slot.LastUse = ++_runs;
        var api = _device.Api;
        ulong fence = _fence;
        VkResult.Check(api.vkResetFences(_device.Handle, 1, &fence), "vkResetFences");
        _device.Submit(slot.Commands, fence);
        _device.WaitFence(fence);
    }

    // A parameter buffer, its descriptor set (the arena and it) and a command buffer.
    private Slot CreateSlot()
    {
        var api = _device.Api;
        var slot = new Slot { Params = new VulkanBuffer(_device, (ulong)_paramBytes, VkConst.VK_BUFFER_USAGE_STORAGE_BUFFER_BIT) };
        try
        {
            ulong set, setLayout = _setLayout;
            var allocInfo = new VkDescriptorSetAllocateInfo { sType = VkStructureType.DESCRIPTOR_SET_ALLOCATE_INFO, descriptorPool = _pool, descriptorSetCount = 1, pSetLayouts = &setLayout };
            VkResult.Check(api.vkAllocateDescriptorSets(_device.Handle, &allocInfo, &set), "vkAllocateDescriptorSets");
            slot.Set = set;
            var infos = stackalloc VkDescriptorBufferInfo[2];
            infos[0] = new VkDescriptorBufferInfo { buffer = _arena.Handle, range = VkConst.VK_WHOLE_SIZE };
            infos[1] = new VkDescriptorBufferInfo { buffer = slot.Params.Handle, range = VkConst.VK_WHOLE_SIZE };
            var writes = stackalloc VkWriteDescriptorSet[2];
            for (uint b = 0; b < 2; b++)
                writes[b] = new VkWriteDescriptorSet { sType = VkStructureType.WRITE_DESCRIPTOR_SET, dstSet = set, dstBinding = b, descriptorCount = 1, descriptorType = VkConst.VK_DESCRIPTOR_TYPE_STORAGE_BUFFER, pBufferInfo = &infos[b] };
            api.vkUpdateDescriptorSets(_device.Handle, 2, writes, 0, null);
            slot.Commands = _device.AllocateCommandBuffer();
            return slot;
        }
        catch
        {
            slot.Params.Dispose();
            throw;
        }
    }

    public ReadOnlySpan<byte> GetOutput(int index, int batch)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var v = Plan.Outputs[index];
        return new ReadOnlySpan<byte>((byte*)_host.Mapped + v.Offset, checked((int)(v.ElementCount(batch) * ElementTypes.Size(v.Type))));
    }

    private static byte[] Spirv(string name)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream($"FlowGen.Shaders.{name}.comp.spv")
            ?? throw new FlowGenException($"the Vulkan backend's shader {name}.comp.spv is not embedded in FlowGen.Runtime", null);
        var bytes = new byte[stream.Length];
        stream.ReadExactly(bytes);
        return bytes;
    }

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        var api = _device.Api;
        nint d = _device.Handle;
        if (d != 0) api.vkDeviceWaitIdle(d);
        foreach (var slot in _slots)
        {
            if (slot is null) continue;
            if (slot.Commands != 0) _device.FreeCommandBuffer(slot.Commands);
            slot.Params.Dispose();
        }
        if (_fence != 0) api.vkDestroyFence(d, _fence, null);
        foreach (var p in _pipelines) if (p != 0) api.vkDestroyPipeline(d, p, null);
        if (_layout != 0) api.vkDestroyPipelineLayout(d, _layout, null);
        if (_pool != 0) api.vkDestroyDescriptorPool(d, _pool, null);
        if (_setLayout != 0) api.vkDestroyDescriptorSetLayout(d, _setLayout, null);
        if (!ReferenceEquals(_arena, _host)) _arena?.Dispose();
        _host?.Dispose();
    }
}

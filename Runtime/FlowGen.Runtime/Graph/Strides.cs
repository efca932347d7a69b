// Element strides of row-major tensors, shared by the backends: the CPU operators and the Vulkan backend's step
// encoding address operands through the same strides.
namespace FlowGen.Runtime.Graph;

internal static class Strides
{
    /// <summary>Row-major strides of <paramref name="dims"/>, aligned right to <paramref name="rank"/>; 0 on broadcast (size-1 or missing) dims.</summary>
    public static void Broadcast(ReadOnlySpan<int> dims, int rank, Span<long> strides)
    {
        long s = 1;
        for (int d = rank - 1; d >= 0; d--)
        {
            int sd = d - (rank - dims.Length);
            if (sd < 0 || dims[sd] == 1) strides[d] = 0;
            else { strides[d] = s; s *= dims[sd]; }
        }
    }
}

// Copies a strided view of a tensor into a contiguous buffer: the one data-movement loop behind
// Transpose, Slice, Expand, DepthToSpace and SpaceToDepth. Source strides are in elements and may be 0
// (broadcast) or negative (reversed slices); the innermost run is a memcpy when it is contiguous.
namespace FlowGen.Runtime.Cpu;

internal static unsafe class StridedCopy
{
    public const int MaxRank = 8;

    /// <summary>
    /// Copies output rows [firstRow, endRow) of the leading dimension: dst is the start of the contiguous output,
    /// src the source element that output index 0 reads.
    /// </summary>
    public static void Run(byte* dst, byte* src, ReadOnlySpan<int> dims, ReadOnlySpan<long> srcStrides, int elemSize, int firstRow, int endRow)
    {
        if (dims.Length == 0) { Buffer.MemoryCopy(src, dst, elemSize, elemSize); return; }
        long inner = 1;
        for (int d = 1; d < dims.Length; d++) inner *= dims[d];
        for (int row = firstRow; row < endRow; row++)
        {
            byte* o = dst + row * inner * elemSize;
            byte* s = src + row * srcStrides[0] * elemSize;
            if (dims.Length == 1) Element(o, s, elemSize);
            else Block(o, s, dims[1..], srcStrides[1..], elemSize);
        }
    }

    private static void Block(byte* o, byte* src, ReadOnlySpan<int> viewDims, ReadOnlySpan<long> viewStrides, int elemSize)
    {
        // Neighbouring dimensions the source walks contiguously (outer stride = inner stride x inner size) are one:
        // a channel slice of NCHW copies whole C'xHxW runs instead of one row at a time.
        Span<int> dims = stackalloc int[MaxRank];
        Span<long> strides = stackalloc long[MaxRank];
        int n = 0;
        for (int d = 0; d < viewDims.Length; d++)
        {
            if (n > 0 && strides[n - 1] == viewStrides[d] * viewDims[d])
            {
                dims[n - 1] *= viewDims[d];
                strides[n - 1] = viewStrides[d];
                continue;
            }
            dims[n] = viewDims[d];
            strides[n++] = viewStrides[d];
        }
        dims = dims[..n];
        strides = strides[..n];
        int last = n - 1;
        int len = dims[last];
        long step = strides[last];
        long rows = 1;
        for (int d = 0; d < last; d++) rows *= dims[d];
        Span<int> idx = stackalloc int[MaxRank];
        idx.Clear();
        for (long r = 0; r < rows; r++)
        {
            long off = 0;
            for (int d = 0; d < last; d++) off += idx[d] * strides[d];
            byte* si = src + off * elemSize;
            if (step == 1) Buffer.MemoryCopy(si, o, (long)len * elemSize, (long)len * elemSize);
            else if (elemSize == 4) { var so = (int*)o; for (int k = 0; k < len; k++) so[k] = *(int*)(si + k * step * 4); }
            else if (elemSize == 8) { var so = (long*)o; for (int k = 0; k < len; k++) so[k] = *(long*)(si + k * step * 8); }
            else for (int k = 0; k < len; k++) o[k] = si[k * step];
            o += (long)len * elemSize;
            for (int d = last - 1; d >= 0; d--)
            {
                if (++idx[d] < dims[d]) break;
                idx[d] = 0;
            }
        }
    }

    private static void Element(byte* o, byte* s, int elemSize)
    {
        for (int k = 0; k < elemSize; k++) o[k] = s[k];
    }
}

// Walks the output of an up-to-3-operand broadcasting operator element by element, keeping each
// operand's offset in step (an odometer; no division per element). For the operators too rare to
// deserve a blocked kernel: comparisons and Where.
namespace FlowGen.Runtime.Cpu;

internal ref struct BroadcastWalker
{
    private readonly ReadOnlySpan<int> _dims;
    private readonly Span<long> _strides; // [operand * rank + d]
    private readonly Span<int> _idx;
    private readonly int _operands;
    public long A, B, C;

    public BroadcastWalker(ReadOnlySpan<int> outDims, Span<long> strides, Span<int> idx, int operands)
    {
        _dims = outDims;
        _strides = strides;
        _idx = idx;
        _operands = operands;
        _idx.Clear();
        A = B = C = 0;
    }

    public void Next()
    {
        int rank = _dims.Length;
        for (int d = rank - 1; d >= 0; d--)
        {
            _idx[d]++;
            A += _strides[d];
            if (_operands > 1) B += _strides[rank + d];
            if (_operands > 2) C += _strides[2 * rank + d];
            if (_idx[d] < _dims[d]) return;
            A -= _strides[d] * _dims[d];
            if (_operands > 1) B -= _strides[rank + d] * _dims[d];
            if (_operands > 2) C -= _strides[2 * rank + d] * _dims[d];
            _idx[d] = 0;
        }
    }
}

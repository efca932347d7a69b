// Which sample indices one sampling call draws: Rows runs of Columns consecutive indices, run r starting at
// FirstIndex + r·RowStride. One run is the plain case; a world's lattice rows (indices row·2³² + column) are
// several runs, so a whole chunk's patches go through the flow in one batched, evenly split call.
namespace FlowGen.Runtime;

/// <summary>Sample indices <c>FirstIndex + r·RowStride + c</c> for r &lt; <paramref name="Rows"/>, c &lt; <paramref name="Columns"/>,
/// written in that (row-major) order.</summary>
public readonly record struct SampleIndices(long FirstIndex, int Columns, int Rows = 1, long RowStride = 0)
{
    /// <summary>One run of <paramref name="count"/> consecutive indices.</summary>
    public static SampleIndices Run(long firstIndex, int count) => new(firstIndex, count);

    /// <summary>Number of samples.</summary>
    public int Count => checked(Columns * Rows);

    /// <summary>The sample index of the <paramref name="k"/>-th sample written.</summary>
    public long IndexAt(int k) => Rows == 1 ? FirstIndex + k : FirstIndex + k / Columns * RowStride + k % Columns;

    /// <summary>The sub-grid of one sample: the <paramref name="k"/>-th.</summary>
    internal SampleIndices Single(int k) => Run(IndexAt(k), 1);

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> unless every index is non-negative, distinct and representable.</summary>
    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfNegative(FirstIndex, nameof(FirstIndex));
        ArgumentOutOfRangeException.ThrowIfNegative(Columns, nameof(Columns));
        ArgumentOutOfRangeException.ThrowIfNegative(Rows, nameof(Rows));
        if ((long)Columns * Rows > int.MaxValue) throw new ArgumentOutOfRangeException(nameof(Rows), "Columns x Rows must fit in an int");
        if (Rows > 1 && RowStride < Columns) throw new ArgumentOutOfRangeException(nameof(RowStride), RowStride, "RowStride must be at least Columns, so indices are distinct");
        if (Columns == 0 || Rows == 0) return;
        // The last index, FirstIndex + (Rows-1)·RowStride + Columns-1, must not overflow.
        long room = long.MaxValue - FirstIndex - (Columns - 1);
        if (room < 0 || (Rows > 1 && RowStride > room / (Rows - 1)))
            throw new ArgumentOutOfRangeException(nameof(FirstIndex), "the grid's last sample index overflows a long");
    }
}

// The allocation meter the hot-path tests rely on still sees a real allocation in every run, and none where there is none.
namespace FlowGen.Runtime.Tests;

public class AllocationMeterTests
{
    private static byte[]? _sink;

    [Fact]
    public void SeesAnAllocationEveryRunAndNoneInPlainArithmetic()
    {
        Assert.InRange(AllocationMeter.Allocated(() => _sink = new byte[1000], allowance: 48), 1000, 1100);
        var x = new float[256];
        Assert.Equal(0, AllocationMeter.Allocated(() =>
        {
            for (int i = 1; i < x.Length; i++) x[i] += x[i - 1] * 0.5f;
        }));
    }
}

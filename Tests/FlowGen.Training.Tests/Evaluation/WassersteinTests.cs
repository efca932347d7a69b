using FlowGen.Training.Evaluation;

namespace FlowGen.Training.Tests.Evaluation;

public class WassersteinTests
{
    [Fact]
    public void ShiftedDistributionIsTheShiftAway()
    {
        var a = Enumerable.Range(0, 500).Select(i => Math.Sin(i * 0.37) * 3).Order().ToArray();
        var b = a.Select(v => v + 1.25).ToArray();
        Assert.Equal(1.25, Wasserstein.Distance1(a, b), 10);
        Assert.Equal(1.25, Wasserstein.Distance1(b, a), 10);
        Assert.Equal(0.0, Wasserstein.Distance1(a, a), 12);
    }

    [Fact]
    public void EqualSizesMatchMeanAbsoluteDifferenceOfOrderStatistics()
    {
        var a = Enumerable.Range(0, 300).Select(i => Math.Pow(i % 17, 1.3) + i * 0.01).Order().ToArray();
        var b = Enumerable.Range(0, 300).Select(i => Math.Cos(i) * 5 + 2).Order().ToArray();
        double expected = a.Zip(b, (x, y) => Math.Abs(x - y)).Average();
        Assert.Equal(expected, Wasserstein.Distance1(a, b), 9);
    }

    [Fact]
    public void DifferentSampleSizesUseTheCdfs()
    {
        // Point mass at 0 vs uniform on {0, 1, 2, 3}: W1 = (0 + 1 + 2 + 3) / 4.
        Assert.Equal(1.5, Wasserstein.Distance1([0.0], [0.0, 1.0, 2.0, 3.0]), 12);
        Assert.Throws<ArgumentException>(() => Wasserstein.Distance1([], [1.0]));
    }

    [Fact]
    public async Task NonFiniteSamplesAreRefusedNotAHang()
    {
        // A NaN once stalled the sweep forever (`flowgen seams` on a world with diverged pixels); now it is an error at once.
        var task = Task.Run(() => Assert.Throws<ArgumentException>(() => Wasserstein.Distance1([double.NaN, 0.0, 1.0], [0.5, 2.0])));
        Assert.Same(task, await Task.WhenAny(task, Task.Delay(TimeSpan.FromSeconds(10))));
        await task;
        Assert.Throws<ArgumentException>(() => Wasserstein.Distance1([0.0], [1.0, double.PositiveInfinity]));
    }
}

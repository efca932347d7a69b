// Command-line parsing: values land where they should, bad values are refused with the option's name.
using FlowGen.Demo.App;

namespace FlowGen.Demo.Tests;

public class DemoOptionsTests
{
    [Fact]
    public void ParsesEveryKindOfValue()
    {
        var o = DemoOptions.Parse(["--headless", "--frames", "12", "--screenshot", "a.png", "--seed", "18446744073709551615",
            "--temperature", "0.5", "--camera", "1,2,3,45,-10", "--mesh-step", "2", "--no-vsync", "--view-radius", "3"]);
        Assert.True(o.Headless);
        Assert.Equal(12, o.Frames);
        Assert.Equal("a.png", o.Screenshot);
        Assert.Equal(ulong.MaxValue, o.Seed);
        Assert.Equal(0.5f, o.Temperature);
        Assert.Equal(new System.Numerics.Vector3(1, 2, 3), o.CameraPosition);
        Assert.Equal(45f, o.CameraYawDeg);
        Assert.Equal(2, o.MeshStep);
        Assert.False(o.Vsync);
        Assert.Equal(3, o.ViewRadius);
    }

    [Theory]
    [InlineData("--frames", "0")]
    [InlineData("--frames", "1.5")]
    [InlineData("--temperature", "nan")]
    [InlineData("--seed", "-1")]
    [InlineData("--mesh-step", "3")]
    [InlineData("--camera", "1,2,3")]
    [InlineData("--width", "100000")]
    public void RefusesBadValuesNamingTheOption(string option, string value)
    {
        var e = Assert.Throws<DemoUsageException>(() => DemoOptions.Parse(["--headless", option, value]));
        Assert.Contains(option, e.Message);
    }

    [Fact]
    public void ScreenshotNeedsHeadlessAndAValueIsRequired()
    {
        Assert.Throws<DemoUsageException>(() => DemoOptions.Parse(["--screenshot", "x.png"]));
        Assert.Contains("needs a value", Assert.Throws<DemoUsageException>(() => DemoOptions.Parse(["--model"])).Message);
    }

    [Fact]
    public void FastPicksTheBundledFastPairAndRefusesAModelBesideIt()
    {
        Assert.True(DemoOptions.Parse(["--fast"]).Fast);
        Assert.False(DemoOptions.Parse([]).Fast);
        Assert.Contains("--fast", Assert.Throws<DemoUsageException>(() => DemoOptions.Parse(["--fast", "--model", "m.onnx"])).Message);
        Assert.Contains("--fast", Assert.Throws<DemoUsageException>(() => DemoOptions.Parse(["--detail", "none", "--fast"])).Message);
    }
}

// Camera geometry: unit forward vector, level flight keeps the altitude, switching to orbit and back keeps
// the eye where it was, and the projection maps the near/far planes to Vulkan depth 0/1 with y down.
using System.Numerics;
using FlowGen.Demo.App;

namespace FlowGen.Demo.Tests;

public class CameraTests
{
    [Fact]
    public void LevelFlightKeepsAltitudeAndOrbitToggleKeepsTheEye()
    {
        var c = new Camera { Position = new Vector3(10, 500, -20), Yaw = 0.7f, Pitch = -0.4f };
        Assert.Equal(1f, c.Forward.Length(), 5);
        c.FlyLevel(1000);
        Assert.Equal(500f, c.Position.Y, 3);
        Assert.Equal(1000f, Vector2.Distance(new Vector2(10, -20), new Vector2(c.Position.X, c.Position.Z)), 2);
        var eye = c.Eye;
        c.ToggleOrbit();
        Assert.True(c.Orbit);
        Assert.True(Vector3.Distance(eye, c.Eye) < 0.01f);
        c.Turn(1f, 0.2f); // orbiting moves the eye around the target, at the same distance
        Assert.Equal(c.OrbitDistance, Vector3.Distance(c.Eye, c.OrbitTarget), 1);
        c.ToggleOrbit();
        Assert.False(c.Orbit);
    }

    [Fact]
    public void ProjectionGivesVulkanDepthAndYDown()
    {
        var c = new Camera { Pitch = 0 };
        var vp = c.View * c.Projection(1.5f, 10f, 1000f);
        Vector4 Clip(Vector3 p) => Vector4.Transform(new Vector4(p, 1), vp);
        var near = Clip(c.Forward * 10f);
        var far = Clip(c.Forward * 1000f);
        Assert.Equal(0f, near.Z / near.W, 4);
        Assert.Equal(1f, far.Z / far.W, 4);
        var above = Clip(c.Forward * 100f + Vector3.UnitY * 10f);
        Assert.True(above.Y / above.W < 0, "a point above the view axis must map to negative y (top of a Vulkan framebuffer)");
    }
}

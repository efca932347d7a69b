// The start camera from the options (shared by the window and the headless renderer).
namespace FlowGen.Demo.App;

internal static class DemoCamera
{
    public static Camera Create(DemoOptions o)
    {
        var camera = new Camera
        {
            Position = o.CameraPosition,
            Yaw = o.CameraYawDeg * MathF.PI / 180f,
            Pitch = o.CameraPitchDeg * MathF.PI / 180f,
        };
        if (o.Orbit) camera.ToggleOrbit();
        return camera;
    }
}

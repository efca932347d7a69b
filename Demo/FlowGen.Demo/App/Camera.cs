// Fly and orbit camera. Positions are world metres (x east, y up, z south). Rendering is camera-relative
// (View looks from the origin), so far chunks keep float precision; the renderer offsets each chunk.
using System.Numerics;

namespace FlowGen.Demo.App;

internal sealed class Camera
{
    /// <summary>Eye position in fly mode; the orbit target's ground point in orbit mode.</summary>
    public Vector3 Position;
    /// <summary>Heading in radians, 0 looks north (-z), positive turns east.</summary>
    public float Yaw;
    /// <summary>Elevation in radians, negative looks down.</summary>
    public float Pitch = -0.25f;
    public bool Orbit;
    public Vector3 OrbitTarget;
    public float OrbitDistance = 4000f;
    public float VerticalFovDegrees = 60f;

    public Vector3 Forward => new(MathF.Sin(Yaw) * MathF.Cos(Pitch), MathF.Sin(Pitch), -MathF.Cos(Yaw) * MathF.Cos(Pitch));
    public Vector3 Right => Vector3.Normalize(new Vector3(MathF.Cos(Yaw), 0, MathF.Sin(Yaw)));

    /// <summary>Where the eye is: Position in fly mode, on a sphere around OrbitTarget in orbit mode.</summary>
    public Vector3 Eye => Orbit ? OrbitTarget - Forward * OrbitDistance : Position;

    /// <summary>Camera-relative view (eye at the origin).</summary>
    public Matrix4x4 View => Matrix4x4.CreateLookAt(Vector3.Zero, Forward, Vector3.UnitY);

    /// <summary>Vulkan projection: depth 0..1 (System.Numerics already), y flipped for Vulkan's y-down clip space.</summary>
    public Matrix4x4 Projection(float aspect, float near, float far)
    {
        var p = Matrix4x4.CreatePerspectiveFieldOfView(VerticalFovDegrees * MathF.PI / 180f, aspect, near, far);
        p.M22 = -p.M22;
        return p;
    }

    /// <summary>Moves in fly mode (forward/right/up in metres), or zooms/pans the orbit target.</summary>
    public void Move(float forward, float right, float up)
    {
        if (Orbit)
        {
            var flatForward = Vector3.Normalize(new Vector3(Forward.X, 0, Forward.Z));
            OrbitTarget += flatForward * forward + Right * right;
            OrbitDistance = Math.Clamp(OrbitDistance - up, 200f, 50_000f);
        }
        else
        {
            Position += Forward * forward + Right * right + Vector3.UnitY * up;
        }
    }

    /// <summary>Moves <paramref name="metres"/> along the heading, keeping the altitude (scripted flights).</summary>
    public void FlyLevel(float metres)
    {
        var heading = new Vector3(MathF.Sin(Yaw), 0, -MathF.Cos(Yaw)) * metres;
        if (Orbit) OrbitTarget += heading; else Position += heading;
    }

    public void Turn(float yaw, float pitch)
    {
        Yaw += yaw;
        Pitch = Math.Clamp(Pitch + pitch, -1.5f, 1.5f);
    }

    /// <summary>Switches mode, keeping the view: orbit around the ground point ~OrbitDistance ahead.</summary>
    public void ToggleOrbit()
    {
        if (Orbit) Position = Eye;
        else OrbitTarget = Position + Forward * OrbitDistance;
        Orbit = !Orbit;
    }
}

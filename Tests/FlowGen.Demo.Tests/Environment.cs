// What the demo tests need from the machine, probed once: a Vulkan driver, xvfb-run + GLFW for the
// window test, the repository (shaders, fixtures). Attributes skip with the reason when something is absent.
using System.Diagnostics;
using FlowGen.Runtime.Vulkan;

namespace FlowGen.Demo.Tests;

internal static class TestEnvironment
{
    public const string LavapipeIcd = "/usr/share/vulkan/icd.d/lvp_icd.x86_64.json";

    /// <summary>Null when a Vulkan device is there, else why not (the runtime's own probe, run once per process).</summary>
    public static string? VulkanMissing => VulkanDeviceProbe.Missing();

    public static bool HasValidationLayer()
    {
        try { return VkLoader.InstanceLayers().Contains(VulkanInstance.ValidationLayer); }
        catch (VulkanException) { return false; }
    }

    public static string RepoRoot
    {
        get
        {
            for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
                if (File.Exists(Path.Combine(d.FullName, "FlowGen.sln"))) return d.FullName;
            throw new InvalidOperationException("repository root (FlowGen.sln) not found above " + AppContext.BaseDirectory);
        }
    }

    public static string? OnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator)
            .Select(d => Path.Combine(d, name)).FirstOrDefault(File.Exists);

    public static bool HasGlfw() => System.Runtime.InteropServices.NativeLibrary.TryLoad("libglfw.so.3", out _);
}

public sealed class VulkanFactAttribute : FactAttribute
{
    public VulkanFactAttribute()
    {
        if (TestEnvironment.VulkanMissing is { } reason) Skip = reason;
    }
}

public sealed class XvfbFactAttribute : FactAttribute
{
    public XvfbFactAttribute()
    {
        if (TestEnvironment.VulkanMissing is { } reason) Skip = reason;
        else if (TestEnvironment.OnPath("xvfb-run") is null) Skip = "xvfb-run not installed (Debian: xvfb xauth)";
        else if (!TestEnvironment.HasGlfw()) Skip = "libglfw.so.3 not installed (Debian: libglfw3)";
    }
}

/// <summary>Runs flowgen-demo (copied next to the tests by the project reference) as a child process.</summary>
internal static class DemoProcess
{
    public sealed record Result(int ExitCode, string Stdout, string Stderr)
    {
        public string All => Stdout + Stderr;
    }

    public static Result Run(IEnumerable<string> args, IDictionary<string, string?>? env = null, string? wrapper = null, int timeoutMs = 60_000)
    {
        string dll = Path.Combine(AppContext.BaseDirectory, "flowgen-demo.dll");
        var psi = new ProcessStartInfo(wrapper ?? "dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        if (wrapper is not null)
            foreach (string a in new[] { "-a", "-s", "-screen 0 1024x768x24", "dotnet" }) psi.ArgumentList.Add(a);
        psi.ArgumentList.Add(dll);
        foreach (string a in args) psi.ArgumentList.Add(a);
        // Tests pin lavapipe (the CI driver) unless the caller overrides it; no crash dumps from children.
        if (File.Exists(TestEnvironment.LavapipeIcd) && Environment.GetEnvironmentVariable("VK_ICD_FILENAMES") is null)
            psi.Environment["VK_ICD_FILENAMES"] = TestEnvironment.LavapipeIcd;
        psi.Environment["DOTNET_DbgEnableMiniDump"] = "0";
        // With --validation, also check synchronisation (hazards between frames, uploads and readback).
        psi.Environment["VK_LAYER_ENABLES"] = "VK_VALIDATION_FEATURE_ENABLE_SYNCHRONIZATION_VALIDATION_EXT";
        if (env is not null)
            foreach (var (k, v) in env)
                if (v is null) psi.Environment.Remove(k); else psi.Environment[k] = v;
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(timeoutMs))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"flowgen-demo {string.Join(' ', args)} did not finish in {timeoutMs} ms (hang)");
        }
        return new Result(p.ExitCode, stdout.Result, stderr.Result);
    }
}

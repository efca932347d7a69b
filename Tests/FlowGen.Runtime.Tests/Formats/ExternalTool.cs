// Runs the independent reference tools (Debian's python3 with numpy/PIL, ImageMagick, OpenEXR tools)
// that check FlowGen's writers. Tests that need one use ToolFactAttribute, which skips with the
// reason when the tool is missing (xunit 2.9 has no dynamic skip, so the attribute decides up front).
using System.Diagnostics;

namespace FlowGen.Runtime.Tests.Formats;

internal static class ExternalTool
{
    public const string Python = "/usr/bin/python3";
    private static readonly Dictionary<string, string?> Cache = new();

    /// <summary>Why <paramref name="requirement"/> is unavailable, or null when it is available.</summary>
    /// <remarks>Requirements: "python:module[,module]" or "exe:/path".</remarks>
    public static string? Missing(string requirement)
    {
        lock (Cache)
        {
            if (Cache.TryGetValue(requirement, out var cached)) return cached;
            string? reason;
            if (requirement.StartsWith("python:", StringComparison.Ordinal))
            {
                string modules = requirement["python:".Length..];
                reason = !File.Exists(Python) ? $"{Python} is not installed"
                    : Run(Python, ["-c", $"import {modules}"], out _, out _) == 0 ? null : $"python3 modules {modules} are not installed";
            }
            else
            {
                string exe = requirement["exe:".Length..];
                reason = File.Exists(exe) ? null : $"{exe} is not installed";
            }
            Cache[requirement] = reason;
            return reason;
        }
    }

    /// <summary>Runs a process to completion (60 s limit) and returns its exit code.</summary>
    public static int Run(string exe, IEnumerable<string> args, out string stdout, out string stderr, string? cwd = null)
    {
        var psi = new ProcessStartInfo(exe) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        if (cwd is not null) psi.WorkingDirectory = cwd;
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        stdout = p.StandardOutput.ReadToEnd();
        if (!p.WaitForExit(60_000)) { p.Kill(true); throw new TimeoutException($"{exe} did not finish in 60 s"); }
        stderr = err.Result;
        return p.ExitCode;
    }

    /// <summary>Runs a python script with arguments; fails the test with its output when it exits non-zero.</summary>
    public static string RunPython(string script, params string[] args)
    {
        int rc = Run(Python, ["-c", script, .. args], out var o, out var e);
        Assert.True(rc == 0, $"python failed ({rc}): {o}\n{e}");
        return o;
    }
}

/// <summary>A fact that skips, naming the reason, when an external tool is missing.</summary>
internal sealed class ToolFactAttribute : FactAttribute
{
    public ToolFactAttribute(params string[] requirements)
    {
        foreach (var r in requirements)
            if (ExternalTool.Missing(r) is { } reason) { Skip = reason; break; }
    }
}

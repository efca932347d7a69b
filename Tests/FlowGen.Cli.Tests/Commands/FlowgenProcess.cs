// Runs the real `flowgen` executable (flowgen.dll next to the test binaries) as a child process and
// captures its exit code, stdout and stderr: the CLI is tested exactly as users call it.
using System.Diagnostics;

namespace FlowGen.Cli.Tests.Commands;

internal static class FlowgenProcess
{
    public static (int Code, string Out, string Err) Run(params string[] args) => RunIn(null, args);

    /// <summary>Runs flowgen with <paramref name="workingDirectory"/> as its current folder (null: the test's).</summary>
    public static (int Code, string Out, string Err) RunIn(string? workingDirectory, params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (workingDirectory is not null) psi.WorkingDirectory = workingDirectory;
        psi.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "flowgen.dll"));
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(120_000)) { p.Kill(true); throw new TimeoutException($"flowgen {string.Join(' ', args)} did not finish"); }
        return (p.ExitCode, stdout.Result, stderr.Result);
    }

    public static string Fixture(string name)
    {
        var dir = AppContext.BaseDirectory;
        while (dir is not null && !Directory.Exists(Path.Combine(dir, "Tests", "Fixtures"))) dir = Path.GetDirectoryName(dir);
        return Path.Combine(dir ?? throw new DirectoryNotFoundException("Tests/Fixtures not found"), "Tests", "Fixtures", "glow_ref", name);
    }

    /// <summary>A fresh folder under the system temp folder; the test process removes it on exit.</summary>
    public static string TempDir()
    {
        var d = Path.Combine(Path.GetTempPath(), "flowgen-cli-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(d);
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try { Directory.Delete(d, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        };
        return d;
    }
}

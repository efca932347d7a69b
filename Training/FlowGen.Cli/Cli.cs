// Shared plumbing for the commands: running with typed-error handling and exit codes.
using System.CommandLine;
using System.Globalization;
using FlowGen.Runtime;

namespace FlowGen.Cli;

/// <summary>Exit codes and error reporting shared by all commands.</summary>
internal static class Cli
{
    public const int Ok = 0;
    public const int BadInput = 2;
    public const int Interrupted = 3;
    public const int InternalError = 70;

    /// <summary>Parses and runs; typed input errors become one line on stderr and exit code 2.</summary>
    public static int Run(RootCommand root, string[] args)
    {
        try
        {
            return root.Parse(args).Invoke();
        }
        catch (Exception e)
        {
            return Report(e);
        }
    }

    /// <summary>Wraps a command body so that every command reports errors the same way.</summary>
    public static int Guard(Func<int> body)
    {
        try
        {
            return body();
        }
        catch (Exception e)
        {
            return Report(e);
        }
    }

    /// <summary>Parses `--shard i/n` (0 &lt;= i &lt; n).</summary>
    public static (int Index, int Count) ParseShard(string text)
    {
        var parts = text.Split('/');
        if (parts.Length != 2 || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int i)
            || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int n) || n < 1 || i >= n)
            throw new ArgumentException($"--shard must be i/n with 0 <= i < n (got '{text}')");
        return (i, n);
    }

    /// <summary>`--backend cpu|vulkan`: where the flows run (FlowModelOptions.Backend).</summary>
    public static Option<string> BackendOption() => new("--backend")
    {
        Description = "where the flows run: cpu (FlowGen's SIMD kernels, bitwise the same for any thread count) or vulkan (Vulkan compute on the first GPU or software driver)",
        DefaultValueFactory = _ => "cpu",
    };

    /// <summary>Parses a `--backend` value.</summary>
    public static FlowBackend ParseBackend(string text) => text switch
    {
        "cpu" => FlowBackend.Cpu,
        "vulkan" => FlowBackend.Vulkan,
        _ => throw new ArgumentException($"--backend must be cpu or vulkan, not '{text}'"),
    };

    private static int Report(Exception e)
    {
        while (e is AggregateException { InnerExceptions.Count: 1 } a) e = a.InnerExceptions[0];
        switch (e)
        {
            case FlowGenException or FileNotFoundException or DirectoryNotFoundException or ArgumentException
                or InvalidDataException or UnauthorizedAccessException:
                Console.Error.WriteLine($"flowgen: error: {e.Message}");
                if (Environment.GetEnvironmentVariable("FLOWGEN_TRACE") is { Length: > 0 }) Console.Error.WriteLine(e.StackTrace);
                return BadInput;
            case OperationCanceledException:
                Console.Error.WriteLine("flowgen: interrupted; no partial output was written.");
                return Interrupted;
            default:
                Console.Error.WriteLine($"flowgen: internal error: {e.GetType().Name}: {e.Message}");
                Console.Error.WriteLine(e.StackTrace);
                return InternalError;
        }
    }
}

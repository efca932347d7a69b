// Shared plumbing for the commands: running with typed-error handling and exit codes.
using System.CommandLine;
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

    private static int Report(Exception e)
    {
        while (e is AggregateException { InnerExceptions.Count: 1 } a) e = a.InnerExceptions[0];
        switch (e)
        {
            case FlowGenException or FileNotFoundException or DirectoryNotFoundException or ArgumentException
                or InvalidDataException or UnauthorizedAccessException:
                Console.Error.WriteLine($"flowgen: error: {e.Message}");
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

// Prints the validation layer's verdict at exit; errors (including leaks reported at vkDestroyDevice /
// vkDestroyInstance) make the exit code 3 so scripts and tests notice.
using FlowGen.Runtime.Vulkan;

namespace FlowGen.Demo.App;

internal static class ValidationSummary
{
    public const int ErrorExitCode = 3;

    public static int Report(ValidationLog? log)
    {
        if (log is null) return 0;
        Console.WriteLine($"validation: {log.Errors} errors, {log.Warnings} warnings");
        return log.Errors > 0 ? ErrorExitCode : 0;
    }
}

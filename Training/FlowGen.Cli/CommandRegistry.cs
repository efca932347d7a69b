// The list of `flowgen` commands. Add one line per command.
using System.CommandLine;

namespace FlowGen.Cli;

internal static class CommandRegistry
{
    public static IEnumerable<Command> All()
    {
        yield return EvalCommand.Create();
        yield return Commands.InspectCommand.Create();
        yield return Commands.RunCommand.Create();
        yield return Commands.GenerateCommand.Create();
        yield return Commands.BenchCommand.Create();
        yield return Commands.BenchStreamCommand.Create();
        yield return Commands.WorldCommand.Create();
        yield return Commands.SeamsCommand.Create();
        yield return Commands.UpscaleCommand.Create();
        yield return TrainCommand.Create();
        yield return ExportCommand.Create();
        yield return ConvertCommand.Create();
        yield return InfoCommand.Create();
        yield break;
    }
}

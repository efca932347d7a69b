// `flowgen`: FlowGen's command-line tool. Each command lives in Commands/<Name>Command.cs and is
// registered below. Exit codes: 0 ok, 2 bad input (one line on stderr), 3 interrupted, 70 internal error.
using System.CommandLine;
using FlowGen.Cli;

var root = new RootCommand("FlowGen: learn terrain and textures with normalizing flows, generate them in real time.");
foreach (var command in CommandRegistry.All()) root.Subcommands.Add(command);
return Cli.Run(root, args);

// `flowgen`: FlowGen's command-line tool. Each command lives in Commands/<Name>Command.cs and is
// registered below. With no command, `flowgen` runs the main job: 64 heightmaps from the bundled terrain
// model as 16-bit PNGs plus a hillshaded preview.png in flowgen-output/terrain.
// Exit codes: 0 ok, 2 bad input (one line on stderr), 3 interrupted, 70 internal error.
using System.CommandLine;
using FlowGen.Cli;
using FlowGen.Cli.Commands;

var root = new RootCommand("FlowGen: learn terrain and textures with normalizing flows, generate them in real time.");
foreach (var command in CommandRegistry.All()) root.Subcommands.Add(command);
root.SetAction(_ => Cli.Guard(() => GenerateCommand.Run(new GenerateJob())));
return Cli.Run(root, args);

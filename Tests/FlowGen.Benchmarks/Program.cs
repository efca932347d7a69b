// Entry point of the BenchmarkDotNet suites: `dotnet run -c Release --project Tests/FlowGen.Benchmarks -- --filter '*'`.
using BenchmarkDotNet.Running;

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);

// FlowGen demo viewer entry point (Vulkan terrain fly-over). See README "Demo viewer".
// Exit codes: 0 ok, 1 error (no Vulkan, no display, bad model...), 2 usage, 3 validation errors.
using FlowGen.Demo.App;
using FlowGen.Demo.Terrain;
using FlowGen.Runtime;

try
{
    var options = DemoOptions.Parse(args);
    if (options.Help)
    {
        Console.WriteLine(DemoOptions.Usage);
        return 0;
    }
    using var model = TerrainModels.Open(options.Model, options.Detail, options.Backend, options.Fast);
    return options.Headless ? HeadlessApp.Run(options, model) : WindowApp.Run(options, model);
}
catch (DemoUsageException e)
{
    Console.Error.WriteLine($"flowgen-demo: {e.Message}");
    Console.Error.WriteLine(DemoOptions.Usage);
    return 2;
}
catch (FlowGenException e)
{
    Console.Error.WriteLine($"flowgen-demo: {e.Message}");
    return 1;
}
catch (Exception e) when (e is IOException or UnauthorizedAccessException)
{
    Console.Error.WriteLine($"flowgen-demo: {e.Message}");
    return 1;
}

// Every blittable Vulkan struct of the binding against the C headers: a C program generated here prints
// sizeof and offsetof of each struct and field from <vulkan/vulkan.h>, compiled by gcc at test time
// (libvulkan-dev + gcc; skipped when either is missing). Field names in C# are the C names, so the
// generated program needs no mapping table.
using System.Diagnostics;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;
using FlowGen.Runtime.Vulkan;

namespace FlowGen.Runtime.Tests.Vulkan;

public sealed class GccWithVulkanHeadersFactAttribute : FactAttribute
{
    public GccWithVulkanHeadersFactAttribute()
    {
        if (!File.Exists("/usr/include/vulkan/vulkan.h")) Skip = "no <vulkan/vulkan.h> (Debian: libvulkan-dev)";
        else if (VkStructLayoutTests.FindGcc() is null) Skip = "no gcc on PATH";
    }
}

public class VkStructLayoutTests
{
    internal static string? FindGcc() =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator)
            .Select(d => Path.Combine(d, "gcc")).FirstOrDefault(File.Exists);

    internal static List<Type> BindingStructs() =>
        typeof(VulkanInstance).Assembly.GetTypes()
            .Where(t => t.Namespace == typeof(VulkanInstance).Namespace && t.IsValueType && !t.IsEnum
                        && t.Name.StartsWith("Vk", StringComparison.Ordinal) && !t.IsNested)
            .OrderBy(t => t.Name, StringComparer.Ordinal)
            .ToList();

    private static int SizeOf(Type t) =>
        (int)typeof(Unsafe).GetMethod(nameof(Unsafe.SizeOf))!.MakeGenericMethod(t).Invoke(null, null)!;

    private static FieldInfo[] Fields(Type t) => t.GetFields(BindingFlags.Instance | BindingFlags.Public);

    [GccWithVulkanHeadersFact]
    public void EveryStructMatchesTheCHeaderSizeAndOffsets()
    {
        var structs = BindingStructs();
        Assert.True(structs.Count >= 60, $"expected the binding's ~60+ structs, found {structs.Count}");

        var c = new StringBuilder("#include <vulkan/vulkan.h>\n#include <stdio.h>\n#include <stddef.h>\nint main(void) {\n");
        var expected = new Dictionary<string, long>();
        foreach (var t in structs)
        {
            c.Append($"  printf(\"{t.Name} %zu\\n\", sizeof({t.Name}));\n");
            expected[t.Name] = SizeOf(t);
            foreach (var f in Fields(t))
            {
                c.Append($"  printf(\"{t.Name}.{f.Name} %zu\\n\", offsetof({t.Name}, {f.Name}));\n");
                expected[$"{t.Name}.{f.Name}"] = Marshal.OffsetOf(t, f.Name).ToInt64();
            }
        }
        c.Append("  return 0;\n}\n");

        string dir = Directory.CreateTempSubdirectory("flowgen-vklayout-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(dir, "layout.c"), c.ToString());
            Run(FindGcc()!, $"-std=c11 -o layout layout.c", dir);
            var actual = Run(Path.Combine(dir, "layout"), "", dir)
                .Split('\n', StringSplitOptions.RemoveEmptyEntries)
                .Select(l => l.Split(' '))
                .ToDictionary(p => p[0], p => long.Parse(p[1]));
            var mismatches = expected.Where(kv => actual[kv.Key] != kv.Value)
                .Select(kv => $"{kv.Key}: C# {kv.Value}, C {actual[kv.Key]}").ToList();
            Assert.True(mismatches.Count == 0, "layout mismatches:\n" + string.Join("\n", mismatches));
            Assert.Equal(expected.Count, actual.Count);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static string Run(string exe, string args, string dir)
    {
        var psi = new ProcessStartInfo(exe, args) { WorkingDirectory = dir, RedirectStandardOutput = true, RedirectStandardError = true };
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        string stderr = p.StandardError.ReadToEnd();
        Assert.True(p.WaitForExit(60_000), $"{exe} did not finish");
        Assert.True(p.ExitCode == 0, $"{exe} {args} failed ({p.ExitCode}):\n{stderr}");
        return stdout.Result;
    }
}

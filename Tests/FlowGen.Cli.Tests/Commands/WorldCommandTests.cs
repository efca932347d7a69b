using FlowGen.Runtime.Formats;

namespace FlowGen.Cli.Tests.Commands;

public class WorldCommandTests
{
    private static readonly string Model = FlowgenProcess.Fixture("glow_ref_sample.onnx");

    [Fact]
    public void Shards_assemble_bit_identically_to_a_single_run()
    {
        var dir = FlowgenProcess.TempDir();
        string single = Path.Combine(dir, "single.npy"), sharded = Path.Combine(dir, "sharded.npy");
        var r = FlowgenProcess.Run("world", Model, "--size", "150x97", "--seed", "11", "--origin", "-70,40", "--out", single);
        Assert.True(r.Code == 0, r.Err);
        foreach (var i in new[] { 2, 0, 1 })   // any order, as independent jobs would
        {
            r = FlowgenProcess.Run("world", Model, "--size", "150x97", "--seed", "11", "--origin", "-70,40", "--out", sharded, "--shard", $"{i}/3");
            Assert.True(r.Code == 0, r.Err);
        }
        r = FlowgenProcess.Run("world", Model, "--size", "150x97", "--seed", "11", "--origin", "-70,40", "--out", sharded, "--assemble");
        Assert.True(r.Code == 0, r.Err);
        Assert.Equal(File.ReadAllBytes(single), File.ReadAllBytes(sharded));
        var world = NpyCodec.Read(single).ToSingleArray();
        Assert.Equal(150 * 97, world.Length);
        Assert.All(world, v => Assert.True(float.IsFinite(v)));
        Assert.True(world.Max() - world.Min() > 10, "a world of metres has relief");
    }

    [Fact]
    public void The_bundled_trained_scales_world_shards_assemble_bit_identically()
    {
        // terrain-coarse --detail terrain-detail: the ConditionalPyramidWorld of the bundled coarse and detail models.
        var dir = FlowgenProcess.TempDir();
        string single = Path.Combine(dir, "single.npy"), sharded = Path.Combine(dir, "sharded.npy"), plain = Path.Combine(dir, "plain.npy");
        var r = FlowgenProcess.Run("world", "terrain-coarse", "--detail", "terrain-detail", "--size", "120x80", "--seed", "4", "--origin", "-50,30", "--out", single);
        Assert.True(r.Code == 0, r.Err);
        foreach (var i in new[] { 1, 0 })
        {
            r = FlowgenProcess.Run("world", "terrain-coarse", "--detail", "terrain-detail", "--size", "120x80", "--seed", "4", "--origin", "-50,30", "--out", sharded, "--shard", $"{i}/2");
            Assert.True(r.Code == 0, r.Err);
        }
        r = FlowgenProcess.Run("world", "terrain-coarse", "--detail", "none", "--size", "120x80", "--seed", "4", "--origin", "-50,30", "--out", sharded, "--assemble");
        Assert.NotEqual(0, r.Code); // the shards were made with the detail model
        Assert.Contains("detail model", r.Err);
        r = FlowgenProcess.Run("world", "--size", "120x80", "--seed", "4", "--origin", "-50,30", "--out", sharded, "--assemble", "--overlap", "12");
        Assert.NotEqual(0, r.Code); // ... and the default overlap
        Assert.Contains("overlap", r.Err);
        r = FlowgenProcess.Run("world", "terrain-coarse", "--detail", "terrain-detail", "--size", "120x80", "--seed", "4", "--origin", "-50,30", "--out", sharded, "--assemble");
        Assert.True(r.Code == 0, r.Err);
        Assert.Equal(File.ReadAllBytes(single), File.ReadAllBytes(sharded));
        // The default world is this pair: no MODEL, or terrain-coarse alone (--detail auto), gives the same bits.
        string byDefault = Path.Combine(dir, "default.npy");
        r = FlowgenProcess.Run("world", "--size", "120x80", "--seed", "4", "--origin", "-50,30", "--out", byDefault);
        Assert.True(r.Code == 0, r.Err);
        Assert.Contains("terrain-coarse under terrain-detail, 5 levels, patch overlap 4 px", r.Out);
        Assert.Equal(File.ReadAllBytes(single), File.ReadAllBytes(byDefault));
        r = FlowgenProcess.Run("world", "terrain-coarse", "--size", "120x80", "--seed", "4", "--origin", "-50,30", "--out", byDefault);
        Assert.True(r.Code == 0, r.Err);
        Assert.Equal(File.ReadAllBytes(single), File.ReadAllBytes(byDefault));
        // Another detail overlap is another world; overlaps the detail lattice cannot take are usage errors naming the option.
        r = FlowgenProcess.Run("world", "--size", "120x80", "--seed", "4", "--origin", "-50,30", "--out", byDefault, "--overlap", "16");
        Assert.True(r.Code == 0, r.Err);
        Assert.NotEqual(File.ReadAllBytes(single), File.ReadAllBytes(byDefault));
        foreach (var bad in new[] { "6", "20", "0" }) // not whole coarse pixels, more than half a patch, none
        {
            r = FlowgenProcess.Run("world", "--size", "32x32", "--out", Path.Combine(dir, "bad.npy"), "--overlap", bad);
            Assert.Equal(2, r.Code);
            Assert.Contains("--overlap", r.Err);
            Assert.False(File.Exists(Path.Combine(dir, "bad.npy")));
        }
        r = FlowgenProcess.Run("world", "terrain", "--size", "120x80", "--seed", "4", "--origin", "-50,30", "--out", plain);
        Assert.True(r.Code == 0, r.Err);
        var detailed = NpyCodec.Read(single).ToSingleArray();
        Assert.All(detailed, v => Assert.True(float.IsFinite(v)));
        Assert.NotEqual(detailed, NpyCodec.Read(plain).ToSingleArray());
        // A plain model is not a detail model; the detail model needs a coarse model with 4x its pixels; a detail
        // model cannot make a world (or patches) on its own.
        r = FlowgenProcess.Run("world", "terrain-coarse", "--size", "32x32", "--out", plain, "--detail", "terrain");
        Assert.NotEqual(0, r.Code);
        Assert.Contains("context", r.Err);
        r = FlowgenProcess.Run("world", "terrain", "--size", "32x32", "--out", plain, "--detail", "terrain-detail");
        Assert.Equal(2, r.Code);
        Assert.Contains("--downsample 4", r.Err);
        r = FlowgenProcess.Run("world", "terrain-detail", "--size", "32x32", "--out", plain);
        Assert.NotEqual(0, r.Code);
        Assert.Contains("detail model", r.Err);
        r = FlowgenProcess.Run("generate", "terrain-detail", "--count", "2", "--out", Path.Combine(dir, "g"));
        Assert.NotEqual(0, r.Code);
        Assert.Contains("detail model", r.Err);
    }

    [Fact]
    public void Preview_is_a_shaded_colour_relief_of_the_world()
    {
        var dir = FlowgenProcess.TempDir();
        string output = Path.Combine(dir, "w.npy"), preview = Path.Combine(dir, "w.png");
        var r = FlowgenProcess.Run("world", Model, "--size", "96x64", "--out", output, "--preview", preview);
        Assert.True(r.Code == 0, r.Err);
        var image = PngCodec.Read(preview);
        Assert.Equal((96, 64, 3), (image.Width, image.Height, image.Channels));
        var (min, max) = image.ValidRange(0);
        Assert.True(max - min > 0.2 * max, "the preview is flat");
        r = FlowgenProcess.Run("world", Model, "--size", "96x64", "--out", output, "--preview", Path.Combine(dir, "w.jpg"));
        Assert.Equal(2, r.Code);
        Assert.Contains("--preview", r.Err);
    }

    [Fact]
    public void A_coarser_level_of_detail_is_an_overview_of_the_same_world()
    {
        var dir = FlowgenProcess.TempDir();
        string fine = Path.Combine(dir, "fine.npy"), coarse = Path.Combine(dir, "coarse.npy");
        var r = FlowgenProcess.Run("world", Model, "--size", "128x128", "--seed", "3", "--out", fine);
        Assert.True(r.Code == 0, r.Err);
        r = FlowgenProcess.Run("world", Model, "--size", "32x32", "--seed", "3", "--lod", "2", "--out", coarse);
        Assert.True(r.Code == 0, r.Err);
        var f = NpyCodec.Read(fine).ToSingleArray();
        var c = NpyCodec.Read(coarse).ToSingleArray();
        double err = 0, energy = 0, mean = c.Average(v => (double)v);
        for (int y = 0; y < 32; y++)
            for (int x = 0; x < 32; x++)
            {
                double s = 0;
                for (int v = 0; v < 4; v++)
                    for (int u = 0; u < 4; u++) s += f[(4 * y + v) * 128 + 4 * x + u];
                err += Math.Pow(s / 16 - c[y * 32 + x], 2);
                energy += Math.Pow(c[y * 32 + x] - mean, 2);
            }
        Assert.True(err < 0.05 * energy, $"LOD 2 differs from 4x4 block means of LOD 0 by {Math.Sqrt(err / energy):P0} of its variation");
    }

    [Fact]
    public void A_missing_or_mismatched_shard_is_a_clear_error_and_writes_nothing()
    {
        var dir = FlowgenProcess.TempDir();
        string output = Path.Combine(dir, "w.png");
        var r = FlowgenProcess.Run("world", Model, "--size", "64x64", "--out", output, "--shard", "0/2");
        Assert.Equal(0, r.Code);
        r = FlowgenProcess.Run("world", Model, "--size", "64x64", "--out", output, "--assemble");
        Assert.Equal(2, r.Code);
        Assert.Contains("shard 1 of 2 is missing", r.Err);
        r = FlowgenProcess.Run("world", Model, "--size", "64x64", "--seed", "5", "--out", output, "--shard", "1/2");
        Assert.Equal(0, r.Code);
        r = FlowgenProcess.Run("world", Model, "--size", "64x64", "--out", output, "--assemble");
        Assert.Equal(2, r.Code);
        Assert.Contains("other parameters", r.Err);
        Assert.False(File.Exists(output));
    }

    [Theory]
    [InlineData("--size", "-5x5")]
    [InlineData("--size", "100000x100000")]
    [InlineData("--shard", "3/3")]
    [InlineData("--origin", "9223372036854775000,0")]
    [InlineData("--preset", "unity")]
    [InlineData("--levels", "0")]
    [InlineData("--gain", "-1")]
    [InlineData("--lod", "99")]
    public void Bad_arguments_fail_with_one_line_and_no_output(string option, string value)
    {
        var dir = FlowgenProcess.TempDir();
        string output = Path.Combine(dir, "w.r16");
        var args = new List<string> { "world", Model, "--out", output };
        if (option != "--size") args.AddRange(["--size", "100x100"]);
        args.AddRange([option, value]);
        var r = FlowgenProcess.Run([.. args]);
        Assert.Equal(2, r.Code);
        Assert.StartsWith("flowgen: error:", r.Err);
        Assert.Empty(Directory.GetFiles(dir));
    }
}

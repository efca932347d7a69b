// Coarse-model data (--downsample F): the raster's FxF block means; with --all-phases the block means of all F² block
// offsets, stacked so that no window spans two grids and no train window reaches the test columns.
using FlowGen.Training.Data;

namespace FlowGen.Training.Tests.Data;

public class CoarseDatasetTests
{
    [Fact]
    public void All_block_offsets_give_f_squared_grids_of_windows_and_keep_the_split()
    {
        var d = DatasetLoader.Load(Fixtures.Data("jacksboro_fault_dem.npz"), 16, downsample: 4);
        var all = DatasetLoader.Load(Fixtures.Data("jacksboro_fault_dem.npz"), 16, downsample: 4, allPhases: true);
        Assert.Equal((344 / 4, 403 / 4), (d.Height, d.Width)); // the DEM: 344 rows, 403 columns
        int ch = (344 - 3) / 4, cw = (403 - 3) / 4;
        Assert.Equal((16 * ch + 15, cw), (all.Height, all.Width));
        Assert.Equal(d.PixelSizeMetres, all.PixelSizeMetres);
        Assert.Equal(d.SplitColumn, all.SplitColumn);
        // 16 grids of windows; those of offsets b > 0 lose their last train column (it would reach into the test pixels).
        int perGrid = (ch - 16 + 1) * (all.SplitColumn - 16 + 1), cut = ch - 16 + 1;
        Assert.Equal(4 * perGrid + 12 * (perGrid - cut), all.TrainWindowCount);
        Assert.Equal(16 * (ch - 16 + 1) * (cw - all.SplitColumn - 16 + 1), all.TestWindowCount);
        Assert.True(all.TrainWindowCount > 12 * d.TrainWindowCount, $"{all.TrainWindowCount} vs {d.TrainWindowCount}");
        // The same terrain at the same scale: the window RMS of the offsets agrees with the corner grid's within a few per cent.
        Assert.InRange(all.Sigma / d.Sigma, 0.95, 1.05);
    }

    [Fact]
    public void All_phases_without_downsampling_is_refused()
    {
        var e = Assert.Throws<TrainingDataException>(() => DatasetLoader.Load(Fixtures.Data("jacksboro_fault_dem.npz"), 16, allPhases: true));
        Assert.Contains("--downsample", e.Message);
    }
}

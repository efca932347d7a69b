// The self-contained HTML report of `flowgen eval`: tables (bits/dim, realism distances to the training
// and held-out splits, temperature sweep), inline SVG charts (histograms of every distributional
// statistic, power spectra) and base64-embedded PNG sample grids (elevation and hillshade) of the real,
// generated and baseline patches. One file, no external resources; written atomically.
using System.Globalization;
using System.Net;
using System.Text;
using FlowGen.Runtime.Formats;

namespace FlowGen.Training.Evaluation;

public static class HtmlReport
{
    /// <summary>Writes the report of <paramref name="result"/> to <paramref name="path"/> (temporary file, then rename).</summary>
    public static void Write<TSummary>(string path, EvaluationResult<TSummary> result) where TSummary : ISpectrumSummary
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(result);
        string html = Render(result);
        string full = Path.GetFullPath(path);
        string temp = full + $".{Environment.ProcessId}.tmp";
        try
        {
            File.WriteAllText(temp, html, new UTF8Encoding(false));
            File.Move(temp, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }

    /// <summary>The report as one HTML string.</summary>
    public static string Render<TSummary>(EvaluationResult<TSummary> result) where TSummary : ISpectrumSummary
    {
        var r = result.Realism;
        var html = new StringBuilder();
        html.Append("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>FlowGen evaluation</title><style>")
            .Append("body{font-family:sans-serif;margin:24px;max-width:1400px}table{border-collapse:collapse;margin:8px 0 20px}")
            .Append("td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}th:first-child,td:first-child{text-align:left}")
            .Append(".best{background:#d9f2d9}.floor{color:#666}.charts,.grids{display:flex;flex-wrap:wrap;gap:12px}")
            .Append("figure{margin:0}figcaption{font-size:12px;text-align:center}img{image-rendering:pixelated}")
            .Append("</style></head><body>");
        html.Append("<h1>FlowGen evaluation</h1><p>").Append(E(result.Description)).Append("</p>");

        html.Append("<h2>Held-out bits/dim</h2><p>").Append(E(result.BitsPerDimNote)).Append("</p>")
            .Append("<table id=\"bpd\"><tr><th>source</th><th>bits/dim</th><th>").Append(E(result.BitsPerQuantumLabel)).Append("</th><th>note</th></tr>");
        foreach (var row in result.BitsPerDim)
            html.Append("<tr><td>").Append(E(row.Source)).Append("</td><td>").Append(row.Value?.ToString("F4", CultureInfo.InvariantCulture) ?? "-")
                .Append("</td><td>").Append(row.BitsPerQuantum?.ToString("F4", CultureInfo.InvariantCulture) ?? "-")
                .Append("</td><td>").Append(E(row.Note ?? "")).Append("</td></tr>");
        html.Append("</table>");

        html.Append("<h2>Realism: distance to real training patches</h2><p>Lower is better. The floor compares two independent draws of training patches: distances near it are as good as sampling noise allows. Best non-floor value per statistic highlighted.</p>");
        DistanceTable(html, "versus-train", r.Statistics, r.VersusTrain);
        html.Append("<h2>Distance to held-out patches (for information)</h2><p>On a single DEM the two splits differ (the held-out region is flatter), so these mostly measure that shift.</p>");
        DistanceTable(html, "versus-heldout", r.Statistics, r.VersusHeldOut);

        if (result.Sweep is { } sweep)
        {
            html.Append("<h2>Temperature sweep</h2><p>Distances to training patches at each temperature; score = mean over statistics of (d + floor) / (d<sub>Gaussian</sub> + floor); a temperature with non-finite samples is never recommended. ")
                .Append(E($"Recommended default temperature: {sweep.Recommended.ToString("0.0##", CultureInfo.InvariantCulture)}.")).Append("</p><table id=\"sweep\"><tr><th>T</th>");
            foreach (var s in r.Statistics) html.Append("<th>").Append(E(Header(s.Name, s.Unit))).Append("</th>");
            html.Append("<th>non-finite patches</th><th>score</th></tr>");
            foreach (var row in sweep.Rows)
            {
                html.Append(row.Temperature == sweep.Recommended ? "<tr class=\"best\">" : "<tr>").Append("<td>").Append(row.Temperature.ToString("0.0##", CultureInfo.InvariantCulture)).Append("</td>");
                for (int i = 0; i < row.Distances.Count; i++) html.Append("<td>").Append(Format(row.Distances[i] * r.Statistics[i].DisplayScale)).Append("</td>");
                html.Append("<td>").Append(row.NonFinitePatches).Append("</td><td>")
                    .Append(double.IsPositiveInfinity(row.Score) ? "∞" : row.Score.ToString("F3", CultureInfo.InvariantCulture)).Append("</td></tr>");
            }
            html.Append("</table>");
        }

        var (frequencies, ratios) = r.SpectrumRatios();
        html.Append("<h2>Power spectrum per band</h2><p>Radially averaged power over the training patches', per band (1 = real): where a source carries too little or too much relief.</p><table id=\"spectrum-bands\"><tr><th>wavelength (px)</th>");
        foreach (var (source, _) in ratios) html.Append("<th>").Append(E(source)).Append("</th>");
        html.Append("</tr>");
        for (int k = 0; k < frequencies.Count; k++)
        {
            html.Append("<tr><td>").Append((1 / frequencies[k]).ToString("F1", CultureInfo.InvariantCulture)).Append("</td>");
            foreach (var (_, ratio) in ratios) html.Append("<td>").Append(ratio[k].ToString("F3", CultureInfo.InvariantCulture)).Append("</td>");
            html.Append("</tr>");
        }
        html.Append("</table>");

        if (r is RealismReport<TerrainSummary> terrainReport)
        {
            html.Append("<h2>Drainage</h2><p>Share of pixels draining at least N pixels (D8 routing inside each patch): hillslope hollows, valleys and channels; a drainage network gathers more of its terrain into the larger ones than rough blobs do.</p><table id=\"drainage-shares\"><tr><th>source</th>");
            foreach (int area in TerrainSummary.ChannelAreas) html.Append("<th>N = ").Append(area).Append("</th>");
            html.Append("</tr>");
            foreach (var (source, summary) in terrainReport.PerSource(s => s))
            {
                html.Append("<tr><td>").Append(E(source)).Append("</td>");
                foreach (int area in TerrainSummary.ChannelAreas)
                    html.Append("<td>").Append(summary.DrainageShare(area).ToString("P2", CultureInfo.InvariantCulture)).Append("</td>");
                html.Append("</tr>");
            }
            html.Append("</table>");
            html.Append("<p>Closed depressions (priority-flood from each patch's border): the share of pixels lying that deep below the level at which their water would spill out, and the drainage shares once every depression is filled, so that only missing valleys, not dammed ones, are left short.</p><table id=\"depressions\"><tr><th>source</th>");
            foreach (double depth in TerrainSummary.DepressionDepths) html.Append("<th>pixels ≥ ").Append(depth.ToString("0.#", CultureInfo.InvariantCulture)).Append(" m deep</th>");
            foreach (int area in TerrainSummary.ChannelAreas.Skip(1)) html.Append("<th>N = ").Append(area).Append(", filled</th>");
            html.Append("</tr>");
            foreach (var (source, summary) in terrainReport.PerSource(s => s))
            {
                html.Append("<tr><td>").Append(E(source)).Append("</td>");
                foreach (double depth in TerrainSummary.DepressionDepths)
                    html.Append("<td>").Append(summary.DepressionShare(depth).ToString("P2", CultureInfo.InvariantCulture)).Append("</td>");
                foreach (int area in TerrainSummary.ChannelAreas.Skip(1))
                    html.Append("<td>").Append(summary.FilledDrainageShare(area).ToString("P2", CultureInfo.InvariantCulture)).Append("</td>");
                html.Append("</tr>");
            }
            html.Append("</table>");
        }

        var sources = new List<string> { "train", RealismRows.HeldOutName };
        sources.AddRange(r.VersusTrain.Skip(2).Select(row => row.Source));
        html.Append("<h2>Distributions</h2><div class=\"charts\">");
        foreach (var s in r.Statistics.Where(s => s.Samples is not null))
            html.Append(SvgChart.Histograms(s.SampleLabel ?? s.Name, s.SampleLabel ?? s.Name, sources.Select(n => (n, s.Samples!(r.Summaries[n]))).ToList()));
        html.Append(SvgChart.Spectra("radially averaged power spectrum (m²)", sources.Select(n => (n, r.Summaries[n].Spectrum)).ToList()));
        html.Append("</div>");

        html.Append(result.PixelSizeM is null
            ? "<h2>Samples</h2><p>Intensity, one shared range.</p><div class=\"grids\">"
            : "<h2>Samples</h2><p>Top: elevation (per-patch mean removed, one shared range). Bottom: hillshade (azimuth 315°, altitude 45°).</p><div class=\"grids\">");
        bool terrain = result.PixelSizeM is not null;
        var range = PatchGrid.DisplayRange(result.Samples[0].Patches, removeMean: terrain);
        foreach (var source in result.Samples)
        {
            html.Append("<figure>").Append(Image(PatchGrid.Elevation(source.Patches, range, removeMean: terrain), source.Name));
            if (result.PixelSizeM is { } pixel) html.Append("<br>").Append(Image(PatchGrid.Hillshade(source.Patches, pixel), source.Name + " hillshade"));
            html.Append("<figcaption>").Append(E(source.Name)).Append("</figcaption></figure>");
        }
        html.Append("</div>");
        // Lets a headless browser test read back that every image decoded (naturalWidth > 0).
        html.Append("<script>window.addEventListener('load',function(){var n=0;document.querySelectorAll('img').forEach(function(i){if(i.complete&&i.naturalWidth>0)n++;});document.body.setAttribute('data-images-decoded',String(n));});</script>");
        html.Append("</body></html>");
        return html.ToString();
    }

    private static void DistanceTable<TSummary>(StringBuilder html, string id, IReadOnlyList<RealismStatistic<TSummary>> statistics, IReadOnlyList<RealismRow> rows)
    {
        html.Append("<table id=\"").Append(id).Append("\"><tr><th>statistic</th>");
        foreach (var row in rows) html.Append("<th>").Append(E(row.Source)).Append("</th>");
        html.Append("</tr>");
        for (int i = 0; i < statistics.Count; i++)
        {
            var candidates = rows.Where(row => row.Source != RealismRows.FloorName).ToList();
            double best = candidates.Min(row => row.Distances[i]);
            html.Append("<tr><td>").Append(E(Header(statistics[i].Name, statistics[i].Unit))).Append("</td>");
            foreach (var row in rows)
            {
                string cls = row.Source == RealismRows.FloorName ? " class=\"floor\"" : row.Distances[i] == best ? " class=\"best\"" : "";
                html.Append("<td").Append(cls).Append('>').Append(Format(row.Distances[i] * statistics[i].DisplayScale)).Append("</td>");
            }
            html.Append("</tr>");
        }
        if (rows.Any(row => row.NonFinitePatches > 0))
        {
            html.Append("<tr><td>non-finite patches (left out)</td>");
            foreach (var row in rows) html.Append("<td>").Append(row.NonFinitePatches).Append("</td>");
            html.Append("</tr>");
        }
        html.Append("</table>");
    }

    /// <summary>
    /// Writes each compared source's sample grid as PNG files into <paramref name="folder"/>: NAME.png (elevation or
    /// intensity, one shared range) and, for terrain, NAME.hillshade.png; NAME is the source's name in lower case
    /// with each run of other characters as '-'. Returns the files written.
    /// </summary>
    public static IReadOnlyList<string> WriteGrids<TSummary>(string folder, EvaluationResult<TSummary> result) where TSummary : ISpectrumSummary
    {
        Directory.CreateDirectory(folder);
        bool terrain = result.PixelSizeM is not null;
        var range = PatchGrid.DisplayRange(result.Samples[0].Patches, removeMean: terrain);
        var written = new List<string>();
        foreach (var source in result.Samples)
        {
            string stem = Path.Combine(folder, System.Text.RegularExpressions.Regex.Replace(source.Name.ToLowerInvariant(), "[^a-z0-9]+", "-").Trim('-'));
            var grid = PatchGrid.Elevation(source.Patches, range, removeMean: terrain, scale: 4);
            FlowGen.Runtime.Formats.PngCodec.WriteGray8(stem + ".png", grid.Width, grid.Height, grid.Pixels);
            written.Add(stem + ".png");
            if (result.PixelSizeM is { } pixel)
            {
                var shade = PatchGrid.Hillshade(source.Patches, pixel, scale: 4);
                FlowGen.Runtime.Formats.PngCodec.WriteGray8(stem + ".hillshade.png", shade.Width, shade.Height, shade.Pixels);
                written.Add(stem + ".hillshade.png");
            }
        }
        return written;
    }

    private static string Image(GrayImage image, string alt)
    {
        // FlowGen's own PNG writer works on files: encode through a temporary one.
        string temp = Path.Combine(Path.GetTempPath(), $"flowgen-grid-{Environment.ProcessId}-{Guid.NewGuid():N}.png");
        try
        {
            PngCodec.WriteGray8(temp, image.Width, image.Height, image.Pixels);
            string data = Convert.ToBase64String(File.ReadAllBytes(temp));
            return $"<img src=\"data:image/png;base64,{data}\" width=\"{image.Width}\" height=\"{image.Height}\" alt=\"{E(alt)}\">";
        }
        finally
        {
            File.Delete(temp);
        }
    }

    private static string Header(string name, string unit) => unit.Length == 0 ? name : $"{name} ({unit})";

    private static string Format(double v) => (Math.Abs(v) >= 100 ? v.ToString("F0", CultureInfo.InvariantCulture)
        : Math.Abs(v) >= 0.01 || v == 0 ? v.ToString("F3", CultureInfo.InvariantCulture) : v.ToString("E2", CultureInfo.InvariantCulture));

    private static string E(string s) => WebUtility.HtmlEncode(s);
}

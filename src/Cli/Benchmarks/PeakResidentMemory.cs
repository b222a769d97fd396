using System.Globalization;

namespace MLNetMixture.Cli.Benchmarks;

/// <summary>The process's peak resident memory (Linux VmHWM), and its reset, for the streaming benchmarks.</summary>
public static class PeakResidentMemory
{
    /// <summary>Resets VmHWM to the current RSS (Linux: writing 5 to /proc/self/clear_refs); false where not allowed.</summary>
    public static bool TryReset()
    {
        try
        {
            File.WriteAllText("/proc/self/clear_refs", "5");
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException)
        {
            return false;
        }
    }

    /// <summary>VmHWM of /proc/self/status in KiB, or 0 where there is none.</summary>
    public static long Kib()
    {
        const string status = "/proc/self/status";
        if (!File.Exists(status))
        {
            return 0;
        }

        string? line = File.ReadLines(status).FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
        return line is null ? 0 : long.Parse(line["VmHWM:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
    }

    /// <summary>The 1, 5 and 15-minute load averages of /proc/loadavg, or "unknown".</summary>
    public static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";
}

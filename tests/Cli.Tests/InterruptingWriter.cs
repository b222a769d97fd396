namespace MLNetMixture.Cli.Tests;

/// <summary>A standard-error writer that presses "Ctrl+C" (through <see cref="InterruptSignal"/>, as the console handler does) when a line starting with a trigger is written.</summary>
internal sealed class InterruptingWriter(string trigger, InterruptSignal interrupt) : StringWriter
{
    public override void WriteLine(string? value)
    {
        base.WriteLine(value);
        if (value is not null && value.StartsWith(trigger, StringComparison.Ordinal))
        {
            interrupt.Request();
        }
    }
}

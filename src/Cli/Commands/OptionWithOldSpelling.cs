using System.CommandLine;

namespace MLNetMixture.Cli.Commands;

/// <summary>
/// An option that was renamed so that one idea has one name across commands: the current name shows in help; the
/// old one is still accepted, hidden, so that scripts written for it keep working. Giving both is an error.
/// </summary>
/// <typeparam name="T">The option's value type.</typeparam>
internal sealed class OptionWithOldSpelling<T>
{
    /// <summary>Creates the pair.</summary>
    /// <param name="current">The option under its current name (with its description and default).</param>
    /// <param name="oldName">The earlier name, e.g. <c>--expert-hidden</c>.</param>
    public OptionWithOldSpelling(Option<T> current, string oldName)
    {
        ArgumentNullException.ThrowIfNull(current);
        Current = current;
        Old = new Option<T>(oldName) { Description = $"The old spelling of {current.Name}.", Hidden = true };
    }

    /// <summary>The option under its current name.</summary>
    public Option<T> Current { get; }

    /// <summary>The hidden option under the old name (no default: absent unless given).</summary>
    public Option<T> Old { get; }

    /// <summary>Adds both spellings to <paramref name="command"/>.</summary>
    public void AddTo(Command command)
    {
        ArgumentNullException.ThrowIfNull(command);
        command.Options.Add(Current);
        command.Options.Add(Old);
    }

    /// <summary>The value given under either name, else the current option's default.</summary>
    /// <exception cref="UsageException">Both spellings were given.</exception>
    public T? GetValue(ParseResult parse)
    {
        ArgumentNullException.ThrowIfNull(parse);
        if (parse.GetResult(Old) is not { Implicit: false })
        {
            return parse.GetValue(Current);
        }

        if (parse.GetResult(Current) is { Implicit: false })
        {
            throw new UsageException($"{Current.Name} was given twice, once under its old spelling {Old.Name}; give it once, as {Current.Name}.");
        }

        return parse.GetValue(Old);
    }
}

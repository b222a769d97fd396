using System.CommandLine;

namespace MLNetMixture.Cli.Commands;

/// <summary>One mlmix sub-command.</summary>
public interface ICliCommand
{
    /// <summary>Builds the System.CommandLine command; <paramref name="context"/> gives the output context for a parse result.</summary>
    Command Build(Func<ParseResult, CliContext> context);
}

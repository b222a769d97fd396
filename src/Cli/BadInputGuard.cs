namespace MLNetMixture.Cli;

/// <summary>
/// Runs library calls whose <see cref="ArgumentException"/>s describe bad input (a label the model does not know,
/// a missing feature column, NaN features, an invalid setting) and turns those into <see cref="UsageException"/>s,
/// so that the command exits with code 1 and the library's message, without the "(Parameter 'x')" suffix.
/// </summary>
internal static class BadInputGuard
{
    /// <summary>Runs <paramref name="call"/>, mapping argument errors to usage errors.</summary>
    public static T Run<T>(Func<T> call)
    {
        try
        {
            return call();
        }
        catch (ArgumentException e)
        {
            throw new UsageException(Clean(e), e);
        }
    }

    /// <summary>Runs <paramref name="call"/>, mapping argument errors to usage errors.</summary>
    public static void Run(Action call)
    {
        try
        {
            call();
        }
        catch (ArgumentException e)
        {
            throw new UsageException(Clean(e), e);
        }
    }

    private static string Clean(ArgumentException e)
    {
        string message = e.Message;
        int suffix = e.ParamName is null ? -1 : message.LastIndexOf($" (Parameter '{e.ParamName}')", StringComparison.Ordinal);
        if (suffix > 0)
        {
            message = message[..suffix];
        }

        if (e is ArgumentOutOfRangeException range && range.ActualValue is not null)
        {
            int actual = message.IndexOf(Environment.NewLine + "Actual value was", StringComparison.Ordinal);
            if (actual > 0)
            {
                message = message[..actual];
            }
        }

        return message.Trim();
    }
}

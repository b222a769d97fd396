using System.Globalization;

namespace MLNetMixture.Training.Trainers;

/// <summary>The one way settings are checked: the first broken rule throws an <see cref="ArgumentException"/> naming the setting, its value and the rule.</summary>
/// <param name="Group">The settings' name in messages, e.g. "Optimization".</param>
internal readonly record struct SettingCheck(string Group)
{
    /// <summary>Throws unless <paramref name="ok"/>.</summary>
    public void That(bool ok, string name, object? value, string rule)
    {
        if (!ok)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"{Group}.{name} = {Describe(value)} is invalid: it must {rule}."), name);
        }
    }

    /// <summary>A value as messages show it: lists in brackets, null as "null".</summary>
    public static string Describe(object? value) => value switch
    {
        null => "null",
        string s => s,
        System.Collections.IEnumerable items => "[" + string.Join(", ", items.Cast<object?>().Select(i => Convert.ToString(i, CultureInfo.InvariantCulture))) + "]",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };
}

namespace MLNetMixture.Training.Tuning;

/// <summary>One setting a search varies: its name, the value a settings object has now, and the values to try.</summary>
/// <typeparam name="TSettings">The model's settings type.</typeparam>
/// <param name="Name">The name in trial descriptions, e.g. "experts".</param>
/// <param name="Current">The label of the value <c>settings</c> has.</param>
/// <param name="Values">The values to try: a label and how to set it on a copy of the settings.</param>
internal sealed record SearchAxis<TSettings>(string Name, Func<TSettings, string> Current, IReadOnlyList<(string Label, Action<TSettings> Apply)> Values);

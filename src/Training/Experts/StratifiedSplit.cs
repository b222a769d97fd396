using System.Globalization;
using MLNetMixture.Training.Randomness;

namespace MLNetMixture.Training.Experts;

/// <summary>A seeded, stratified split of rows into training and validation parts.</summary>
internal static class StratifiedSplit
{
    /// <summary>
    /// Holds out <c>max(1, round(fraction * n_c))</c> random rows of every class c (n_c rows); every class keeps at
    /// least one training row. Both parts are returned in their original row order.
    /// </summary>
    public static (int[] Training, int[] Validation) Split(int[] classes, IReadOnlyList<string> labels, double fraction, ulong seed, string source)
    {
        var byClass = new List<int>[labels.Count];
        for (int c = 0; c < byClass.Length; c++)
        {
            byClass[c] = [];
        }

        for (int r = 0; r < classes.Length; r++)
        {
            byClass[classes[r]].Add(r);
        }

        var random = new RandomSource(seed).Fork(0x5EED_5911);
        var validation = new List<int>();
        for (int c = 0; c < byClass.Length; c++)
        {
            var rows = byClass[c].ToArray();
            if (rows.Length < 2)
            {
                throw new ArgumentException(
                    string.Create(CultureInfo.InvariantCulture, $"Class '{labels[c]}' has only {rows.Length} row in {source}: a stratified validation split (ValidationFraction = {fraction}) needs at least 2 rows per class. Pass a validation set, add rows of that class, or set ValidationFraction = 0."),
                    nameof(classes));
            }

            int held = Math.Clamp((int)Math.Round(fraction * rows.Length, MidpointRounding.AwayFromZero), 1, rows.Length - 1);
            random.Shuffle(rows.AsSpan());
            validation.AddRange(rows.Take(held));
        }

        validation.Sort();
        var isValidation = new bool[classes.Length];
        foreach (int r in validation)
        {
            isValidation[r] = true;
        }

        var training = Enumerable.Range(0, classes.Length).Where(r => !isValidation[r]).ToArray();
        return (training, [.. validation]);
    }
}

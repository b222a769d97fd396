using System.Globalization;
using MLNetMixture.Training.Data;

namespace MLNetMixture.Training.Experts;

/// <summary>Picks a model's feature columns out of tables and raw arrays, checking that every value is finite.</summary>
internal static class FeatureMatrix
{
    /// <summary>The columns <paramref name="featureNames"/> of <paramref name="table"/>, by name, as row-major values.</summary>
    public static float[] FromTable(FeatureTable table, IReadOnlyList<string> featureNames, string role)
    {
        ArgumentNullException.ThrowIfNull(table);
        var position = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int c = 0; c < table.Columns; c++)
        {
            position.TryAdd(table.FeatureNames[c], c);
        }

        var missing = featureNames.Where(name => !position.ContainsKey(name)).ToList();
        if (missing.Count > 0)
        {
            throw new ArgumentException(
                $"The {role} {table.Source} lacks {missing.Count} of the model's feature columns: {Names(missing)}. " +
                $"Expected {featureNames.Count} features ({Names(featureNames)}); found {table.Columns} ({Names(table.FeatureNames)}).",
                nameof(table));
        }

        int d = featureNames.Count, n = table.Rows;
        var columns = featureNames.Select(name => position[name]).ToArray();
        bool identity = d == table.Columns && columns.Select((c, i) => c == i).All(same => same);
        float[] values;
        if (identity)
        {
            values = (float[])table.Features.Clone();
        }
        else
        {
            values = new float[n * d];
            for (int r = 0; r < n; r++)
            {
                var row = table.Row(r);
                for (int j = 0; j < d; j++)
                {
                    values[(r * d) + j] = row[columns[j]];
                }
            }
        }

        CheckFinite(values, featureNames, role + " " + table.Source);
        return values;
    }

    /// <summary>A copy of row-major values with <paramref name="featureNames"/>.Count values per row, checked.</summary>
    public static float[] FromRows(ReadOnlySpan<float> rows, IReadOnlyList<string> featureNames)
    {
        int d = featureNames.Count;
        if (rows.Length == 0 || rows.Length % d != 0)
        {
            throw new ArgumentException(
                $"Expected {d} features per row ({Names(featureNames)}); got {rows.Length} values, which is {(rows.Length == 0 ? "no rows" : $"not a multiple of {d}")}.",
                nameof(rows));
        }

        var values = rows.ToArray();
        CheckFinite(values, featureNames, "input");
        return values;
    }

    /// <summary>Throws naming the first NaN or infinite value's row (1-based) and column.</summary>
    public static void CheckFinite(ReadOnlySpan<float> values, IReadOnlyList<string> featureNames, string source)
    {
        int d = featureNames.Count;
        for (int i = 0; i < values.Length; i++)
        {
            if (!float.IsFinite(values[i]))
            {
                throw new ArgumentException(
                    string.Create(CultureInfo.InvariantCulture, $"{source}: data row {(i / d) + 1}, column '{featureNames[i % d]}' is {values[i]}; features must be finite numbers (impute or drop missing values first)."),
                    nameof(values));
            }
        }
    }

    public static string Names(IReadOnlyList<string> names) => names.Count <= 8
        ? string.Join(", ", names.Select(n => $"'{n}'"))
        : string.Join(", ", names.Take(8).Select(n => $"'{n}'")) + $", ... ({names.Count} in all)";
}

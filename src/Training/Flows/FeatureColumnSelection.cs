using MLNetMixture.Training.Data;

namespace MLNetMixture.Training.Flows;

/// <summary>Finds a model's feature columns in a <see cref="FeatureTable"/> and copies them out as dense rows.</summary>
internal static class FeatureColumnSelection
{
    /// <summary>
    /// The table's column index of each of <paramref name="names"/>. When the table lacks some name but has
    /// exactly as many columns as the model and <paramref name="allowPositional"/> is set, the columns are taken by
    /// position; otherwise the error says what was expected and what was found.
    /// </summary>
    public static int[] Resolve(FeatureTable table, IReadOnlyList<string> names, string role, bool allowPositional) =>
        Resolve(table.FeatureNames, table.Source, names, role, allowPositional);

    /// <summary>As <see cref="Resolve(FeatureTable, IReadOnlyList{string}, string, bool)"/>, for data with columns <paramref name="columns"/> called <paramref name="source"/>.</summary>
    public static int[] Resolve(IReadOnlyList<string> columns, string source, IReadOnlyList<string> names, string role, bool allowPositional)
    {
        var index = new int[names.Count];
        var missing = new List<string>();
        for (int i = 0; i < names.Count; i++)
        {
            index[i] = IndexOf(columns, names[i]);
            if (index[i] < 0)
            {
                missing.Add(names[i]);
            }
        }

        if (missing.Count == 0)
        {
            return index;
        }

        if (allowPositional && columns.Count == names.Count)
        {
            return Enumerable.Range(0, names.Count).ToArray();
        }

        throw new ArgumentException(
            $"{role} ({source}) has {columns.Count} feature columns [{Preview(columns)}]; the model expects {names.Count} [{Preview(names)}]. " +
            $"Missing: {Preview(missing)}. Pass a table with the model's columns (by name), or exactly {names.Count} columns in the model's order.");
    }

    /// <summary>The selected columns of every row, row-major; throws naming the first non-finite value when <paramref name="requireFinite"/>.</summary>
    /// <param name="table">The rows.</param>
    /// <param name="columns">The table's column index of each selected column.</param>
    /// <param name="requireFinite">Whether a NaN or infinite value is an error.</param>
    /// <param name="role">The data's role in messages.</param>
    /// <param name="firstRow">The 0-based number of the table's first row in the data it comes from (a block of a stream), for messages.</param>
    public static float[] Extract(FeatureTable table, int[] columns, bool requireFinite, string role, long firstRow = 0)
    {
        int n = table.Rows, d = columns.Length, c = table.Columns;
        var result = new float[(long)n * d];
        var source = table.Features;
        bool identity = c == d && columns.Select((v, i) => v == i).All(b => b);
        if (identity)
        {
            Array.Copy(source, result, result.Length);
        }
        else
        {
            for (int r = 0; r < n; r++)
            {
                for (int j = 0; j < d; j++)
                {
                    result[((long)r * d) + j] = source[((long)r * c) + columns[j]];
                }
            }
        }

        if (requireFinite)
        {
            for (long i = 0; i < result.Length; i++)
            {
                if (!float.IsFinite(result[i]))
                {
                    long row = firstRow + (i / d);
                    int column = columns[(int)(i % d)];
                    throw new DataFormatException(
                        $"{role} ({table.Source}), row {row} (0-based), column '{table.FeatureNames[column]}' ({column + 1}): the value is {result[i]}. " +
                        "Density models need finite features: remove or impute missing values first.");
                }
            }
        }

        return result;
    }

    private static int IndexOf(IReadOnlyList<string> names, string name)
    {
        for (int i = 0; i < names.Count; i++)
        {
            if (string.Equals(names[i], name, StringComparison.Ordinal))
            {
                return i;
            }
        }

        return -1;
    }

    private static string Preview(IEnumerable<string> names)
    {
        var list = names.ToList();
        return string.Join(", ", list.Take(8)) + (list.Count > 8 ? $", ... ({list.Count} in all)" : string.Empty);
    }
}

using Microsoft.ML;
using Microsoft.ML.Data;

namespace MLNetMixture.Transforms.DataViews;

/// <summary>
/// Builds the <see cref="SchemaShape"/> an estimator promises from <see cref="IEstimator{TTransformer}.GetOutputSchema"/>.
/// <see cref="SchemaShape.Column"/> has no public constructor, so the columns are taken from public ML.NET
/// estimators' own output shapes, which never look at data: a copy of an input column
/// (<c>CopyColumns</c>, exact, annotations included) or a column of any type declared through a
/// custom mapping's output schema definition (<c>CustomMapping</c>; it is never fitted or run).
/// </summary>
internal static class SchemaShapes
{
    private static readonly MLContext Context = new(seed: 0);

    /// <summary><paramref name="input"/> with <paramref name="added"/> added, replacing columns of the same name.</summary>
    public static SchemaShape With(SchemaShape input, params SchemaShape.Column[] added)
    {
        var names = added.Select(c => c.Name).ToHashSet(StringComparer.Ordinal);
        return new SchemaShape(input.Where(c => !names.Contains(c.Name)).Concat(added));
    }

    /// <summary>The input column <paramref name="source"/>, renamed <paramref name="name"/>: same type, key-ness and annotations.</summary>
    public static SchemaShape.Column CopyOf(SchemaShape input, string source, string name) =>
        Find(Context.Transforms.CopyColumns(name, source).GetOutputSchema(input), name);

    /// <summary>A column of a known-size vector of Single, with no annotations.</summary>
    public static SchemaShape.Column SingleVector(string name) => Declared<SingleVectorRow>(name, new VectorDataViewType(NumberDataViewType.Single, 2));

    /// <summary>A Single column, with no annotations.</summary>
    public static SchemaShape.Column Single(string name) => Declared<SingleRow>(name, NumberDataViewType.Single);

    /// <summary>A known-size vector of Int64, with no annotations.</summary>
    public static SchemaShape.Column Int64Vector(string name) => Declared<Int64VectorRow>(name, new VectorDataViewType(NumberDataViewType.Int64, 2));

    /// <summary>An Int64 column, with no annotations.</summary>
    public static SchemaShape.Column Int64(string name) => Declared<Int64Row>(name, NumberDataViewType.Int64);

    /// <summary>A Boolean column, with no annotations.</summary>
    public static SchemaShape.Column Boolean(string name) => Declared<BooleanRow>(name, BooleanDataViewType.Instance);

    /// <summary>A UInt32 column, with no annotations.</summary>
    public static SchemaShape.Column UInt32(string name) => Declared<UInt32Row>(name, NumberDataViewType.UInt32);

    /// <summary>Throws unless <paramref name="input"/> has a column named <paramref name="name"/> accepted by <paramref name="accept"/>.</summary>
    public static void Require(SchemaShape input, string name, Func<SchemaShape.Column, bool> accept, string expected, string estimatorName)
    {
        ArgumentNullException.ThrowIfNull(input);
        foreach (var column in input)
        {
            if (column.Name == name)
            {
                if (!accept(column))
                {
                    throw new ArgumentOutOfRangeException(nameof(input), $"{estimatorName} needs column '{name}' to be {expected}; it is {Describe(column)}.");
                }

                return;
            }
        }

        throw new ArgumentOutOfRangeException(nameof(input), $"{estimatorName} needs column '{name}' ({expected}), which the input does not have.");
    }

    /// <summary>A column shape in words.</summary>
    public static string Describe(SchemaShape.Column column) =>
        $"{(column.IsKey ? "a key of " : string.Empty)}{column.Kind switch { SchemaShape.Column.VectorKind.Scalar => "a scalar", SchemaShape.Column.VectorKind.Vector => "a known-size vector", _ => "a variable-size vector" }} of {column.ItemType}";

    private static SchemaShape.Column Declared<TRow>(string name, DataViewType type)
        where TRow : class, new()
    {
        var definition = SchemaDefinition.Create(typeof(TRow));
        definition[0].ColumnName = name;
        definition[0].ColumnType = type;
        var estimator = Context.Transforms.CustomMapping<NoColumns, TRow>(static (_, _) => { }, contractName: null, outputSchemaDefinition: definition);
        return Find(estimator.GetOutputSchema(new SchemaShape([])), name);
    }

    private static SchemaShape.Column Find(SchemaShape shape, string name)
    {
        foreach (var column in shape)
        {
            if (column.Name == name)
            {
                return column;
            }
        }

        throw new InvalidOperationException($"ML.NET did not produce the column shape '{name}'.");
    }

    /// <summary>A custom mapping's input that reads no column.</summary>
    private sealed class NoColumns
    {
    }

    /// <summary>Carries a vector-of-Single column declaration.</summary>
    private sealed class SingleVectorRow
    {
        public float[] Value = [];
    }

    /// <summary>Carries a Single column declaration.</summary>
    private sealed class SingleRow
    {
        public float Value = 0f;
    }

    /// <summary>Carries a Boolean column declaration.</summary>
    private sealed class BooleanRow
    {
        public bool Value = false;
    }

    /// <summary>Carries a UInt32 column declaration.</summary>
    private sealed class UInt32Row
    {
        public uint Value = 0u;
    }

    /// <summary>Carries a vector-of-Int64 column declaration.</summary>
    private sealed class Int64VectorRow
    {
        public long[] Value = [];
    }

    /// <summary>Carries an Int64 column declaration.</summary>
    private sealed class Int64Row
    {
        public long Value = 0L;
    }
}

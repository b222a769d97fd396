using Microsoft.ML.Data;
using Microsoft.ML.Transforms;

namespace MLNetMixture.Transforms.Flows;

/// <summary>
/// The one step of a saved flow pipeline that ML.NET has no built-in transform for: ML.NET's ONNX transformer gives
/// every output as a vector, so the flow's per-row log-density arrives as a vector of one Single, and this mapping
/// takes that element out as a Single. ML.NET saves a CustomMapping by <see cref="ContractName"/> and the name of
/// this assembly, and on load finds this factory by the same name, so a saved pipeline loads in a fresh process
/// that can load MLNetMixture.Transforms.
/// </summary>
[CustomMappingFactoryAttribute(ContractName)]
internal sealed class LogDensityScalarMapping : CustomMappingFactory<LogDensityScalarMapping.Vector, LogDensityScalarMapping.Scalar>
{
    /// <summary>The contract name ML.NET stores in the model.</summary>
    public const string ContractName = "MLNetMixture.MixtureDensityFlow.LogDensityToScalar";

    /// <summary>The column the mapping reads: the ONNX output, a vector of one Single.</summary>
    public const string InputColumn = "LogDensity";

    /// <summary>The column it writes; the chain copies it to the configured name and drops it.</summary>
    public const string OutputColumn = "MixtureDensityFlow.LogDensityScalar";

    /// <summary>The mapping (a static method of this assembly, so that ML.NET records this assembly's name).</summary>
    public static void Map(Vector input, Scalar output) => output.Value = input.Values is [var value] ? value : float.NaN;

    /// <inheritdoc />
    public override Action<Vector, Scalar> GetMapping() => Map;

    /// <summary>The input row.</summary>
    internal sealed class Vector
    {
        /// <summary>The one-element log-density vector.</summary>
        [ColumnName(InputColumn)]
        [VectorType(1)]
        public float[] Values { get; set; } = [];
    }

    /// <summary>The output row.</summary>
    internal sealed class Scalar
    {
        /// <summary>The log-density.</summary>
        [ColumnName(OutputColumn)]
        public float Value { get; set; }
    }
}

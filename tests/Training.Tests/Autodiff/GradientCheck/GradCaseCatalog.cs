namespace MLNetMixture.Training.Tests.Autodiff.GradientCheck;

/// <summary>Every gradient-check case, by name (the theory data of <see cref="GradientCheckTests"/>).</summary>
internal static partial class GradCaseCatalog
{
    private static readonly Lazy<Dictionary<string, GradCase>> Catalog = new(Build);

    public static IReadOnlyDictionary<string, GradCase> ByName => Catalog.Value;

    private static Dictionary<string, GradCase> Build()
    {
        var b = new CaseBuilder();
        AddBroadcastArithmetic(b);
        AddScalarAndUnary(b);
        AddLinearAlgebra(b);
        AddReductions(b);
        AddShapes(b);
        AddSelection(b);
        AddComposites(b);
        return b.Cases.ToDictionary(c => c.Name);
    }
}

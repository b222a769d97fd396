using MLNetMixture.Training.Autodiff;

namespace MLNetMixture.Training.Tests.Autodiff.GradientCheck;

/// <summary>Tape gradients against central differences of an independent float64 reference, for every op.</summary>
public sealed class GradientCheckTests
{
    public static TheoryData<string> CaseNames => new(GradCaseCatalog.ByName.Keys.Order(StringComparer.Ordinal));

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void Tape_gradient_matches_float64_finite_differences(string caseName)
        => GradientChecker.Check(GradCaseCatalog.ByName[caseName]);

    [Fact]
    public void Every_op_of_the_vocabulary_and_the_tape_only_ops_has_a_case()
    {
        var covered = GradCaseCatalog.ByName.Values.Select(c => c.Op).ToHashSet();
        var notDifferentiable = new HashSet<string> { nameof(IComputeGraph.Shape), nameof(IComputeGraph.Constant) };
        var required = typeof(IComputeGraph).GetMethods()
            .Select(m => m.Name)
            .Where(n => !notDifferentiable.Contains(n))
            .Append(nameof(Tape.PickLast))
            .Append(nameof(Tape.MixtureLogLikelihood))
            .Append(nameof(Tape.LinearRelu))
            .Append(nameof(Tape.External))
            .Distinct()
            .ToList();
        var missing = required.Where(n => !covered.Contains(n)).ToList();
        Assert.True(missing.Count == 0, $"No gradient-check case for: {string.Join(", ", missing)}.");

        // Every case names a real op (or marks itself a composite), so the coverage above cannot be faked by a typo.
        var known = required.Append("Composite").ToHashSet();
        var unknown = covered.Where(op => !known.Contains(op)).ToList();
        Assert.True(unknown.Count == 0, $"Cases name unknown ops: {string.Join(", ", unknown)}.");
    }
}

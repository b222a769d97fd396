using MLNetMixture.Training.Autodiff;

namespace MLNetMixture.Training.Tests.Autodiff.GradientCheck;

/// <summary>
/// One gradient check: an op (named as in <see cref="IComputeGraph"/>, or a tape-only op) applied on the tape
/// by <see cref="Build"/>, and the same computation in float64 by <see cref="Reference"/>.
/// </summary>
internal sealed record GradCase(
    string Name,
    string Op,
    GradInput[] Inputs,
    Func<Tape, CaseVariables, Var> Build,
    Func<RefTensor[], RefTensor> Reference)
{
    /// <summary>Forward check: |tape - reference| &lt;= ForwardAbsolute + ForwardRelative * |reference|.</summary>
    public double ForwardRelative { get; init; } = 1e-5;

    /// <inheritdoc cref="ForwardRelative"/>
    public double ForwardAbsolute { get; init; } = 1e-6;

    /// <summary>
    /// Gradient check: |tape - numeric| &lt;= GradientAbsolute + GradientRelative * |numeric|. Float32 gradients of
    /// these small cases are good to a few 1e-7 relative; the central differences (float64, step 1e-6 relative)
    /// to about 1e-9 absolute. The defaults leave a margin of about 20 over what the current kernels achieve.
    /// </summary>
    public double GradientRelative { get; init; } = 2e-5;

    /// <inheritdoc cref="GradientRelative"/>
    public double GradientAbsolute { get; init; } = 1e-6;

    /// <inheritdoc />
    public override string ToString() => Name;
}

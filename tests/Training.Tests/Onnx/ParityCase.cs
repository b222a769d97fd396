using MLNetMixture.Training.Autodiff;

namespace MLNetMixture.Training.Tests.Onnx;

/// <summary>
/// One computation written once against <see cref="IComputeGraph"/>, run on a <see cref="Tape"/> and exported
/// through the ONNX builder.
/// </summary>
/// <param name="Name">A unique name (also the model's file name).</param>
/// <param name="InputShapes">The shape of each input; -1 marks the dynamic batch dimension.</param>
/// <param name="Body">The computation: the graph and its inputs in, the value to compare out.</param>
/// <param name="Fill">Fills input <c>i</c> (concrete shape given) with values; null draws uniformly from [-2, 2].</param>
/// <param name="Tolerance">Allowed |tape - onnx| per unit of max(1, |tape|).</param>
internal sealed record ParityCase(
    string Name,
    int[][] InputShapes,
    Func<IComputeGraph, Var[], Var> Body,
    Action<int, int[], float[], Random>? Fill = null,
    float Tolerance = 1e-5f)
{
    public override string ToString() => Name;
}

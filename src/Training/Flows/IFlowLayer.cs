using MLNetMixture.Training.Autodiff;
using MLNetMixture.Training.Layers;
using MLNetMixture.Training.Onnx;

namespace MLNetMixture.Training.Flows;

/// <summary>
/// One invertible, differentiable layer of a normalising flow over rows of <see cref="Dimension"/> features.
/// </summary>
/// <remarks>
/// <para>
/// <b>Direction.</b> As in nflows and zuko, <see cref="Forward"/> is the <i>normalising</i> direction: it maps a
/// data row x to a latent row z = f(x), towards the base distribution, and returns log|det dz/dx| per row.
/// <see cref="Inverse"/> is the <i>generative</i> (sampling) direction z ↦ x = f⁻¹(z) and returns
/// log|det dx/dz| per row, which equals minus the forward log-determinant at the corresponding point.
/// </para>
/// <para>
/// <b>Density.</b> For a flow f = f_L ∘ … ∘ f_1 (f_1 applied to the data first) and a base density p_base,
/// log p(x) = log p_base(f(x)) + Σ_l log|det df_l/dh_(l-1)|, i.e. the base log-density of
/// <see cref="Forward"/>'s output plus its summed <c>LogDet</c> (<see cref="FlowSequence"/> does the sum).
/// </para>
/// <para>
/// <b>Graph discipline.</b> Both directions are written only with <see cref="IComputeGraph"/> operations: no
/// tensor values are read, nothing branches on data and nothing loops over rows, so the same code trains on a
/// <see cref="Tape"/> and is emitted verbatim by the ONNX exporter. Only feature dimensions are relied upon; the
/// batch dimension may be dynamic.
/// </para>
/// </remarks>
public interface IFlowLayer : IModule
{
    /// <summary>The number of features D of every row the layer transforms.</summary>
    int Dimension { get; }

    /// <summary>
    /// What the layer is, as exported model metadata names it (<see cref="OnnxMetadataKeys.FlowLayers"/>): by default
    /// the class name without its "Layer" suffix.
    /// </summary>
    string Kind
    {
        get
        {
            string name = GetType().Name;
            return name.Length > "Layer".Length && name.EndsWith("Layer", StringComparison.Ordinal) ? name[..^"Layer".Length] : name;
        }
    }

    /// <summary>The normalising direction, data → latent.</summary>
    /// <param name="graph">Where to record the computation.</param>
    /// <param name="x">Data rows [N, D].</param>
    /// <returns>The latent rows y = f(x) [N, D] and log|det dy/dx| [N].</returns>
    (Var Y, Var LogDet) Forward(IComputeGraph graph, Var x);

    /// <summary>The generative direction, latent → data; the exact inverse of <see cref="Forward"/>.</summary>
    /// <param name="graph">Where to record the computation.</param>
    /// <param name="y">Latent rows [N, D].</param>
    /// <returns>The data rows x = f⁻¹(y) [N, D] and log|det dx/dy| [N] (minus the forward log-determinant at x).</returns>
    (Var X, Var LogDet) Inverse(IComputeGraph graph, Var y);
}

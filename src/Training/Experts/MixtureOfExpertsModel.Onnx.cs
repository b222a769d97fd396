using MLNetMixture.Training.Onnx;

namespace MLNetMixture.Training.Experts;

/// <content>Export to ONNX through <see cref="MixtureOfExpertsOnnxExporter"/>.</content>
public sealed partial class MixtureOfExpertsModel
{
    /// <summary>
    /// The model as a standalone ONNX model (see <see cref="MixtureOfExpertsOnnxExporter"/> for its inputs, outputs
    /// and metadata), with this model's standardisation, class labels and feature names.
    /// </summary>
    /// <param name="options">
    /// The export options; null exports the routing this model uses: the soft mixture, or
    /// <see cref="MixtureOfExpertsGateMode.HardTop1"/> for a top-1 model.
    /// </param>
    /// <exception cref="NotSupportedException">No options were given and the model routes to its top k &gt; 1 experts, which has no ONNX gate mode.</exception>
    public byte[] ToOnnx(MixtureOfExpertsOnnxExportOptions? options = null) =>
        new MixtureOfExpertsOnnxExporter(options ?? DefaultExportOptions()).ToBytes(Standardizer, Model, _classLabels, _featureNames);

    /// <summary>Writes <see cref="ToOnnx"/> to <paramref name="path"/> atomically; its folder must exist.</summary>
    /// <param name="path">The destination file; an existing file is replaced.</param>
    /// <param name="options">The export options; null as in <see cref="ToOnnx"/>.</param>
    public void ExportOnnx(string path, MixtureOfExpertsOnnxExportOptions? options = null) =>
        new MixtureOfExpertsOnnxExporter(options ?? DefaultExportOptions()).WriteFile(Standardizer, Model, _classLabels, _featureNames, path);

    private MixtureOfExpertsOnnxExportOptions DefaultExportOptions() => TopK switch
    {
        null => new MixtureOfExpertsOnnxExportOptions(),
        1 => new MixtureOfExpertsOnnxExportOptions { GateMode = MixtureOfExpertsGateMode.HardTop1 },
        int k => throw new NotSupportedException($"This model routes each row to its top {k} experts, which ONNX export does not support; pass options with GateMode Soft or HardTop1, or export WithTopK(null) or WithTopK(1)."),
    };
}

using MLNetMixture.Training.Experts;
using MLNetMixture.Training.Onnx;
using MLNetMixture.Training.Trainers;
using MLNetMixture.Transforms.Scoring;

namespace MLNetMixture.Transforms;

/// <summary>
/// Settings of <see cref="MixtureOfExpertsTrainer"/> (<c>mlContext.MulticlassClassification.Trainers.MixtureOfExperts(options)</c>):
/// the columns, the native trainer's settings, how the model is exported to ONNX and where ML.NET's ONNX transformer runs it.
/// </summary>
public sealed class MixtureOfExpertsTrainerOptions
{
    /// <summary>The label column, of a key type with C &gt;= 2 values (e.g. from <c>MapValueToKey</c>). Default "Label".</summary>
    public string LabelColumnName { get; set; } = "Label";

    /// <summary>The feature column, a known-size vector of Single (e.g. from <c>Concatenate</c>). Default "Features".</summary>
    public string FeatureColumnName { get; set; } = "Features";

    /// <summary>
    /// The native trainer's settings: experts, architecture, gate objective and temperature, optimiser, early
    /// stopping and validation split, seed and threads (see <see cref="MixtureOfExpertsModelOptions"/>). Its
    /// <see cref="MixtureOfExpertsModelOptions.LabelColumn"/> and <see cref="MixtureOfExpertsModelOptions.FeatureColumns"/>
    /// (CSV column names) are not used: the ML.NET columns are <see cref="LabelColumnName"/> and <see cref="FeatureColumnName"/>.
    /// </summary>
    public MixtureOfExpertsModelOptions Training { get; set; } = new();

    /// <summary>
    /// How the fitted model is exported to the ONNX graph the ML.NET pipeline runs. Default: the soft mixture at opset 17.
    /// <see cref="MixtureOfExpertsGateMode.HardTop1"/> routes each row to its most probable expert;
    /// <see cref="MixtureOfExpertsGateMode.GumbelSoftmax"/> (a sampling gate with extra inputs) is not supported here.
    /// </summary>
    public MixtureOfExpertsOnnxExportOptions Export { get; set; } = new();

    /// <summary>
    /// Where the model is scored. <see cref="OnnxScoringOptions.Device"/> and <see cref="OnnxScoringOptions.DeviceId"/>
    /// pick the device of ML.NET's ONNX transformer; when CUDA is requested but cannot be used,
    /// <see cref="OnnxScoringOptions.FallbackToCpu"/> (default true) decides between the CPU with a warning
    /// (<see cref="OnnxScoringOptions.Warning"/>) and an <see cref="ExecutionProviderUnavailableException"/> saying what
    /// is missing. The check is made here, before ML.NET is asked for the device, because ML.NET's own fallback throws
    /// on an ONNX Runtime built without CUDA. The batch size and threads apply to
    /// <see cref="MixtureOfExpertsPredictionTransformer.ToBatchedScoring"/>.
    /// </summary>
    public OnnxScoringOptions Scoring { get; set; } = new();

    /// <summary>Receives a report after every training epoch (loss, validation accuracy and log-loss, expert utilisation); null for none.</summary>
    public IProgress<TrainingProgress>? Progress { get; set; }

    /// <summary>A copy: the training settings are copied, the export and scoring records and the progress sink are shared.</summary>
    public MixtureOfExpertsTrainerOptions Clone()
    {
        var copy = (MixtureOfExpertsTrainerOptions)MemberwiseClone();
        copy.Training = Training?.Clone()!;
        return copy;
    }

    /// <summary>Throws an <see cref="ArgumentException"/> naming the first invalid setting.</summary>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(LabelColumnName))
        {
            throw new ArgumentException("LabelColumnName must name a column.", nameof(LabelColumnName));
        }

        if (string.IsNullOrWhiteSpace(FeatureColumnName))
        {
            throw new ArgumentException("FeatureColumnName must name a column.", nameof(FeatureColumnName));
        }

        if (Training is null || Export is null || Scoring is null)
        {
            throw new ArgumentException("Training, Export and Scoring must not be null.", Training is null ? nameof(Training) : Export is null ? nameof(Export) : nameof(Scoring));
        }

        Training.Validate();
        if (Export.GateMode == MixtureOfExpertsGateMode.GumbelSoftmax)
        {
            throw new ArgumentException("Export.GateMode GumbelSoftmax is a sampling gate with temperature and noise inputs; an ML.NET pipeline scores with Soft or HardTop1.", nameof(Export));
        }

        if (Scoring.BatchSize < 1)
        {
            throw new ArgumentException($"Scoring.BatchSize = {Scoring.BatchSize} is invalid: it must be at least 1.", nameof(Scoring));
        }
    }
}

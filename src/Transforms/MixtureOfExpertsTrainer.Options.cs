using MLNetMixture.Training.Distributions;
using MLNetMixture.Training.Optimization;
using MLNetMixture.Training.Experts;
using MLNetMixture.Training.Layers;
using MLNetMixture.Training.Onnx;
using MLNetMixture.Training.Trainers;
using MLNetMixture.Transforms.Scoring;

namespace MLNetMixture.Transforms;

/// <content>The trainer's settings.</content>
public sealed partial class MixtureOfExpertsTrainer
{
    /// <summary>
    /// Settings of <see cref="MixtureOfExpertsTrainer"/> (<c>mlContext.MulticlassClassification.Trainers.MixtureOfExperts(options)</c>),
    /// flat as ML.NET's trainers have them: the columns, the hyperparameters, how the model is exported to ONNX and
    /// where ML.NET's ONNX transformer runs it.
    /// </summary>
    /// <remarks>
    /// The hyperparameters are those of the model API, <see cref="MixtureOfExpertsModelOptions"/>, and so are their
    /// defaults: every such property here reads and writes the records of a <see cref="MixtureOfExpertsModelOptions"/>
    /// held inside (see <see cref="ToModelOptions"/>), so a default is declared in one place only.
    /// </remarks>
    public sealed class Options : MixtureTrainerOptions<MixtureOfExpertsModelOptions>
    {
        /// <summary>Default settings.</summary>
        public Options()
            : this(new MixtureOfExpertsModelOptions())
        {
        }

        /// <summary>Settings whose hyperparameters are copied from the model API's options (their CSV column names are not used).</summary>
        /// <param name="modelOptions">The hyperparameters to start from.</param>
        public Options(MixtureOfExpertsModelOptions modelOptions)
            : base(Copy(modelOptions))
        {
        }

        /// <summary>The label column, of a key type with C &gt;= 2 values (e.g. from <c>MapValueToKey</c>). Default "Label".</summary>
        public string LabelColumnName { get; set; } = "Label";

        /// <summary>
        /// The example weight column, a scalar Single, or null (the default) for equal weights. Each training row's
        /// loss term is multiplied by its weight, normalised by the minibatch's weight sum, so weight 2 counts a row
        /// twice and weight 0 leaves it out; rows with a negative or non-finite weight are skipped. The validation
        /// rows are not weighted.
        /// </summary>
        public string? ExampleWeightColumnName { get; set; }

        /// <summary>The number of experts K; see <see cref="MixtureOfExpertsArchitecture.Experts"/>.</summary>
        public int Experts { get => Settings.Architecture.Experts; set => Settings.Architecture.Experts = value; }

        /// <summary>Hidden layer widths of the gate network; see <see cref="MixtureOfExpertsArchitecture.GateHiddenSizes"/>.</summary>
        public IReadOnlyList<int> GateHiddenSizes { get => Settings.Architecture.GateHiddenSizes; set => Settings.Architecture.GateHiddenSizes = value; }

        /// <summary>Hidden layer widths of every expert; see <see cref="MixtureOfExpertsArchitecture.ExpertHiddenSizes"/>.</summary>
        public IReadOnlyList<int> ExpertHiddenSizes { get => Settings.Architecture.ExpertHiddenSizes; set => Settings.Architecture.ExpertHiddenSizes = value; }

        /// <summary>The hidden layers' non-linearity; see <see cref="MixtureOfExpertsArchitecture.Activation"/>.</summary>
        public Activation Activation { get => Settings.Architecture.Activation; set => Settings.Architecture.Activation = value; }

        /// <summary>How the gate is trained; see <see cref="MixtureOfExpertsLossOptions.Objective"/>.</summary>
        public GateObjective Objective { get => Settings.Loss.Objective; set => Settings.Loss.Objective = value; }

        /// <summary>Weight of the load-balancing term; see <see cref="MixtureOfExpertsLossOptions.LoadBalancingWeight"/>.</summary>
        public float LoadBalancingWeight { get => Settings.Loss.LoadBalancingWeight; set => Settings.Loss.LoadBalancingWeight = value; }

        /// <summary>Weight of the gate entropy term; see <see cref="MixtureOfExpertsLossOptions.GateEntropyWeight"/>.</summary>
        public float GateEntropyWeight { get => Settings.Loss.GateEntropyWeight; set => Settings.Loss.GateEntropyWeight = value; }

        /// <summary>The gate temperature at the first step; see <see cref="TemperatureAnnealing.InitialTemperature"/>.</summary>
        public float InitialTemperature { get => Settings.Temperature.InitialTemperature; set => Settings.Temperature.InitialTemperature = value; }

        /// <summary>Where temperature annealing ends; see <see cref="TemperatureAnnealing.FinalTemperature"/>.</summary>
        public float FinalTemperature { get => Settings.Temperature.FinalTemperature; set => Settings.Temperature.FinalTemperature = value; }

        /// <summary>When the final temperature is reached; see <see cref="TemperatureAnnealing.ReachedAtFraction"/>.</summary>
        public double TemperatureReachedAtFraction { get => Settings.Temperature.ReachedAtFraction; set => Settings.Temperature.ReachedAtFraction = value; }

        /// <summary>How many times the temperature changes; see <see cref="TemperatureAnnealing.Updates"/>.</summary>
        public int TemperatureUpdates { get => Settings.Temperature.Updates; set => Settings.Temperature.Updates = value; }

        /// <summary>A temperature schedule replacing the annealing; see <see cref="TemperatureAnnealing.Schedule"/>.</summary>
        public ISchedule? TemperatureSchedule { get => Settings.Temperature.Schedule; set => Settings.Temperature.Schedule = value; }

        /// <summary>The validation score early stopping follows; see <see cref="MixtureOfExpertsModelOptions.ValidationMetric"/>.</summary>
        public MixtureOfExpertsValidationMetric ValidationMetric { get => Settings.ValidationMetric; set => Settings.ValidationMetric = value; }

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

        /// <summary>The hyperparameters as the model API's options (a copy), for <see cref="MixtureOfExpertsModel.Fit(MLNetMixture.Training.Data.FeatureTable, MixtureOfExpertsModelOptions?, MLNetMixture.Training.Data.FeatureTable?, IProgress{TrainingProgress}?, CancellationToken)"/>.</summary>
        public MixtureOfExpertsModelOptions ToModelOptions() => Settings.Clone();

        /// <summary>A copy: the hyperparameters are copied, the export and scoring records and the progress sink are shared.</summary>
        public Options Clone()
        {
            var copy = (Options)MemberwiseClone();
            copy.Settings = Settings.Clone();
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

            if (ExampleWeightColumnName is not null && string.IsNullOrWhiteSpace(ExampleWeightColumnName))
            {
                throw new ArgumentException("ExampleWeightColumnName must be null (no weights) or name a column.", nameof(ExampleWeightColumnName));
            }

            if (Export is null || Scoring is null)
            {
                throw new ArgumentException("Export and Scoring must not be null.", Export is null ? nameof(Export) : nameof(Scoring));
            }

            Settings.Validate();
            if (Export.GateMode == MixtureOfExpertsGateMode.GumbelSoftmax)
            {
                throw new ArgumentException("Export.GateMode GumbelSoftmax is a sampling gate with temperature and noise inputs; an ML.NET pipeline scores with Soft or HardTop1.", nameof(Export));
            }

            if (Scoring.BatchSize < 1)
            {
                throw new ArgumentException($"Scoring.BatchSize = {Scoring.BatchSize} is invalid: it must be at least 1.", nameof(Scoring));
            }
        }

        private static MixtureOfExpertsModelOptions Copy(MixtureOfExpertsModelOptions modelOptions)
        {
            ArgumentNullException.ThrowIfNull(modelOptions);
            var copy = modelOptions.Clone();
            copy.FeatureColumns = null;
            return copy;
        }
    }
}

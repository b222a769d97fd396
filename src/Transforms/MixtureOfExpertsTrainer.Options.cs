using MLNetMixture.Training.Distributions;
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
    /// defaults: every such property here reads and writes a <see cref="MixtureOfExpertsModelOptions"/> held inside
    /// (see <see cref="ToModelOptions"/>), so a default is declared in one place only.
    /// </remarks>
    public sealed class Options
    {
        private MixtureOfExpertsModelOptions _model;

        /// <summary>Default settings.</summary>
        public Options()
            : this(new MixtureOfExpertsModelOptions())
        {
        }

        /// <summary>Settings whose hyperparameters are copied from the model API's options (their CSV column names are not used).</summary>
        /// <param name="modelOptions">The hyperparameters to start from.</param>
        public Options(MixtureOfExpertsModelOptions modelOptions)
        {
            ArgumentNullException.ThrowIfNull(modelOptions);
            _model = modelOptions.Clone();
            _model.FeatureColumns = null;
        }

        /// <summary>The label column, of a key type with C &gt;= 2 values (e.g. from <c>MapValueToKey</c>). Default "Label".</summary>
        public string LabelColumnName { get; set; } = "Label";

        /// <summary>The feature column, a known-size vector of Single (e.g. from <c>Concatenate</c>). Default "Features".</summary>
        public string FeatureColumnName { get; set; } = "Features";

        /// <summary>
        /// The example weight column, a scalar Single, or null (the default) for equal weights. Each training row's
        /// loss term is multiplied by its weight, normalised by the minibatch's weight sum, so weight 2 counts a row
        /// twice and weight 0 leaves it out; rows with a negative or non-finite weight are skipped. The validation
        /// rows are not weighted.
        /// </summary>
        public string? ExampleWeightColumnName { get; set; }

        /// <summary>The number of experts K; see <see cref="MixtureOfExpertsModelOptions.Experts"/>.</summary>
        public int Experts { get => _model.Experts; set => _model.Experts = value; }

        /// <summary>Hidden layer widths of the gate network; see <see cref="MixtureOfExpertsModelOptions.GateHiddenSizes"/>.</summary>
        public IReadOnlyList<int> GateHiddenSizes { get => _model.GateHiddenSizes; set => _model.GateHiddenSizes = value; }

        /// <summary>Hidden layer widths of every expert; see <see cref="MixtureOfExpertsModelOptions.ExpertHiddenSizes"/>.</summary>
        public IReadOnlyList<int> ExpertHiddenSizes { get => _model.ExpertHiddenSizes; set => _model.ExpertHiddenSizes = value; }

        /// <summary>The hidden layers' non-linearity; see <see cref="MixtureOfExpertsModelOptions.Activation"/>.</summary>
        public Activation Activation { get => _model.Activation; set => _model.Activation = value; }

        /// <summary>How the gate is trained; see <see cref="MixtureOfExpertsModelOptions.Objective"/>.</summary>
        public GateObjective Objective { get => _model.Objective; set => _model.Objective = value; }

        /// <summary>The gate temperature at the first step; see <see cref="MixtureOfExpertsModelOptions.InitialTemperature"/>.</summary>
        public float InitialTemperature { get => _model.InitialTemperature; set => _model.InitialTemperature = value; }

        /// <summary>The temperature floor; see <see cref="MixtureOfExpertsModelOptions.MinimumTemperature"/>.</summary>
        public float MinimumTemperature { get => _model.MinimumTemperature; set => _model.MinimumTemperature = value; }

        /// <summary>When the floor is reached; see <see cref="MixtureOfExpertsModelOptions.TemperatureReachedAtFraction"/>.</summary>
        public double TemperatureReachedAtFraction { get => _model.TemperatureReachedAtFraction; set => _model.TemperatureReachedAtFraction = value; }

        /// <summary>How often the temperature changes; see <see cref="MixtureOfExpertsModelOptions.TemperatureUpdates"/>.</summary>
        public int TemperatureUpdates { get => _model.TemperatureUpdates; set => _model.TemperatureUpdates = value; }

        /// <summary>A temperature schedule replacing the four settings above; see <see cref="MixtureOfExpertsModelOptions.TemperatureSchedule"/>.</summary>
        public ITemperatureSchedule? TemperatureSchedule { get => _model.TemperatureSchedule; set => _model.TemperatureSchedule = value; }

        /// <summary>Weight of the load-balancing term; see <see cref="MixtureOfExpertsModelOptions.LoadBalancingWeight"/>.</summary>
        public float LoadBalancingWeight { get => _model.LoadBalancingWeight; set => _model.LoadBalancingWeight = value; }

        /// <summary>Weight of the gate entropy term; see <see cref="MixtureOfExpertsModelOptions.GateEntropyWeight"/>.</summary>
        public float GateEntropyWeight { get => _model.GateEntropyWeight; set => _model.GateEntropyWeight = value; }

        /// <summary>The most passes over the training data; see <see cref="MixtureOfExpertsModelOptions.Epochs"/>.</summary>
        public int Epochs { get => _model.Epochs; set => _model.Epochs = value; }

        /// <summary>Rows per minibatch; see <see cref="MixtureOfExpertsModelOptions.BatchSize"/>.</summary>
        public int BatchSize { get => _model.BatchSize; set => _model.BatchSize = value; }

        /// <summary>Peak learning rate; see <see cref="MixtureOfExpertsModelOptions.LearningRate"/>.</summary>
        public float LearningRate { get => _model.LearningRate; set => _model.LearningRate = value; }

        /// <summary>The learning-rate schedule; see <see cref="MixtureOfExpertsModelOptions.LearningRateSchedule"/>.</summary>
        public LearningRateScheduleKind LearningRateSchedule { get => _model.LearningRateSchedule; set => _model.LearningRateSchedule = value; }

        /// <summary>Decoupled weight decay; see <see cref="MixtureOfExpertsModelOptions.WeightDecay"/>.</summary>
        public float WeightDecay { get => _model.WeightDecay; set => _model.WeightDecay = value; }

        /// <summary>Early-stopping patience in epochs (0 = off); see <see cref="MixtureOfExpertsModelOptions.EarlyStoppingPatience"/>.</summary>
        public int EarlyStoppingPatience { get => _model.EarlyStoppingPatience; set => _model.EarlyStoppingPatience = value; }

        /// <summary>The share of training rows held out for validation when no validation data is given; see <see cref="MixtureOfExpertsModelOptions.ValidationFraction"/>.</summary>
        public double ValidationFraction { get => _model.ValidationFraction; set => _model.ValidationFraction = value; }

        /// <summary>The validation score early stopping follows; see <see cref="MixtureOfExpertsModelOptions.ValidationMetric"/>.</summary>
        public MixtureOfExpertsValidationMetric ValidationMetric { get => _model.ValidationMetric; set => _model.ValidationMetric = value; }

        /// <summary>The random seed; see <see cref="MixtureOfExpertsModelOptions.Seed"/>.</summary>
        public ulong Seed { get => _model.Seed; set => _model.Seed = value; }

        /// <summary>Threads for matrix products (0 = every core); see <see cref="MixtureOfExpertsModelOptions.Threads"/>.</summary>
        public int Threads { get => _model.Threads; set => _model.Threads = value; }

        /// <summary>The most training rows held at once while training streams the data view; see <see cref="MixtureOfExpertsModelOptions.ShuffleBufferRows"/>.</summary>
        public int ShuffleBufferRows { get => _model.ShuffleBufferRows; set => _model.ShuffleBufferRows = value; }

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

        /// <summary>The hyperparameters as the model API's options (a copy), for <see cref="MixtureOfExpertsModel.Fit(MLNetMixture.Training.Data.FeatureTable, MixtureOfExpertsModelOptions?, MLNetMixture.Training.Data.FeatureTable?, IProgress{TrainingProgress}?, CancellationToken)"/>.</summary>
        public MixtureOfExpertsModelOptions ToModelOptions() => _model.Clone();

        /// <summary>A copy: the hyperparameters are copied, the export and scoring records and the progress sink are shared.</summary>
        public Options Clone()
        {
            var copy = (Options)MemberwiseClone();
            copy._model = _model.Clone();
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

            _model.Validate();
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
}

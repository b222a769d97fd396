using MLNetMixture.Training.Flows;
using MLNetMixture.Training.Layers;
using MLNetMixture.Training.Trainers;

namespace MLNetMixture.Transforms;

public sealed partial class MixtureDensityFlowEstimator
{
    /// <summary>
    /// Settings of <see cref="MixtureDensityFlowEstimator"/> (<c>mlContext.Transforms.MixtureDensityFlow(options)</c>), flat
    /// as ML.NET's trainer options are: the columns, the flow's hyperparameters and the scoring batch size. Every
    /// hyperparameter's default is the model API's (<see cref="MixtureDensityFlowOptions"/>), read from it rather than
    /// repeated here; see that class for what each one does.
    /// </summary>
    public sealed class Options
    {
        private static readonly MixtureDensityFlowOptions Defaults = new();

        /// <summary>The feature column, a known-size vector of Single. Default "Features".</summary>
        public string FeatureColumnName { get; set; } = "Features";

        /// <summary>The added log-density column (Single, nats, of the data as given). Default "LogDensity".</summary>
        public string LogDensityColumnName { get; set; } = "LogDensity";

        /// <summary>The added posterior column (vector of K Single, p(k | x) over the base components). Default "ComponentPosterior".</summary>
        public string ComponentPosteriorColumnName { get; set; } = "ComponentPosterior";

        /// <summary>See <see cref="MixtureDensityFlowOptions.FlowType"/>.</summary>
        public FlowType FlowType { get; set; } = Defaults.FlowType;

        /// <summary>See <see cref="MixtureDensityFlowOptions.Layers"/>.</summary>
        public int Layers { get; set; } = Defaults.Layers;

        /// <summary>See <see cref="MixtureDensityFlowOptions.HiddenSizes"/>.</summary>
        public IReadOnlyList<int> HiddenSizes { get; set; } = Defaults.HiddenSizes;

        /// <summary>See <see cref="MixtureDensityFlowOptions.Activation"/>.</summary>
        public Activation Activation { get; set; } = Defaults.Activation;

        /// <summary>See <see cref="MixtureDensityFlowOptions.SplineBins"/>.</summary>
        public int SplineBins { get; set; } = Defaults.SplineBins;

        /// <summary>See <see cref="MixtureDensityFlowOptions.SplineBound"/>.</summary>
        public float SplineBound { get; set; } = Defaults.SplineBound;

        /// <summary>See <see cref="MixtureDensityFlowOptions.ScaleBound"/>.</summary>
        public float ScaleBound { get; set; } = Defaults.ScaleBound;

        /// <summary>See <see cref="MixtureDensityFlowOptions.Permutation"/>.</summary>
        public FlowPermutationKind Permutation { get; set; } = Defaults.Permutation;

        /// <summary>See <see cref="MixtureDensityFlowOptions.LuLinear"/>.</summary>
        public bool LuLinear { get; set; } = Defaults.LuLinear;

        /// <summary>See <see cref="MixtureDensityFlowOptions.ActNorm"/>.</summary>
        public bool ActNorm { get; set; } = Defaults.ActNorm;

        /// <summary>See <see cref="MixtureDensityFlowOptions.Components"/>.</summary>
        public int Components { get; set; } = Defaults.Components;

        /// <summary>See <see cref="MixtureDensityFlowOptions.Epochs"/>.</summary>
        public int Epochs { get; set; } = Defaults.Epochs;

        /// <summary>Training rows per minibatch; see <see cref="MixtureDensityFlowOptions.BatchSize"/>.</summary>
        public int BatchSize { get; set; } = Defaults.BatchSize;

        /// <summary>See <see cref="MixtureDensityFlowOptions.LearningRate"/>.</summary>
        public float LearningRate { get; set; } = Defaults.LearningRate;

        /// <summary>See <see cref="MixtureDensityFlowOptions.WeightDecay"/>.</summary>
        public float WeightDecay { get; set; } = Defaults.WeightDecay;

        /// <summary>See <see cref="MixtureDensityFlowOptions.GradientClipNorm"/>.</summary>
        public float GradientClipNorm { get; set; } = Defaults.GradientClipNorm;

        /// <summary>See <see cref="MixtureDensityFlowOptions.EarlyStoppingPatience"/>.</summary>
        public int EarlyStoppingPatience { get; set; } = Defaults.EarlyStoppingPatience;

        /// <summary>See <see cref="MixtureDensityFlowOptions.ValidationFraction"/>.</summary>
        public double ValidationFraction { get; set; } = Defaults.ValidationFraction;

        /// <summary>See <see cref="MixtureDensityFlowOptions.Seed"/>.</summary>
        public ulong Seed { get; set; } = Defaults.Seed;

        /// <summary>See <see cref="MixtureDensityFlowOptions.Threads"/>.</summary>
        public int Threads { get; set; } = Defaults.Threads;

        /// <summary>The most training rows held at once while training streams the data view; see <see cref="MixtureDensityFlowOptions.ShuffleBufferRows"/>.</summary>
        public int ShuffleBufferRows { get; set; } = Defaults.ShuffleBufferRows;

        /// <summary>See <see cref="MixtureDensityFlowOptions.Standardize"/>.</summary>
        public bool Standardize { get; set; } = Defaults.Standardize;

        /// <summary>Slots of the feature vector to model, by slot name; see <see cref="MixtureDensityFlowOptions.FeatureColumns"/>.</summary>
        public IReadOnlyList<string>? FeatureSlots { get; set; } = Defaults.FeatureColumns;

        /// <summary>Rows a cursor reads ahead and scores in one native call. Default 4,096.</summary>
        public int ScoringBatchSize { get; set; } = 4096;

        /// <summary>Receives a report after every training epoch (train and validation log-likelihood); null for none.</summary>
        public IProgress<TrainingProgress>? Progress { get; set; }

        /// <summary>A shallow copy (lists and the progress sink are shared).</summary>
        public Options Clone() => (Options)MemberwiseClone();

        /// <summary>The hyperparameters as the model API's options, for <see cref="MixtureDensityFlowModel.Fit(MLNetMixture.Training.Data.IFeatureRowSource, MixtureDensityFlowOptions?, MLNetMixture.Training.Data.IFeatureRowSource?, IProgress{MLNetMixture.Training.Trainers.TrainingProgress}?, CancellationToken)"/>.</summary>
        public MixtureDensityFlowOptions ToModelOptions() => new()
        {
            FlowType = FlowType,
            Layers = Layers,
            HiddenSizes = HiddenSizes,
            Activation = Activation,
            SplineBins = SplineBins,
            SplineBound = SplineBound,
            ScaleBound = ScaleBound,
            Permutation = Permutation,
            LuLinear = LuLinear,
            ActNorm = ActNorm,
            Components = Components,
            Epochs = Epochs,
            BatchSize = BatchSize,
            LearningRate = LearningRate,
            WeightDecay = WeightDecay,
            GradientClipNorm = GradientClipNorm,
            EarlyStoppingPatience = EarlyStoppingPatience,
            ValidationFraction = ValidationFraction,
            Seed = Seed,
            Threads = Threads,
            ShuffleBufferRows = ShuffleBufferRows,
            Standardize = Standardize,
            FeatureColumns = FeatureSlots,
        };

        /// <summary>Throws an <see cref="ArgumentException"/> naming the first invalid setting.</summary>
        public void Validate()
        {
            foreach (var (value, name) in new[] { (FeatureColumnName, nameof(FeatureColumnName)), (LogDensityColumnName, nameof(LogDensityColumnName)), (ComponentPosteriorColumnName, nameof(ComponentPosteriorColumnName)) })
            {
                if (string.IsNullOrWhiteSpace(value))
                {
                    throw new ArgumentException($"{name} must name a column.", name);
                }
            }

            if (LogDensityColumnName == ComponentPosteriorColumnName)
            {
                throw new ArgumentException($"LogDensityColumnName and ComponentPosteriorColumnName are both '{LogDensityColumnName}'.", nameof(ComponentPosteriorColumnName));
            }

            if (ScoringBatchSize < 1)
            {
                throw new ArgumentException($"ScoringBatchSize = {ScoringBatchSize} is invalid: it must be at least 1.", nameof(ScoringBatchSize));
            }

            ToModelOptions().Validate();
        }
    }
}

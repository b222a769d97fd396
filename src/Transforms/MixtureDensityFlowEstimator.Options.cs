using MLNetMixture.Training.Flows;
using MLNetMixture.Training.Layers;
using MLNetMixture.Training.Trainers;

namespace MLNetMixture.Transforms;

public sealed partial class MixtureDensityFlowEstimator
{
    /// <summary>
    /// Settings of <see cref="MixtureDensityFlowEstimator"/> (<c>mlContext.Transforms.MixtureDensityFlow(options)</c>), flat
    /// as ML.NET's trainer options are: the columns, the flow's hyperparameters and the scoring batch size. Every
    /// hyperparameter reads and writes the records of a <see cref="MixtureDensityFlowOptions"/> held inside, so its
    /// default is the model API's, declared once there; see <see cref="MixtureDensityFlowArchitecture"/> for what each
    /// architecture setting does.
    /// </summary>
    public sealed class Options : MixtureTrainerOptions<MixtureDensityFlowOptions>
    {
        /// <summary>Default settings.</summary>
        public Options()
            : base(new MixtureDensityFlowOptions())
        {
        }

        /// <summary>The added log-density column (Single, nats, of the data as given). Default "LogDensity".</summary>
        public string LogDensityColumnName { get; set; } = "LogDensity";

        /// <summary>The added posterior column (vector of K Single, p(k | x) over the base components). Default "ComponentPosterior".</summary>
        public string ComponentPosteriorColumnName { get; set; } = "ComponentPosterior";

        /// <summary>See <see cref="MixtureDensityFlowArchitecture.FlowType"/>.</summary>
        public FlowType FlowType { get => Settings.Architecture.FlowType; set => Settings.Architecture.FlowType = value; }

        /// <summary>See <see cref="MixtureDensityFlowArchitecture.Layers"/>.</summary>
        public int Layers { get => Settings.Architecture.Layers; set => Settings.Architecture.Layers = value; }

        /// <summary>See <see cref="MixtureDensityFlowArchitecture.HiddenSizes"/>.</summary>
        public IReadOnlyList<int> HiddenSizes { get => Settings.Architecture.HiddenSizes; set => Settings.Architecture.HiddenSizes = value; }

        /// <summary>See <see cref="MixtureDensityFlowArchitecture.Activation"/>.</summary>
        public Activation Activation { get => Settings.Architecture.Activation; set => Settings.Architecture.Activation = value; }

        /// <summary>See <see cref="MixtureDensityFlowArchitecture.SplineBins"/>.</summary>
        public int SplineBins { get => Settings.Architecture.SplineBins; set => Settings.Architecture.SplineBins = value; }

        /// <summary>See <see cref="MixtureDensityFlowArchitecture.SplineBound"/>.</summary>
        public float SplineBound { get => Settings.Architecture.SplineBound; set => Settings.Architecture.SplineBound = value; }

        /// <summary>See <see cref="MixtureDensityFlowArchitecture.ScaleBound"/>.</summary>
        public float ScaleBound { get => Settings.Architecture.ScaleBound; set => Settings.Architecture.ScaleBound = value; }

        /// <summary>See <see cref="MixtureDensityFlowArchitecture.Permutation"/>.</summary>
        public FlowPermutationKind Permutation { get => Settings.Architecture.Permutation; set => Settings.Architecture.Permutation = value; }

        /// <summary>See <see cref="MixtureDensityFlowArchitecture.LuLinear"/>.</summary>
        public bool LuLinear { get => Settings.Architecture.LuLinear; set => Settings.Architecture.LuLinear = value; }

        /// <summary>See <see cref="MixtureDensityFlowArchitecture.ActNorm"/>.</summary>
        public bool ActNorm { get => Settings.Architecture.ActNorm; set => Settings.Architecture.ActNorm = value; }

        /// <summary>See <see cref="MixtureDensityFlowArchitecture.Components"/>.</summary>
        public int Components { get => Settings.Architecture.Components; set => Settings.Architecture.Components = value; }

        /// <summary>See <see cref="MixtureDensityFlowArchitecture.Standardize"/>.</summary>
        public bool Standardize { get => Settings.Architecture.Standardize; set => Settings.Architecture.Standardize = value; }

        /// <summary>How a K &gt; 1 base starts (the default fits from k-means and from standard normals and keeps the better on validation; streamed training fits once, from k-means); see <see cref="MixtureDensityFlowArchitecture.BaseInitialization"/>.</summary>
        public MixtureBaseInitialization BaseInitialization { get => Settings.Architecture.BaseInitialization; set => Settings.Architecture.BaseInitialization = value; }

        /// <summary>Slots of the feature vector to model, by slot name; see <see cref="MixtureDensityFlowOptions.FeatureColumns"/>.</summary>
        public IReadOnlyList<string>? FeatureSlots { get => Settings.FeatureColumns; set => Settings.FeatureColumns = value; }

        /// <summary>Rows a cursor reads ahead and scores in one native call. Default 4,096.</summary>
        public int ScoringBatchSize { get; set; } = 4096;

        /// <summary>A copy: the hyperparameters are copied, the progress sink is shared.</summary>
        public Options Clone()
        {
            var copy = (Options)MemberwiseClone();
            copy.Settings = Settings.Clone();
            return copy;
        }

        /// <summary>The hyperparameters as the model API's options (a copy), for <see cref="MixtureDensityFlowModel.Fit(MLNetMixture.Training.Data.FeatureTable, MixtureDensityFlowOptions?, MLNetMixture.Training.Data.FeatureTable?, IProgress{TrainingProgress}?, CancellationToken)"/>.</summary>
        public MixtureDensityFlowOptions ToModelOptions() => Settings.Clone();

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

            Settings.Validate();
        }
    }
}

namespace MLNetMixture.Transforms;

public sealed partial class MixtureDensityFlowAnomalyEstimator
{
    /// <summary>
    /// Settings of <see cref="MixtureDensityFlowAnomalyEstimator"/>
    /// (<c>mlContext.AnomalyDetection.Trainers.MixtureDensityFlow(options)</c>): the flow, the output columns and how
    /// the decision threshold is chosen.
    /// </summary>
    public sealed class Options
    {
        /// <summary>The flow's settings, its feature column (<c>FeatureColumnName</c>) included.</summary>
        public MixtureDensityFlowEstimator.Options Flow { get; set; } = new();

        /// <summary>The anomaly score column (Single, the negative log-density in nats: higher is more anomalous). Default "Score".</summary>
        public string ScoreColumnName { get; set; } = "Score";

        /// <summary>The decision column (Boolean, true = anomaly: score above the threshold). Default "PredictedLabel".</summary>
        public string PredictedLabelColumnName { get; set; } = "PredictedLabel";

        /// <summary>
        /// The fraction of training rows to flag, which picks the threshold (the training scores' 1 - contamination
        /// quantile) when <see cref="Threshold"/> is null. Default 0.05.
        /// </summary>
        public double Contamination { get; set; } = 0.05;

        /// <summary>A fixed threshold on the score (nats); null picks it from <see cref="Contamination"/>. Default null.</summary>
        public float? Threshold { get; set; }

        /// <summary>A shallow copy (the flow settings are shared).</summary>
        public Options Clone() => (Options)MemberwiseClone();

        /// <summary>Throws an <see cref="ArgumentException"/> naming the first invalid setting.</summary>
        public void Validate()
        {
            ArgumentNullException.ThrowIfNull(Flow, nameof(Flow));
            Flow.Validate();
            foreach (var (value, name) in new[] { (ScoreColumnName, nameof(ScoreColumnName)), (PredictedLabelColumnName, nameof(PredictedLabelColumnName)) })
            {
                if (string.IsNullOrWhiteSpace(value))
                {
                    throw new ArgumentException($"{name} must name a column.", name);
                }
            }

            if (ScoreColumnName == PredictedLabelColumnName)
            {
                throw new ArgumentException($"ScoreColumnName and PredictedLabelColumnName are both '{ScoreColumnName}'.", nameof(PredictedLabelColumnName));
            }

            if (Contamination is not (> 0 and < 1))
            {
                throw new ArgumentException($"Contamination = {Contamination} is invalid: it must be in (0, 1).", nameof(Contamination));
            }

            if (Threshold is { } t && float.IsNaN(t))
            {
                throw new ArgumentException("Threshold must not be NaN.", nameof(Threshold));
            }
        }
    }
}

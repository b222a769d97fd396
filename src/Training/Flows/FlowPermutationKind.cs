namespace MLNetMixture.Training.Flows;

/// <summary>The fixed feature reordering put between the transform layers of a <see cref="MixtureDensityFlowArchitecture"/>.</summary>
public enum FlowPermutationKind
{
    /// <summary>Reverse the feature order (MAF, RealNVP): every feature alternates between conditioning and transformed.</summary>
    Reverse,

    /// <summary>A seeded random order per layer (NSF's tabular setting); stored with the model, so a loaded model is identical.</summary>
    Random,
}

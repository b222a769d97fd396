namespace MLNetMixture.Training.Trainers;

/// <summary>Learning-rate schedules the trainer can build.</summary>
public enum LearningRateScheduleKind
{
    /// <summary>The same rate throughout.</summary>
    Constant,

    /// <summary>Cosine decay to zero over the planned steps, after an optional linear warm-up.</summary>
    Cosine,

    /// <summary>Multiply by 0.3 after each third of the planned steps.</summary>
    Step,
}

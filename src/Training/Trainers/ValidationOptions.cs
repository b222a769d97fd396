namespace MLNetMixture.Training.Trainers;

/// <summary>
/// Validation and early stopping: the share of the training rows held out when no validation set is given, and how
/// many epochs without a better validation score end training. The parameters with the best validation score are
/// kept.
/// </summary>
public sealed record ValidationOptions
{
    /// <summary>
    /// The share of the training rows held out (a seeded random subset; per class for classifiers) to validate on when
    /// no validation set is given; 0 trains on every row and keeps the last epoch. Default 0.1.
    /// </summary>
    public double ValidationFraction { get; set; } = 0.1;

    /// <summary>Stop after this many epochs without a better validation score; 0 never stops early. Default 20.</summary>
    public int EarlyStoppingPatience { get; set; } = 20;

    /// <summary>Throws an <see cref="ArgumentException"/> naming the first invalid setting.</summary>
    public void Validate()
    {
        var check = new SettingCheck("Validation");
        check.That(ValidationFraction is >= 0 and < 1, nameof(ValidationFraction), ValidationFraction, "lie in [0, 1) (0 = no validation split)");
        check.That(EarlyStoppingPatience >= 0, nameof(EarlyStoppingPatience), EarlyStoppingPatience, "be non-negative (0 = off)");
    }
}

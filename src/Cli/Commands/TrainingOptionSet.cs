using System.CommandLine;
using MLNetMixture.Training.Trainers;

namespace MLNetMixture.Cli.Commands;

/// <summary>
/// The flags every training command shares (--epochs, --batch-size, --learning-rate, --patience, --seed, --threads),
/// their defaults read from the model API's settings (<see cref="ITrainingSettings"/>), so `flow fit` and `moe fit`
/// spell, document and default them the same way.
/// </summary>
internal sealed class TrainingOptionSet
{
    private readonly Option<int> _epochs;
    private readonly Option<int> _batch;
    private readonly Option<float> _rate;
    private readonly Option<int> _patience;
    private readonly Option<double> _validationFraction;
    private readonly Option<ulong> _seed;
    private readonly Option<int> _threads;
    private readonly Option<string?> _tune;

    /// <summary>Creates the flags.</summary>
    /// <param name="defaults">The model's default settings.</param>
    /// <param name="validationScore">What early stopping follows, for --patience's help ("log-likelihood", "log-loss").</param>
    public TrainingOptionSet(ITrainingSettings defaults, string validationScore)
    {
        _epochs = new Option<int>("--epochs") { Description = "Most passes over the training data (early stopping, when on, may end sooner).", DefaultValueFactory = _ => defaults.Optimization.Epochs };
        _batch = new Option<int>("--batch-size") { Description = "Rows per minibatch.", DefaultValueFactory = _ => defaults.Optimization.BatchSize };
        _rate = new Option<float>("--learning-rate") { Description = "Peak AdamW learning rate (cosine decay).", DefaultValueFactory = _ => defaults.Optimization.LearningRate };
        _patience = new Option<int>("--patience") { Description = $"Stop after this many epochs without a better validation {validationScore}; 0 never stops early.", DefaultValueFactory = _ => defaults.Validation.EarlyStoppingPatience };
        _validationFraction = new Option<double>("--validation-fraction") { Description = "Share of the training rows held out for validation when --validation is not given (0 = none: train on every row).", DefaultValueFactory = _ => defaults.Validation.ValidationFraction };
        _seed = new Option<ulong>("--seed") { Description = "Seed of every random choice (initialisation, validation split, minibatch order, noise).", DefaultValueFactory = _ => defaults.Seed };
        _threads = new Option<int>("--threads") { Description = "Threads (0 = training picks the faster count by measuring its first steps; scoring uses every core).", DefaultValueFactory = _ => defaults.Threads };
        _tune = new Option<string?>("--tune") { Description = "First search the settings by k-fold cross-validation on the training rows for this long (e.g. 90s, 2m, 1h), then fit the best on every row." };
        _tune.Validators.Add(result =>
        {
            if (result.Tokens.Count == 1 && ParseDuration(result.Tokens[0].Value) is null)
            {
                result.AddError($"--tune {result.Tokens[0].Value}: expected a positive duration such as 90s, 2m or 1h.");
            }
        });
    }

    /// <summary>The flags, in help order.</summary>
    public IEnumerable<Option> Options => [_epochs, _batch, _rate, _patience, _validationFraction, _seed, _threads, _tune];

    /// <summary>Writes the parsed flags into <paramref name="settings"/>.</summary>
    public void ApplyTo(ParseResult parsed, ITrainingSettings settings)
    {
        settings.Optimization.Epochs = parsed.GetValue(_epochs);
        settings.Optimization.BatchSize = parsed.GetValue(_batch);
        settings.Optimization.LearningRate = parsed.GetValue(_rate);
        settings.Validation.EarlyStoppingPatience = parsed.GetValue(_patience);
        settings.Validation.ValidationFraction = parsed.GetValue(_validationFraction);
        settings.Seed = parsed.GetValue(_seed);
        settings.Threads = parsed.GetValue(_threads);
        settings.TuningBudget = parsed.GetValue(_tune) is { } tune ? ParseDuration(tune) : null;
    }

    /// <summary>A positive duration written as a number and a unit (s, m or h), or null when it is not one.</summary>
    public static TimeSpan? ParseDuration(string text)
    {
        text = text.Trim();
        if (text.Length < 2 || !double.TryParse(text[..^1], System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out double amount) || !(amount > 0) || double.IsInfinity(amount))
        {
            return null;
        }

        return char.ToLowerInvariant(text[^1]) switch
        {
            's' => TimeSpan.FromSeconds(amount),
            'm' => TimeSpan.FromMinutes(amount),
            'h' => TimeSpan.FromHours(amount),
            _ => null,
        };
    }
}
